"""The template contract: the declared schemas, the workbook metadata, the builder and the field docs."""
