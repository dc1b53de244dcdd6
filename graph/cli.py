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


@graph_group.command("rebuild")
@click.option("--batch", default=10_000, show_default=True, help="rows per UNWIND statement")
def rebuild_cmd(batch: int) -> None:
    """Throw the graph away and project it afresh from the database (not a replay of the outbox)."""
    from graph import client
    from graph.rebuild import rebuild
    from hcm.console import progress_bar

    settings = get_settings()
    with embedded_server(settings, console) as server, _graph_errors(settings), progress_bar() as progress:
        admin = server.admin() if server is not None else None
        report = rebuild(client.get_driver(settings), settings.graph.database, batch=batch, progress=progress,
                         admin=admin)
    console.print(f"[green]graph rebuilt[/green]: {report.total:,} rows in {report.seconds:.1f} s "
                  f"({report.rows_per_second:,.0f} rows/s); outbox marked up to event {report.outbox_mark} "
                  f"({report.outbox_marked:,} events)")


@graph_group.command("check")
@click.option("--examples", default=10, show_default=True, help="differences shown per label or type")
def check_cmd(examples: int) -> None:
    """Compare the graph with the database: counts, checksums and differences per label and type.
    Exits 1 when they differ."""
    from graph import client
    from graph.check import check
    from hcm.db import unit_of_work

    settings = get_settings()
    with (embedded_server(settings, console), _graph_errors(settings), unit_of_work(writes=False) as session,
          console.status("comparing the graph with the database ...")):
        report = check(session, client.get_driver(settings), settings.graph.database, examples=examples)
    for s in report.sets:
        mark = "[green]ok[/green]" if s.clean else "[red]differs[/red]"
        click.echo(f"{s.name:<14} database {s.expected:>9,}  graph {s.actual:>9,}  "
                   f"checksum {s.expected_checksum} / {s.actual_checksum}  ", nl=False)
        console.print(mark, highlight=False)
    if report.clean:
        console.print("[green]the graph equals the database[/green]")
        return
    for line in report.lines():
        click.echo(line)
    raise SystemExit(1)


@contextmanager
def _graph_errors(settings: Settings) -> Iterator[None]:
    from graph.client import GRAPH_ERRORS

    try:
        yield
    except GRAPH_ERRORS as exc:
        raise click.ClickException(f"the graph at {settings.graph.uri} is not reachable: {exc}") from exc


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
