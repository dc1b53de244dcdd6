"""The org & talent data model: departments, processes, job families, grades, positions, employees,
assignment history, skills."""
