"""The import framework (no domain code): read a workbook, map headers, validate rows, report, commit."""
