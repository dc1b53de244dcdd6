"""The transactional outbox: every change the graph or the models must know about writes a row here
in the same transaction; a background task drains it into the graph with idempotent MERGEs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from hcm.db import Base, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))  # e.g. "employee", "position", "department"
    key: Mapped[str] = mapped_column(String(200))  # business key of the changed row
    op: Mapped[str] = mapped_column(String(16), default="upsert")  # upsert | delete
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def emit(session: Session, topic: str, key: str, payload: dict[str, Any] | None = None, op: str = "upsert") -> None:
    """Record a change for the projections; it commits or rolls back with the caller's transaction, and
    once committed the topic's registered consumers are sent to drain it (in-process in the embedded default, to a
    worker otherwise)."""
    from hcm.tasks import notify_outbox_consumers  # hcm.tasks builds the Celery app: not at import of the models

    session.add(OutboxEvent(topic=topic, key=key, op=op, payload=payload or {}))
    notify_outbox_consumers(session, (topic,))
