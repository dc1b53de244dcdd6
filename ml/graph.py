"""Flight-risk scores in the talent graph: the outbox events a scoring run sends, and the same properties read
from the tables (``hcm graph rebuild`` writes them, ``hcm graph check`` compares them; docs/graph.md).

Each Employee node carries its latest score: ``flight_risk`` (the probability), ``flight_risk_band``,
``flight_risk_model`` (the version's label) and ``flight_risk_as_of``. The drain keeps the score with the latest
as-of date; between two runs on the same date (a retrained version), the one sent last, which is the one written
last. So the rows here are, per person, the flight-risk score with the highest (as-of date, id).

Who sees it: no graph query returns these properties (the queries name what they return), so the graph answers
an employee can reach carry no risk score; the risk pages read the scores from the tables (``ml.policy``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graph.snapshot import PropertySet, Row, Sources, stream
from hcm import outbox
from hcm.org.models import Employee
from ml.models import ModelVersion, Score

TOPIC = "flight_risk"
KIND = "flight-risk"
CHUNK = 2000  # people per outbox row: a company-wide run is a few rows, not one per person
PROPS = ("flight_risk", "flight_risk_band", "flight_risk_model", "flight_risk_as_of")


def item(external_id: str, probability: float, band: str) -> dict[str, Any]:
    """One person's entry of a ``flight_risk`` event (what ``_latest`` reproduces)."""
    return {"employee": external_id, "risk": float(probability), "band": band}


def emit_scores(db: Session, *, version: ModelVersion, as_of: date,
                scores: Sequence[tuple[int, float, str]]) -> int:
    """Send a scoring run's scores ``(employee id, probability, band)`` to the graph: rows of up to ``CHUNK``
    people keyed ``<version>@<as-of>#<chunk>``, each naming the version and the date. The rows written."""
    head = {"model": version.label, "as_of": as_of.isoformat()}
    chunks = 0
    for i in range(0, len(scores), CHUNK):
        part = scores[i:i + CHUNK]
        keys: dict[int, str] = {emp: key for emp, key in db.execute(
            select(Employee.id, Employee.external_id).where(Employee.id.in_([emp for emp, _, _ in part])))}
        items = [item(keys[emp], p, band) for emp, p, band in part]
        outbox.emit(db, TOPIC, f"{version.label}@{head['as_of']}#{i // CHUNK}", {**head, "scores": items})
        chunks += 1
    return chunks


def _latest() -> Any:
    ranked = (select(Score.employee_id, Score.probability, Score.band, Score.as_of, ModelVersion.label,
                     func.row_number().over(partition_by=Score.employee_id,
                                            order_by=(Score.as_of.desc(), Score.id.desc())).label("n"))
              .join(ModelVersion, ModelVersion.id == Score.version_id)
              .where(ModelVersion.kind == KIND, Score.position_id.is_(None)).subquery("ranked"))
    return (select(Employee.external_id, ranked.c.probability, ranked.c.band, ranked.c.label, ranked.c.as_of)
            .join(ranked, ranked.c.employee_id == Employee.id).where(ranked.c.n == 1).order_by(Employee.id))


def _rows(s: Session) -> Iterator[Row]:
    for ext, probability, band, label, as_of in stream(s, _latest()):
        it = item(ext, probability, band)
        yield {"key": ext, "props": {"flight_risk": it["risk"], "flight_risk_band": it["band"],
                                     "flight_risk_model": label, "flight_risk_as_of": as_of.isoformat()}}


def _count(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(_latest().subquery())) or 0)


SOURCES = Sources(properties=(
    PropertySet("Employee", PROPS, _rows, _count,
                "UNWIND $rows AS r MATCH (n:Employee {key: r.key}) SET n += r.props"),
))
