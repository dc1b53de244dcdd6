"""The platform hosts modules: each module (and each adapter that needs wiring) declares what it adds in one
``Module`` registration, found through the ``hcm.modules`` entry-point group, the way pytest finds plugins:

    # pyproject.toml of the package that brings the module
    [project.entry-points."hcm.modules"]
    performance = "performance.module:MODULE"

The app factory, the CLI, the Celery worker, Alembic and ``hcm demo`` read the registrations; the core itself
names no module. What a registration points at is written as dotted strings (``"pkg.mod:attr"``) and imported
only by the part of the platform that needs it, so the worker never imports page routers and ``hcm --help``
never imports the graph driver (Frappe's ``hooks.py`` works the same way).

The core's own parts (org, people, import/export, log-in) register through the same mechanism.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "hcm.modules"
# The platform's own registration, always present (also when the project runs from a source tree that was
# never installed, so it has no entry points at all).
CORE = "hcm.core_module:MODULE"


Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class NavEntry:
    """A link in the top navigation. ``roles`` maps each role that sees it (by its value, e.g. ``"manager"``)
    to its place in that role's bar (lower first)."""

    key: str  # stable: rendered as data-nav="..." and used as a page's ``section``
    label: str
    href: str
    roles: Mapping[str, int]


@dataclass(frozen=True)
class DemoContext:
    """What a demo step gets: the database, the company's size, the seed and the as-of date of the whole run."""

    engine: Engine
    employees: int
    seed: int
    as_of: date
    progress: Progress


@dataclass(frozen=True)
class DemoStep:
    """``run(ctx: DemoContext) -> object`` adds a module's demo data; what it returns is printed. Steps run in
    ``order`` (the org itself is 0), each on what the steps before it wrote."""

    name: str
    run: str
    order: int


@dataclass(frozen=True)
class Periodic:
    """A Celery beat entry: the registered task ``task`` every ``seconds``."""

    name: str
    task: str
    seconds: float


@dataclass(frozen=True)
class OutboxConsumer:
    """A task (by registered name) sent after every commit that wrote outbox rows of one of ``topics``; it
    drains them. ``topics`` empty = every topic."""

    task: str
    topics: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Module:
    """Everything a module adds to the platform. Strings are ``"package.module:attribute"`` references
    (``models`` and ``tasks`` name modules to import)."""

    name: str
    label: str = ""
    api_routers: tuple[str, ...] = ()  # FastAPI APIRouter objects
    page_routers: tuple[str, ...] = ()
    templates: tuple[Path, ...] = ()  # folders on the one Jinja search path (name templates "<module>/x.html")
    nav: tuple[NavEntry, ...] = ()
    permissions: str | None = None  # a Mapping[StrEnum, roles] handed to hcm.policy.register_grants
    self_service: str | None = None  # the permissions among them an employee may write with (row-checked)
    models: tuple[str, ...] = ()  # modules declaring tables on hcm.db.Base (for Alembic and create_all)
    tasks: tuple[str, ...] = ()  # modules declaring Celery tasks (imported by workers and before sending)
    periodic: tuple[Periodic, ...] = ()
    demo_steps: tuple[DemoStep, ...] = ()
    outbox: tuple[OutboxConsumer, ...] = ()
    cli: tuple[str, ...] = ()  # click commands or groups added to ``hcm``
    # ``hook(settings, console)`` -> a context manager entered around ``hcm serve`` / ``hcm demo`` (for example
    # a bundled server started before the app and stopped after it)
    serve_hooks: tuple[str, ...] = ()
    on_shutdown: tuple[str, ...] = ()  # called as the web app stops
    worker_process_init: tuple[str, ...] = ()  # called in each worker process as it starts
    worker_shutdown: tuple[str, ...] = ()
    # What this module contributes to extension points that other packages define, by the point's name:
    # ``{"graph.sources": ("performance.graph:SOURCES",)}``. The platform only carries them (``provided``).
    provides: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    description: str = field(default="", compare=False)


