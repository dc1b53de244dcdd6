from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hcm.db import Base, enum_type, utcnow
from hcm.org.models import Employee


class Role(enum.StrEnum):
    HR_ADMIN = "hr_admin"
    EXECUTIVE = "executive"
    MANAGER = "manager"
    EMPLOYEE = "employee"


USERNAME_LENGTH = 150


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), unique=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bearer tokens carry the version they were issued under; a password change or a deactivation moves it on,
    # so every token issued before stops working at once (hcm.auth.service.revoke_all).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    employee: Mapped[Employee | None] = relationship(lazy="raise")


class UserSession(Base):
    """A browser session (hcm.auth.sessions). The cookie carries a random id; the row keeps only its SHA-256,
    so a copy of this table opens no session. Log-out deletes the row; a password change or a deactivation
    deletes all the user's rows; the idle and absolute timeouts are checked against the two times."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
