"""Rescheduling after disruptions (job-shop and flexible job-shop).

``sk.reschedule(problem, old_solution, events, at=t, method=...)`` repairs a schedule being
executed when machines break down, jobs arrive, durations change, jobs are cancelled or
rushed. The parts, one module each:

* :mod:`~schedkit.rescheduling.events`: the events and their JSON form;
* :mod:`~schedkit.rescheduling.situation`: what is frozen at ``at``, the effective problem;
* :mod:`~schedkit.rescheduling.check`: the independent checker of a rescheduled schedule;
* :mod:`~schedkit.rescheduling.objective`: makespan (+ tardiness) + stability;
* methods: :mod:`~schedkit.rescheduling.rightshift`, :mod:`~schedkit.rescheduling.rules`,
  :mod:`~schedkit.rescheduling.cpsat` (``cpsat`` repair and ``resolve``);
* :mod:`~schedkit.rescheduling.api`: :func:`reschedule`, the method table, the re-check.
"""
