"""RCPSP: formats, methods (hybrid `auto`, CP-SAT, time-indexed MIP, GA, SGS rules), generator."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "rcpsp"

register_kind(
    KIND,
    "resource-constrained project scheduling (minimise makespan)",
    default_method="auto",
    default_format="psplib-sm",
    warm_up=("schedkit.solvers.rules.rcpsp:warm_up",),  # every method starts from an SGS schedule
    generator="schedkit.generators.rcpsp:generate",
    generator_help=(
        "n: non-dummy activities (default 30); resources (default 4); nc: network complexity, "
        "arcs per activity (default 1.5); rf: resource factor, share of resources an activity uses "
        "(default 0.5); rs: resource strength in [0, 1] (default 0.5); dmax: longest duration "
        "(default 10); rmax: largest demand (default 10); seed (default 0)"
    ),
)

register_format(
    "psplib-sm",
    KIND,
    reader="schedkit.formats.psplib:read_sm",
    writer="schedkit.formats.psplib:write_sm",
    sniffer="schedkit.formats.psplib:sniff_sm",
    extensions=(".sm",),
    summary="PSPLIB single-mode .sm (dummy source and sink kept as activities 1 and n)",
)
register_format(
    "patterson",
    KIND,
    reader="schedkit.formats.psplib:read_rcp",
    writer="schedkit.formats.psplib:write_rcp",
    sniffer="schedkit.formats.psplib:sniff_rcp",
    extensions=(".rcp",),
    summary="Patterson .rcp: 'n K', capacities, per activity 'duration demands #succ successors'",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.rcpsp:solve",
    "CP-SAT intervals + cumulative, horizon and hint from SGS+FBI, energy/critical-path bounds",
    family="cp",
    exact=True,
    options={
        "cliques": "no-overlap on greedy cliques of pairwise-disjunctive activities (default true)",
        "energy": "precedence-energy bounds on start windows and the makespan (default true)",
    },
)
_MIP_OPTIONS = {
    "precedence": "'disaggregated' (default, stronger LP) or 'aggregated' (fewer rows)",
    "cliques": "'at most one running' rows for cliques of disjunctive activities (default true)",
    "energy": "precedence-energy time windows and makespan rows (default true)",
}
register_method(
    KIND,
    "mip",
    "schedkit.solvers.mip.rcpsp:solve",
    "time-indexed MIP (start binaries over a heuristic horizon), HiGHS; for j30-size instances",
    family="mip",
    exact=True,
    options=_MIP_OPTIONS,
    precheck="schedkit.solvers.mip.rcpsp:precheck",
)
register_method(
    KIND,
    "mip-cbc",
    "schedkit.solvers.mip.rcpsp:solve",
    "time-indexed MIP as 'mip', solved with CBC",
    family="mip",
    exact=True,
    options=_MIP_OPTIONS,
    precheck="schedkit.solvers.mip.rcpsp:precheck",
)

_RULES = {
    "lft": "latest finish time",
    "lst": "latest start time",
    "mts": "most total successors",
    "grpw": "greatest rank positional weight",
    "mslk": "minimum slack",
    "random": "random priorities (seeded)",
}
for _rule, _text in _RULES.items():
    for _scheme in ("serial", "parallel"):
        for _fbi in (False, True):
            _name = (
                f"rule:{_rule}" + ("/parallel" if _scheme == "parallel" else "") + ("+fbi" if _fbi else "")
            )
            _extra = ", forward-backward improvement" if _fbi else ""
            register_method(
                KIND,
                _name,
                "schedkit.solvers.rules.rcpsp:solve",
                f"{_scheme} SGS, {_text}{_extra}",
                family="rule",
            )

register_method(
    KIND,
    "ga",
    "schedkit.solvers.search.rcpsp:solve",
    "activity-list genetic algorithm, serial SGS + forward-backward improvement, seeded by the rules",
    family="ls",
    options={
        "population": "activity lists kept per generation (default 100)",
        "generations": "generations without a time limit (default 200); with one, an extra stop",
        "mutation": "shift-mutation probability per position of a child (default 0.02)",
        "restart": "generations without improvement before a restart from a new population (default 100)",
    },
    warm_up=("schedkit.solvers.search.rcpsp_kernel:warm_up",),
)
register_method(
    KIND,
    "auto",
    "schedkit.solvers.hybrid.rcpsp:solve",
    "hybrid: activity-list GA and CP-SAT warm-started from each other; never worse than the best "
    "rule+fbi, returns CP-SAT's bound",
    family="hybrid",
    exact=True,
    options={
        "cp_probe": "fraction of the time limit for the CP-SAT probe from the best rule (default 0.05)",
        "ga_first": "fraction of the time limit for the first GA phase (default 0.1)",
        "cp_first": "fraction of the time limit for the first CP-SAT phase (0.2; 0.85 up to 62 activities)",
        "cp_last": "fraction of the time limit for the last CP-SAT phase (0.15; 0 up to 62 activities)",
        "population": "GA: activity lists kept per generation (default 100)",
        "mutation": "GA: shift-mutation probability per position (default 0.02)",
        "restart": "GA: generations without improvement before a restart (default 100)",
    },
    warm_up=("schedkit.solvers.search.rcpsp_kernel:warm_up",),
)
