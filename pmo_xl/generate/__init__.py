"""Project workbooks from the templates, with last month's values carried forward."""
