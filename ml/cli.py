"""``hcm ml``: evaluate or train a flight-risk / readiness model on your own CSV history.

``evaluate`` prints one JSON object on stdout (progress goes to stderr); every bad input is a message on stderr and
exit code 2, never a traceback."""

from __future__ import annotations

import json
from typing import Any

import click

from ml.errors import DataError
from ml.evaluate import KINDS, N_REPEATS, evaluate_csv, save_model, train_csv


class BadInput(click.ClickException):
    exit_code = 2


def _options(f: Any) -> Any:
    for opt in reversed([
        click.argument("kind", type=click.Choice(KINDS)),
        click.option("--csv", "csv_path", required=True, help="the history, one row per person"),
        click.option("--target", required=True, help="the label column"),
        click.option("--positive", required=True, help="the label value that counts as positive"),
        click.option("--id-column", default=None, help="a column identifying the person (never a feature)"),
        click.option("--exclude", multiple=True, help="a column to leave out (repeatable)"),
        click.option("--protected", multiple=True, help="a column to audit by and never use (repeatable)"),
        click.option("--repeats", default=N_REPEATS, hidden=True, type=click.IntRange(1, 20)),
    ]):
        f = opt(f)
    return f


def _progress(msg: str) -> None:
    click.echo(msg, err=True)


@click.group("ml")
def ml_group() -> None:
    """Flight-risk and readiness models on your own history (CSV)."""


@ml_group.command("evaluate")
@_options
def evaluate_cmd(kind: str, csv_path: str, target: str, positive: str, id_column: str | None,
                 exclude: tuple[str, ...], protected: tuple[str, ...], repeats: int) -> None:
    """Nested, repeated 5-fold validation of the candidate models; one JSON object on stdout."""
    try:
        result = evaluate_csv(csv_path, target, positive, id_column, exclude, protected, kind, repeats, _progress)
    except DataError as e:
        raise BadInput(str(e)) from e
    click.echo(json.dumps(result, indent=2))


@ml_group.command("train")
@_options
@click.option("--out", required=True, type=click.Path(file_okay=False), help="directory for model.skops and card.json")
def train_cmd(kind: str, csv_path: str, target: str, positive: str, id_column: str | None,
              exclude: tuple[str, ...], protected: tuple[str, ...], repeats: int, out: str) -> None:
    """Validate, then fit the final calibrated model on all rows and write it (skops) with its card."""
    try:
        model, meta = train_csv(csv_path, target, positive, id_column, exclude, protected, kind, repeats, _progress)
    except DataError as e:
        raise BadInput(str(e)) from e
    d = save_model(model, meta, out)
    figures = {k: meta["cv"][k] for k in ("roc_auc", "pr_auc", "brier")}
    click.echo(json.dumps({"out": str(d), "candidate": meta["candidate"], "metrics": figures}, indent=2))
