"""Priority pod placement: format, methods, generator."""

from schedkit.registry import register_format, register_kind, register_method

KIND = "pods"

register_kind(
    KIND,
    "priority pod placement (most pods per priority level, highest first, then fewest moves + evictions)",
    default_method="cpsat",
    default_format="pods-json",
    generator="schedkit.generators.pods:generate",
    generator_help=(
        "nodes (default 10); utilisation: CPU requested by running pods (0.85); pending: CPU "
        "requested by pending pods (0.15); levels: priority levels (3); movable: share of movable "
        "workloads (0.8); tainted: share of tainted nodes (0.1); zones (3); selector: share of "
        "zone-pinned workloads (0.2); workloads (min(60, 6 + nodes // 10)); seed (0)"
    ),
)

register_format(
    "pods-json",
    KIND,
    reader="schedkit.formats.pods:read",
    writer="schedkit.formats.pods:write",
    sniffer="schedkit.formats.pods:sniff",
    extensions=(".json",),
    summary="schedkit pods JSON: nodes (cpu, memory, labels, taints), pods (requests, priority, node)",
)

register_method(
    KIND,
    "cpsat",
    "schedkit.solvers.cpsat.pods:solve",
    "CP-SAT on pod-class counts per node, lexicographic: level by level from the highest priority, "
    "then moves + evictions; started from the best rule (default, bfd, preempt)",
    family="cp",
    exact=True,
)
register_method(
    KIND,
    "mip",
    "schedkit.solvers.mip.pods:solve",
    "MIP (HiGHS) on the same count model, the same lexicographic stages",
    family="mip",
    exact=True,
)
register_method(
    KIND,
    "rule:default",
    "schedkit.solvers.rules.pods:default",
    "kube-scheduler-like: pending pods by priority, filter (labels, taints, room), score "
    "least-allocated + balanced; no preemption",
    family="rule",
    options={"score": "least (default, spreading) or most (MostAllocated, packing)"},
)
register_method(
    KIND,
    "rule:bfd",
    "schedkit.solvers.rules.pods:bfd",
    "best-fit decreasing: by priority then size, each pod on the node it leaves with the least room",
    family="rule",
)
register_method(
    KIND,
    "rule:preempt",
    "schedkit.solvers.rules.pods:preempt",
    "rule:default, then kube-like preemption for what it leaves: evict lower-priority pods on the node "
    "needing the least, victims re-queued (placed elsewhere or preempting in turn)",
    family="rule",
)
