"""Flexible job-shop (FJSP): format, methods, generator."""

from schedkit.problems.shop_extras import OBJECTIVES, RELEASES, SETUPS
from schedkit.registry import register_format, register_kind, register_method

KIND = "fjsp"
#: what cpsat, mip and the rules take beyond the plain FJSP (the other methods refuse it)
_EXTRAS = {"objectives": OBJECTIVES, "features": (SETUPS, RELEASES)}

register_kind(
    KIND,
    "flexible job-shop (minimise makespan)",
    default_method="cpsat",
    default_format="fjs",
    generator="schedkit.generators.flexible:generate",
    generator_help=(
        "n, m: jobs and machines (default 10, 5); ops: operations per job or 'lo,hi' "
        "(default m); flexibility: expected eligible machines per operation, 1..m (default 2); "
        "low, high: duration range (default 1..20); seed (default 0); extras (write them with "
        "--format fjsp-json), as for jssp: due_tightness F (due date = release + floor(F x job's "
        "shortest work)), weights true, setups true (setup_max, default 20; triangle true|false), "
        "releases true; base FILE: add the extras to that instance"
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
register_format(
    "fjsp-json",
    KIND,
    reader="schedkit.formats.fjsp_json:read",
    writer="schedkit.formats.fjsp_json:write",
    sniffer="schedkit.formats.fjsp_json:sniff",
    extensions=(".json",),
    summary="JSON with release/due dates, weights, setups and re-entrant routes (README: FJSP JSON)",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.flexible:solve",
    "CP-SAT: optional interval per eligible machine sharing the operation's start (a circuit per "
    "machine with optional nodes for setups); proves optimality, accepts a hint",
    family="cp",
    exact=True,
    **_EXTRAS,
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
        **_EXTRAS,
    )

OP_RULES = {
    "spt": "shortest processing time",
    "mwkr": "most work remaining",
    "mopnr": "most operations remaining",
    "fifo": "first ready job first",
    "random": "random (seeded)",
    "ssp": "shortest setup + processing",
    "edd": "earliest due date",
    "slack": "least slack (due date - work remaining)",
    "sopn": "least slack per remaining operation",
    "cr": "critical ratio (due date - time) / work remaining",
    "atc": "apparent tardiness cost (k = 2)",
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
            **_EXTRAS,
        )

register_method(
    KIND,
    "ts",
    "schedkit.solvers.search.flexible:solve",
    "local search: compiled tabu search reinserting critical operations on any eligible machine "
    "(assignment and sequence together); seeded by the best rule; with setups, releases or "
    "another objective: rounds of the job shop's tabu search on the machine assignment and "
    "single-operation machine moves",
    family="ls",
    options={"rounds": "without a time limit: 100 x rounds iterations per search (default 200)"},
    warm_up=("schedkit.solvers.search.flexible_kernel", "schedkit.solvers.search.jobshop_extras:warm_up"),
    **_EXTRAS,
)
register_method(
    KIND,
    "auto",
    "schedkit.solvers.hybrid.flexible:solve",
    "hybrid: short CP-SAT (bound, small instances proven), local search, CP-SAT hinted with the "
    "incumbent; never worse than the best rule; with setups, releases or another objective "
    "CP-SAT 10 %, the search of ts on the extras, CP-SAT 10 %",
    family="hybrid",
    exact=True,
    options={
        "cp_first": "fraction of the time limit for the first CP-SAT phase",
        "cp_last": "fraction of the time limit for the last CP-SAT phase",
    },
    warm_up=("schedkit.solvers.search.flexible_kernel", "schedkit.solvers.search.jobshop_extras:warm_up"),
    **_EXTRAS,
)
