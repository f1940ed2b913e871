"""Charts of schedules and benchmark results (matplotlib, imported on first use).

* :func:`gantt`: a schedule's Gantt chart (every problem class; VMR: its migration plan),
  returned as a matplotlib Figure, drawn into given axes and/or written to a file.
* :func:`resource_profile`: an RCPSP schedule's resource usage against capacity.

A schedule as a table: ``problem.to_frame(solution)`` or ``result.to_frame(problem)``.
"""

from schedkit.plot.gantt import gantt
from schedkit.plot.migrations import migration_chart
from schedkit.plot.profile import resource_profile, usage_profile

__all__ = ["gantt", "migration_chart", "resource_profile", "usage_profile"]
