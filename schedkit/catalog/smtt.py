"""Single-machine total (weighted) tardiness: formats, methods, generator."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "smtt"

register_kind(
    KIND,
    "single-machine total (weighted) tardiness",
    default_method="ls",
    default_format="smtt",
    generator="schedkit.generators.tardiness:generate",
    generator_help=(
        "n: jobs; tf, rdd: tardiness factor and due-date range (Potts & Van Wassenhove); "
        "weighted: draw weights 1..10 (default false); seed"
    ),
)

register_format(
    "smtt",
    KIND,
    reader="schedkit.formats.tardiness:read_text",
    writer="schedkit.formats.tardiness:write_text",
    sniffer="schedkit.formats.tardiness:sniff_text",
    extensions=(".smtt",),
    summary="'smtt <n> [weighted]' then one 'p d [w]' line per job (schedkit's own format)",
)
register_format(
    "orlib-wt",
    KIND,
    reader="schedkit.formats.tardiness:read_orlib",
    writer="schedkit.formats.tardiness:write_orlib",
    sniffer="schedkit.formats.tardiness:sniff_orlib",
    extensions=(".txt",),
    summary="OR-Library wt40/wt50/wt100: p, w, d blocks back to back; FILE#K picks instance K, n= option",
)
register_format(
    "smtt-json",
    KIND,
    reader="schedkit.formats.tardiness:read_json",
    writer="schedkit.formats.tardiness:write_json",
    sniffer="schedkit.formats.tardiness:sniff_json",
    extensions=(".json",),
    summary='JSON object {"problem": "smtt", "p": [...], "d": [...], "w": [...]} (w optional)',
)

#: the insertion descent that starts ls, mip, cpsat and exact (compiled)
_DESCENT = "schedkit.solvers.search.tardiness:warm_up"

_RULES = {
    "edd": "earliest due date",
    "spt": "shortest processing time",
    "wspt": "weighted shortest processing time (p/w)",
    "mdd": "modified due date (weighted: WMDD)",
    "atc": "apparent tardiness cost",
    "wi": "Wilkerson-Irwin pivot procedure",
}
for _name, _summary in _RULES.items():
    register_method(
        KIND,
        f"rule:{_name}",
        "schedkit.solvers.rules.tardiness:solve",
        f"priority rule: {_summary}",
        family="rule",
        options={"k": "look-ahead parameter (default 2)"} if _name == "atc" else None,
    )

register_method(
    KIND,
    "ls",
    "schedkit.solvers.search.tardiness:solve",
    "iterated local search (insertion moves, incremental evaluation) from the best rule",
    family="ls",
    options={"perturb": "jobs moved per kick (default 4)"},
    warm_up=(_DESCENT,),
)
_MIP_OPTIONS = {"formulation": "positional (default), lop (linear ordering) or time (time-indexed)"}
for _name, _backend in (("mip", "HiGHS"), ("mip-cbc", "CBC")):
    register_method(
        KIND,
        _name,
        "schedkit.solvers.mip.tardiness:solve",
        f"MIP via PuLP/{_backend}: positional assignment, linear ordering or time-indexed model",
        family="mip",
        exact=True,
        options=_MIP_OPTIONS,
        warm_up=(_DESCENT,),
        precheck="schedkit.solvers.mip.tardiness:precheck",
    )
register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.tardiness:solve",
    "CP-SAT interval model (no-overlap, tardiness variables); accepts a hint",
    family="cp",
    exact=True,
    warm_up=(_DESCENT,),
)
register_method(
    KIND,
    "exact",
    "schedkit.solvers.exact.tardiness:solve",
    "1||ΣT exact: Lawler decomposition + Emmons/Szwarc dominance, memoised branch and bound",
    family="exact",
    exact=True,
    warm_up=(_DESCENT, "schedkit.solvers.exact.tardiness_search:warm_up"),
)
