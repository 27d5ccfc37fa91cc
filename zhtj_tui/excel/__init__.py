"""Excel templates, imports and exports (openpyxl)."""
