"""Performance management logic, one module per capability; import from here."""

# The points ledger's append-only guards are ORM events: importing the module registers them, so every
# process that can touch the ledger (app, CLI, workers) has them.
from performance.service import points as _points  # noqa: F401
