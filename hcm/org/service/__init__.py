"""Org & talent logic. Keyword-only functions; they ``flush()``, never ``commit()``.

Reads of people go through ``hcm.policy`` so a caller only ever gets the rows and fields it may see.
"""

from __future__ import annotations

from hcm.db import get_or_404
from hcm.org.service.aggregates import org_summary
from hcm.org.service.catalog import (
    create_grade,
    create_job_family,
    get_job_family,
    list_grades,
    list_job_families,
    related_families,
    update_grade,
    update_job_family,
)
from hcm.org.service.departments import (
    create_department,
    delete_department,
    department_nodes,
    department_parents,
    department_tree,
    list_departments,
    update_department,
)
from hcm.org.service.people import get_employee, hire, list_assignments, list_employees, move, update_employee
from hcm.org.service.positions import (
    create_position,
    delete_position,
    get_position,
    list_positions,
    position_parents,
    update_position,
)
from hcm.org.service.processes import create_process, get_process, list_processes, update_process
from hcm.org.service.skills import (
    assess_skill,
    create_skill,
    delete_skill,
    employee_skills,
    list_skills,
    remove_requirement,
    requirements,
    set_requirement,
    update_skill,
)
from hcm.paging import MAX_PAGE_SIZE, check_page, paginate

__all__ = [
    "MAX_PAGE_SIZE",
    "assess_skill",
    "check_page",
    "create_department",
    "create_grade",
    "create_job_family",
    "create_position",
    "create_process",
    "create_skill",
    "delete_department",
    "delete_position",
    "delete_skill",
    "department_nodes",
    "department_parents",
    "department_tree",
    "employee_skills",
    "get_employee",
    "get_job_family",
    "get_or_404",
    "get_position",
    "get_process",
    "hire",
    "list_assignments",
    "list_departments",
    "list_employees",
    "list_grades",
    "list_job_families",
    "list_positions",
    "list_processes",
    "list_skills",
    "move",
    "org_summary",
    "paginate",
    "position_parents",
    "related_families",
    "remove_requirement",
    "requirements",
    "set_requirement",
    "update_department",
    "update_employee",
    "update_grade",
    "update_job_family",
    "update_position",
    "update_process",
    "update_skill",
]
