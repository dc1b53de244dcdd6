"""Succession's registration with the platform (entry point ``hcm.modules: succession``)."""

from __future__ import annotations

from pathlib import Path

from hcm.modules import Module

MODULE = Module(
    name="succession",
    label="Succession",
    api_routers=("succession.router:router",),
    templates=(Path(__file__).parent / "templates",),
    permissions="succession.policy:GRANTS",
    models=("succession.models",),
    provides={"graph.sources": ("succession.graph:SOURCES",)},
)
