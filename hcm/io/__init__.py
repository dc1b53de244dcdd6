"""CSV / XLSX import and export of the org model, by external ids, all-or-nothing."""
