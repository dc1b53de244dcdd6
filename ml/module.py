"""The models adapter's registration with the platform (entry point ``hcm.modules: ml``)."""

from __future__ import annotations

from hcm.modules import Module, Periodic

MODULE = Module(
    name="ml",
    label="Models",
    models=("ml.models",),
    tasks=("ml.tasks",),
    cli=("ml.cli:ml_group",),
    # retrain when the data changed (a new exit, a closed year), then score everyone: once a day
    periodic=(Periodic("score-people", "ml.retrain_and_score", 24 * 3600.0),),
    # succession's suggestions show the active readiness version's prediction ({} while none is active)
    provides={"succession.readiness": ("ml.readiness:predict",)},
    description="Flight-risk and readiness models: point-in-time features, evaluation on any HRIS export.",
)
