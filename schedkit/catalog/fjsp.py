"""Flexible job-shop (FJSP): format, methods, generator."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "fjsp"

register_kind(
    KIND,
    "flexible job-shop (minimise makespan)",
    default_method="cpsat",
    default_format="fjs",
    generator="schedkit.generators.flexible:generate",
    generator_help=(
        "n, m: jobs and machines (default 10, 5); ops: operations per job or 'lo,hi' "
        "(default m); flexibility: expected eligible machines per operation, 1..m (default 2); "
        "low, high: duration range (default 1..20); seed (default 0)"
    ),
)

register_format(
    "fjs",
    KIND,
    reader="schedkit.formats.fjs:read",
    writer="schedkit.formats.fjs:write",
    sniffer="schedkit.formats.fjs:sniff",
    extensions=(".fjs",),
    summary="'jobs machines [avg]', per job: ops, per op k and k 'machine duration' pairs (machines from 1)",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.flexible:solve",
    "CP-SAT: optional interval per eligible machine sharing the operation's start; proves "
    "optimality, accepts a hint",
    family="cp",
    exact=True,
)
for _name in ("mip", "mip-cbc"):
    register_method(
        KIND,
        _name,
        "schedkit.solvers.mip.flexible:solve",
        "MIP (PuLP): assignment and pairwise sequencing variables, big-M; "
        + ("HiGHS" if _name == "mip" else "CBC"),
        family="mip",
        exact=True,
        precheck="schedkit.solvers.mip.flexible:precheck",
    )

OP_RULES = {
    "spt": "shortest processing time",
    "mwkr": "most work remaining",
    "mopnr": "most operations remaining",
    "fifo": "first ready job first",
    "random": "random (seeded)",
}
MACHINE_RULES = {
    "ect": "earliest completion",
    "spt": "shortest processing time",
    "ll": "least loaded machine",
}
for _op, _op_text in OP_RULES.items():
    for _mach, _mach_text in MACHINE_RULES.items():
        register_method(
            KIND,
            f"rule:{_op}+{_mach}",
            "schedkit.solvers.rules.flexible:solve",
            f"dispatching: operation by {_op_text}, machine by {_mach_text}",
            family="rule",
        )

register_method(
    KIND,
    "ts",
    "schedkit.solvers.search.flexible:solve",
    "local search: compiled tabu search reinserting critical operations on any eligible machine "
    "(assignment and sequence together); seeded by the best rule",
    family="ls",
    options={"rounds": "without a time limit: 100 x rounds iterations per search (default 200)"},
    warm_up=("schedkit.solvers.search.flexible_kernel",),
)
register_method(
    KIND,
    "auto",
    "schedkit.solvers.hybrid.flexible:solve",
    "hybrid: short CP-SAT (bound, small instances proven), local search, CP-SAT hinted with the "
    "incumbent; never worse than the best rule",
    family="hybrid",
    exact=True,
    options={
        "cp_first": "fraction of the time limit for the first CP-SAT phase",
        "cp_last": "fraction of the time limit for the last CP-SAT phase",
    },
    warm_up=("schedkit.solvers.search.flexible_kernel",),
)
