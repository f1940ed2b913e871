"""VM rescheduling (VMR): format, methods, generator."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "vmr"

register_kind(
    KIND,
    "VM rescheduling (minimise the fragment rate with at most MNL migrations)",
    default_method="cpsat",
    default_format="vmr2l",
    generator="schedkit.generators.vmr:generate",
    generator_help=(
        "pms: active PMs (88 cores, two 44-core NUMA nodes; default 279); vms: number of VMs "
        "(default: drawn from the real Medium mix until the utilisation is reached); "
        "utilisation: target CPU utilisation (default 0.943, the real Medium instance's); "
        "mnl: migration number limit (default 50); seed; churn: share of VMs replaced after "
        "the first placement (default 0); tight: share of best-fit placements (default 0, random "
        "fit); largest_first (default true); anti_affinity: number of groups of group_size VMs"
    ),
)

register_format(
    "vmr2l",
    KIND,
    reader="schedkit.formats.vmr:read",
    writer="schedkit.formats.vmr:write",
    sniffer="schedkit.formats.vmr:sniff",
    extensions=(".json",),
    summary="VMR2L JSON mapping (cluster_list/host_info/vm_instance); option mnl (default: file's, else 50)",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.vmr:solve",
    "CP-SAT on VM-type counts per NUMA node, warm-started from rule:greedy; plan sequenced step by step",
    family="cp",
    exact=True,
)
register_method(
    KIND,
    "mip",
    "schedkit.solvers.mip.vmr:solve",
    "MIP (HiGHS) on VM-type counts per NUMA node; plan sequenced step by step",
    family="mip",
    exact=True,
)
register_method(
    KIND,
    "mip-cbc",
    "schedkit.solvers.mip.vmr:solve",
    "the same MIP solved with CBC",
    family="mip",
    exact=True,
)
register_method(
    KIND,
    "rule:greedy",
    "schedkit.solvers.rules.vmr:greedy",
    "repeatedly apply the feasible migration with the largest fragment-rate decrease",
    family="rule",
)
register_method(
    KIND,
    "rule:bestfit",
    "schedkit.solvers.rules.vmr:bestfit",
    "empty the most fragmented NUMA nodes first, each VM to the tightest-fitting node",
    family="rule",
)
register_method(
    KIND,
    "auto",
    "schedkit.solvers.hybrid.vmr:solve",
    "large-neighbourhood search: CP-SAT on the count model of PM neighbourhoods, from the better rule",
    family="hybrid",
    options={
        "first_pms": "PMs in the first neighbourhood (default 40; the size then adapts)",
        "whole_pms": "CP-SAT on the whole instance first up to this many active PMs (default 400)",
        "iterations": "sub-problems without a time limit (default 300)",
        "stall": "sub-problems in a row without improvement that end a run without a time limit (default 60)",
    },
)
