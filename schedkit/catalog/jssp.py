"""Job-shop (JSSP): formats, methods, generator."""

from schedkit.problems.shop_extras import OBJECTIVES, RELEASES, SETUPS
from schedkit.registry import register_format, register_kind, register_method

KIND = "jssp"
#: what every job-shop method takes beyond the plain job shop
_EXTRAS = {"objectives": OBJECTIVES, "features": (SETUPS, RELEASES)}

register_kind(
    KIND,
    "job-shop (minimise makespan)",
    default_method="auto",
    default_format="jssp",
    warm_up=("schedkit.solvers.rules.jobshop:warm_up",),  # every method starts from a rule
    generator="schedkit.generators.jobshop:generate",
    generator_help=(
        "n, m: jobs and machines (default 15 15); seed: Taillard time seed, 1..2^31-2 (default 1; "
        "machine seed = seed + 1 unless machine_seed is given); low, high: duration range "
        "(default 1..99); taillard: 'ta01'..'ta80' reproduces Taillard's instance with his "
        "published seeds; name: instance name; extras (write them with --format jssp-json): "
        "due_tightness F (due date = release + floor(F x job work)), weights true (4/2/1 for "
        "20/60/20 % of the jobs, drawn from seed; 'literature': by job index, as published), "
        "setups true (setup_max, default 20; triangle true|false, default true), "
        "releases true"
    ),
)

register_format(
    "jssp",
    KIND,
    reader="schedkit.formats.jssp:read_plain",
    writer="schedkit.formats.jssp:write_plain",
    sniffer="schedkit.formats.jssp:sniff_plain",
    extensions=(".txt", ".jss", ".jsp"),
    summary="plain 'n m' then per job 'machine duration' pairs, machines from 0 (JSPLIB/OR-Library)",
)
register_format(
    "taillard",
    KIND,
    reader="schedkit.formats.jssp:read_taillard",
    writer="schedkit.formats.jssp:write_taillard",
    sniffer="schedkit.formats.jssp:sniff_taillard",
    extensions=(".txt",),
    summary="Taillard's 'Times' / 'Machines' matrices, machines from 1",
)

register_format(
    "jssp-json",
    KIND,
    reader="schedkit.formats.jssp_json:read_json",
    writer="schedkit.formats.jssp_json:write_json",
    sniffer="schedkit.formats.jssp_json:sniff_json",
    extensions=(".json",),
    summary="JSON with release/due dates, weights, setups and re-entrant routes (README: job-shop JSON)",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.jobshop:solve",
    "CP-SAT interval model (no-overlap per machine, a circuit per machine for setups); proves "
    "optimality, accepts a hint",
    family="cp",
    exact=True,
    options={
        "machine_bounds": "sum and due-date objectives: add the best one-machine relaxation bound "
        "(10 % of the limit at most; default true)",
        "linearization": "CP-SAT's linearization_level (default CP-SAT's own, 1)",
    },
    **_EXTRAS,
)

_RULES = {
    "spt": "shortest processing time",
    "lpt": "longest processing time",
    "mwkr": "most work remaining",
    "lwkr": "least work remaining",
    "mopnr": "most operations remaining",
    "fifo": "first in, first out",
    "random": "random choice, seeded by --seed",
    "ssp": "shortest setup + processing time",
    "edd": "earliest due date",
    "slack": "least slack (due date - work remaining)",
    "sopn": "least slack per remaining operation",
    "cr": "critical ratio (due date - time) / work remaining",
    "atc": "apparent tardiness cost (k = 2)",
}
_SCHEMES = {
    "": "non-delay scheme (the better one on Taillard)",
    "/active": "active (Giffler-Thompson) schedule generation",
    "/nondelay": "non-delay schedule generation",
}
for _rule, _what in _RULES.items():
    for _scheme, _label in _SCHEMES.items():
        register_method(
            KIND,
            f"rule:{_rule}{_scheme}",
            "schedkit.solvers.rules.jobshop:solve",
            f"dispatching rule: {_what}, {_label}",
            family="rule",
            **_EXTRAS,
        )

for _name, _backend in (("mip", "HiGHS"), ("mip-cbc", "CBC")):
    register_method(
        KIND,
        _name,
        "schedkit.solvers.mip.jobshop:solve",
        f"disjunctive MIP (big-M per machine pair) on {_backend} via PuLP; proves optimality, accepts a hint",
        family="mip",
        exact=True,
        precheck="schedkit.solvers.mip.jobshop:precheck",
        **_EXTRAS,
    )

#: the plain kernel, and the one for setups, releases and the due-date objectives
_TS_WARM_UP = ("schedkit.solvers.search.jobshop_kernel", "schedkit.solvers.search.jobshop_extras:warm_up")
register_method(
    KIND,
    "ts",
    "schedkit.solvers.search.jobshop:solve",
    "tabu search on the disjunctive graph (critical-block insertions, estimated moves), seeded by the best "
    "rule",
    family="ls",
    options={
        "iterations": "moves without a time limit (default 200000)",
        "stall": "moves without improvement before a restart from the best (default 2500)",
        "tenure_lo": "smallest tabu tenure (default 10 + n/m)",
        "tenure_hi": "largest tabu tenure (default 1.4 x tenure_lo)",
    },
    warm_up=_TS_WARM_UP,
    **_EXTRAS,
)
register_method(
    KIND,
    "auto",
    "schedkit.solvers.hybrid.jobshop:solve",
    "hybrid: short CP-SAT (bound, small instances proven), tabu search, CP-SAT warm-started with the "
    "incumbent; never worse than the best rule",
    family="hybrid",
    exact=True,
    options={
        "cp_first": "fraction of the time limit for the first CP-SAT phase",
        "cp_last": "fraction of the time limit for the last CP-SAT phase",
        "stall": "tabu search: moves without improvement before a restart (default 2500)",
    },
    warm_up=_TS_WARM_UP,
    **_EXTRAS,
)
