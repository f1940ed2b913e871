"""Charts of schedules and benchmark results (matplotlib, imported on first use).

* :func:`gantt`: a schedule's Gantt chart (every problem class).
* :func:`resource_profile`: an RCPSP schedule's resource usage against capacity.
"""

from schedkit.plot.gantt import gantt
from schedkit.plot.profile import resource_profile, usage_profile

__all__ = ["gantt", "resource_profile", "usage_profile"]
