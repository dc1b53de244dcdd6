"""Performance management logic, one module per capability; import from here."""
