"""The models adapter's registration with the platform (entry point ``hcm.modules: ml``)."""

from __future__ import annotations

from hcm.modules import Module

MODULE = Module(
    name="ml",
    label="Models",
    models=("ml.models",),
    description="Flight-risk and readiness models: point-in-time features, evaluation on any HRIS export.",
)
