"""The ledger to the outputs: views, the reporting calendar, the dashboard, portfolio.xlsx, the HTML pack."""
