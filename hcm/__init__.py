"""Platform core: settings, database, org model, users/roles/policies, app factory, web shell, CLI, demo data."""

__version__ = "0.1.0"
