"""Rescheduling after disruptions (job-shop, flexible job-shop, RCPSP).

``sk.reschedule(problem, old_solution, events, at=t, method=...)`` repairs a schedule being
executed when machines break down, jobs arrive, durations change, jobs are cancelled or
rushed. The parts, one module each:

* :mod:`~schedkit.rescheduling.events`: the events and their JSON form;
* :mod:`~schedkit.rescheduling.situation`: what is frozen at ``at``, the effective problem;
* :mod:`~schedkit.rescheduling.check`: the independent checker of a rescheduled schedule;
* :mod:`~schedkit.rescheduling.objective`: makespan (+ tardiness) + stability;
* methods: :mod:`~schedkit.rescheduling.rightshift`, :mod:`~schedkit.rescheduling.rules`,
  :mod:`~schedkit.rescheduling.cpsat` (``cpsat`` repair and ``resolve``),
  :mod:`~schedkit.rescheduling.localsearch` (``ls``); :mod:`~schedkit.rescheduling.budget`:
  the one deadline their phases share;
* :mod:`~schedkit.rescheduling.api`: :func:`reschedule`, the method tables, the re-check.

RCPSP on the project class, through the same :func:`reschedule`:
:mod:`~schedkit.rescheduling.rcpsp_events` (breakdowns of resource capacity, duration changes,
cancellations), :mod:`~schedkit.rescheduling.rcpsp_situation` (the effective
:class:`~schedkit.problems.project.Project`), :mod:`~schedkit.rescheduling.rcpsp_check` (its
independent checker), :mod:`~schedkit.rescheduling.rcpsp_objective` and the
methods :mod:`~schedkit.rescheduling.rcpsp_methods` (``right-shift``) and
:mod:`~schedkit.rescheduling.rcpsp_cpsat` (``cpsat``, ``resolve``).

Online, through a stream of events revealed over time (``schedkit simulate``):

* :mod:`~schedkit.rescheduling.stream`: events with their reveal time, JSON, the seeded
  generator (breakdowns with exponential MTBF/MTTR per machine, arrivals, duration changes);
* :mod:`~schedkit.rescheduling.simulate`: a policy run through a stream, the executed schedule;
* :mod:`~schedkit.rescheduling.executed`: the independent check of the executed schedule;
* :mod:`~schedkit.rescheduling.hindsight`: the instance re-solved knowing every event.
"""
