"""Projects with time lags, modes and calendars: formats (ProGen/max .sch, PSPLIB .mm, JSON),
methods (CP-SAT)."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "project"

register_kind(
    KIND,
    "project scheduling with time lags (RCPSP/max), modes, calendars, release dates and deadlines "
    "(minimise makespan)",
    default_method="cpsat",
    default_format="project-json",
    generator="schedkit.generators.project:generate",
    generator_help=(
        "n: non-dummy activities (default 10); resources (2); modes per activity (1); nonrenewable "
        "resources (0); max_lags (0); periods: unavailability periods (0); releases (0); deadlines (0); "
        "slack: room of lags and deadlines as a share of dmax (0.5); nc, rf, rs, dmax, rmax as for "
        "rcpsp; seed (0). Raising one count adds constraints to the same instance. base: a project "
        "or RCPSP file (e.g. a j30 .sm) to add the constraints to instead (dmax then scales the room; "
        "default its longest duration)"
    ),
)

register_format(
    "progen-sch",
    KIND,
    reader="schedkit.formats.progen:read_sch",
    writer="schedkit.formats.progen:write_sch",
    sniffer="schedkit.formats.progen:sniff_sch",
    extensions=(".sch",),
    summary="ProGen/max .sch (RCPSP/max, single mode): bracketed start-to-start lags, activities from 0",
)
register_format(
    "psplib-mm",
    KIND,
    reader="schedkit.formats.psplib_mm:read_mm",
    writer="schedkit.formats.psplib_mm:write_mm",
    sniffer="schedkit.formats.psplib_mm:sniff_mm",
    extensions=(".mm",),
    summary="PSPLIB multi-mode .mm: renewable and non-renewable resources, finish-to-start precedences",
)
register_format(
    "project-json",
    KIND,
    reader="schedkit.formats.project_json:read_json",
    writer="schedkit.formats.project_json:write_json",
    sniffer="schedkit.formats.project_json:sniff_json",
    extensions=(".json",),
    summary="schedkit project JSON: modes, min/max lags, unavailability periods, release dates, deadlines",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.project:solve",
    "CP-SAT: optional interval per mode, cumulative with unavailability as fixed intervals, lags as "
    "rows; INFEASIBLE when none exists",
    family="cp",
    exact=True,
    options={
        "energy": "rows 'work of the chosen modes <= capacity x makespan' (default false)",
        "portfolio": "with 2 workers, two full CP-SAT workers, with and without LP (default true)",
        "stall": "seconds without a better schedule after which decision rounds (makespan <= best - 1) "
        "take over (default 0: off)",
    },
)
register_method(
    KIND,
    "sgs",
    "schedkit.solvers.rules.project:solve",
    "serial SGS on the closed time lags (least latest start first), modes by budget then duration; "
    "seeded restarts; UNKNOWN when no pass finds a schedule",
    family="rule",
    options={"passes": "passes of the scheme (default 200 without a time limit; with one, until it ends)"},
)
register_method(
    KIND,
    "auto",
    "schedkit.solvers.hybrid.project:solve",
    "hybrid: serial SGS for an incumbent, then CP-SAT on the windows it narrows, hinted with it; "
    "never worse than sgs, CP-SAT's bound and INFEASIBLE proofs",
    family="hybrid",
    exact=True,
    options={
        "sgs_share": "share of the time limit for the SGS (default 0.05, at most 1 s)",
        "energy": "as for cpsat (default false)",
        "portfolio": "as for cpsat (default true)",
    },
)
_MIP_OPTIONS = {
    "precedence": "'disaggregated' (default: one row per arc and time, stronger LP) or 'aggregated' "
    "(one row per arc)",
}
register_method(
    KIND,
    "mip",
    "schedkit.solvers.mip.project:solve",
    "time-indexed MIP (step binaries per mode and time over the windows, SGS horizon and warm start), "
    "HiGHS; INFEASIBLE only when proven",
    family="mip",
    exact=True,
    options=_MIP_OPTIONS,
    precheck="schedkit.solvers.mip.project:precheck",
)
register_method(
    KIND,
    "mip-cbc",
    "schedkit.solvers.mip.project:solve",
    "time-indexed MIP as 'mip', solved with CBC",
    family="mip",
    exact=True,
    options=_MIP_OPTIONS,
    precheck="schedkit.solvers.mip.project:precheck",
)
