"""performance package."""
