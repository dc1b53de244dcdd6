"""succession package."""
