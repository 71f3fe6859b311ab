"""The inbox to the ledger: list the inbox, read each workbook, validate it, judge and record the run."""
