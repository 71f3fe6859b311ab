"""Excel worksheet functions (xlwings UDFs): thin shells over pmo_xl."""
