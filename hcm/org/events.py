"""The outbox events of the org model: topic, business key and payload, built in one place for the API
services, the file import and the demo seed (the graph projection reads exactly these shapes)."""

from __future__ import annotations

from typing import Any

Event = tuple[str, str, dict[str, Any]]


def department(code: str, *, name: str, parent: str | None) -> Event:
    return "department", code, {"name": name, "parent": parent}


def position(code: str, *, title: str, department: str | None, reports_to: str | None, is_key: bool) -> Event:
    return "position", code, {"title": title, "department": department, "reports_to": reports_to,
                               "is_key": bool(is_key)}


def employee(external_id: str, *, name: str, status: str, position: str | None) -> Event:
    return "employee", external_id, {"name": name, "status": status, "position": position}


def skill(code: str, *, name: str, category: str | None) -> Event:
    return "skill", code, {"name": name, "category": category}


def employee_skill(employee: str, skill: str, *, level: int, source: str) -> Event:
    return "employee_skill", f"{employee}|{skill}", {"employee": employee, "skill": skill, "level": int(level),
                                                     "source": source}


def requirement(position: str, skill: str, *, level: int, importance: str) -> Event:
    return "requirement", f"{position}|{skill}", {"position": position, "skill": skill, "level": int(level),
                                                  "importance": importance}