def resolve(ref: str) -> Any:
    """``"package.module:attribute"`` -> the object; ``"package.module"`` -> the module."""
    mod_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(mod_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


_extra: list[Module] = []
_cache: tuple[Module, ...] | None = None


def _discover() -> list[Module]:
    found: list[Module] = [resolve(CORE)]
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            module = ep.load()
        except Exception as exc:  # a broken plug-in must say which one it is
            raise RuntimeError(f"the hcm module {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        if not isinstance(module, Module):
            raise TypeError(f"the entry point {ep.name!r} ({ep.value}) is not an hcm.modules.Module")
        found.append(module)
    return found


def installed() -> tuple[Module, ...]:
    """Every registered module, the core first, then by name; read once per process."""
    global _cache
    if _cache is None:
        seen: dict[str, Module] = {}
        for m in [*_discover(), *_extra]:
            if m.name in seen and seen[m.name] != m:
                raise RuntimeError(f"two different hcm modules are registered as {m.name!r}")
            seen[m.name] = m
        _cache = tuple(seen.values())
        _register_permissions(_cache)
    return _cache


def refresh() -> None:
    """Read the registrations again (after packages were installed, or in tests)."""
    global _cache
    _cache = None


@contextmanager
def registered(*modules: Module) -> Iterator[None]:
    """Add modules for the duration of the block (tests, and embedding the platform in another program)."""
    _extra.extend(modules)
    refresh()
    try:
        yield
    finally:
        for m in modules:
            _extra.remove(m)
        refresh()


def _register_permissions(modules: Iterable[Module]) -> None:
    from hcm import policy

    for m in modules:
        if m.permissions:
            self_service = resolve(m.self_service) if m.self_service else ()
            policy.register_grants(resolve(m.permissions), self_service=self_service)


# --- what each part of the platform asks for ------------------------------------------------------------
def refs(attr: str) -> list[Any]:
    """Every module's ``attr`` (a tuple of references), resolved, in module order."""
    return [resolve(ref) for m in installed() for ref in getattr(m, attr)]


def provided(point: str) -> list[Any]:
    """Every module's contributions to the extension point ``point``, resolved, in module order."""
    return [resolve(ref) for m in installed() for ref in m.provides.get(point, ())]


def call_all(attr: str, *args: Any, **kwargs: Any) -> None:
    """Call every module's ``attr`` hooks; one that fails is logged and the others still run."""
    for hook in refs(attr):
        try:
            hook(*args, **kwargs)
        except Exception:
            log.exception("hook %s of an hcm module failed", getattr(hook, "__qualname__", hook))


def load_models() -> None:
    for m in installed():
        for name in m.models:
            importlib.import_module(name)


def task_modules() -> tuple[str, ...]:
    return tuple(name for m in installed() for name in m.tasks)


def load_tasks() -> None:
    for name in task_modules():
        importlib.import_module(name)


def template_dirs() -> list[Path]:
    return [d for m in installed() for d in m.templates]


def nav_entries(role: str) -> list[NavEntry]:
    """The navigation of one role, in that role's order."""
    entries = [e for m in installed() for e in m.nav if role in e.roles]
    return sorted(entries, key=lambda e: e.roles[role])


def demo_steps() -> list[tuple[DemoStep, Callable[[DemoContext], Any]]]:
    steps = sorted((s for m in installed() for s in m.demo_steps), key=lambda s: (s.order, s.name))
    return [(s, resolve(s.run)) for s in steps]


def periodic() -> list[Periodic]:
    return [p for m in installed() for p in m.periodic]


def outbox_consumers(topic: str) -> list[str]:
    """The task names to send after a commit that wrote an outbox row of ``topic``."""
    return [c.task for m in installed() for c in m.outbox if not c.topics or topic in c.topics]
