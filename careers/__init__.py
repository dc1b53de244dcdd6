"""careers package."""
