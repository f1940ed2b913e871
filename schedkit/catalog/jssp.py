"""Job-shop (JSSP): formats, methods, generator."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "jssp"

register_kind(
    KIND,
    "job-shop (minimise makespan)",
    default_method="cpsat",
    default_format="jssp",
    generator="schedkit.generators.jobshop:generate",
    generator_help=(
        "n, m: jobs and machines; seed: Taillard time seed (machine seed = seed + 1 unless "
        "machine_seed is given); low, high: duration range (default 1..99); "
        "taillard: 'ta01'..'ta80' reproduces Taillard's instance with his published seeds"
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

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.jobshop:solve",
    "CP-SAT interval model (no-overlap per machine); proves optimality, accepts a hint",
    family="cp",
    exact=True,
)
