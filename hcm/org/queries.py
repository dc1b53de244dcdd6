"""Queries over the org structure that modules build on (each returns a select to nest, not rows)."""

from __future__ import annotations

from sqlalchemy import Select, select

from hcm.org.models import Department


def department_subtree_ids(root_id: int) -> Select[tuple[int]]:
    """The department ``root_id`` and every department below it, at any depth (one recursive query)."""
    tree = select(Department.id).where(Department.id == root_id).cte("dept_tree", recursive=True)
    tree = tree.union_all(select(Department.id).where(Department.parent_id == tree.c.id))
    return select(tree.c.id)
