"""``hcm graph ...`` and what ``hcm serve`` / ``hcm demo`` need of the graph: the bundled Bolt server started
around the app when the embedded graph is configured, and (in the demo) the outbox drained before serving."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import click

from hcm.console import console
from hcm.settings import Settings, get_settings


@click.group("graph")
def graph_group() -> None:
    """The talent graph (a projection of the database)."""


@graph_group.command("sync")
def sync_cmd() -> None:
    """Drain the outbox into the graph now."""
    settings = get_settings()
    with embedded_server(settings, console):
        n = drain(settings)
        console.print(f"[green]graph in sync[/green]: {n} events applied")


def drain(settings: Settings) -> int:
    from graph.tasks import drain_all

    with console.status("projecting the org into the talent graph ...") as status:
        total, down = drain_all(batch=5000, on_batch=lambda n: status.update(
            f"projecting the org into the talent graph ... {n} events"))
    if down:
        raise click.ClickException(f"the graph at {settings.graph.uri} is not reachable; the outbox keeps the events")
    return total


@contextmanager
def embedded_server(settings: Settings, out: Any) -> Iterator[Any]:
    """The bundled Bolt server for the duration of the block when the settings ask for the embedded graph
    (the default); nothing otherwise. Yields the server or None."""
    if not settings.graph.enabled or not settings.graph.embedded:
        yield None
        return
    from graph.server import GraphServer

    if not GraphServer.available():
        out.print("[yellow]graph server package not available; pages that need the graph will wait[/yellow]")
        yield None
        return
    data_dir = Path(settings.graph.data_dir).resolve()
    server = GraphServer(data_dir=data_dir, bolt_port=urlparse(settings.graph.uri).port or 7687,
                         password=settings.graph.password, database=settings.graph.database)
    with out.status("starting the graph server ..."):
        server.start()
    out.print(f"[green]graph server[/green] on {settings.graph.uri} (data in {data_dir})")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def serve_hook(settings: Settings, out: Any) -> Iterator[None]:
    """Around ``hcm serve`` and ``hcm demo``: the embedded server, and in demo mode the talent graph brought up
    to date before the first page (the app runs without it; the outbox waits)."""
    with embedded_server(settings, out) as server:
        if settings.demo and settings.graph.enabled and (server is not None or not settings.graph.embedded):
            try:
                n = drain(settings)
                out.print(f"[green]talent graph up to date[/green] ({n} events applied)")
            except Exception as exc:  # noqa: BLE001 - the app runs without the graph; the outbox waits
                out.print(f"[yellow]graph not reachable ({exc}); the outbox will catch up later[/yellow]")
        yield
