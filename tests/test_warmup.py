"""Explicit warm-up: announced only when numba compiles, refusals before any warm-up, the CLI."""

from __future__ import annotations

import numba
import pytest

import schedkit as sk
from schedkit import registry, warmup
from schedkit.cli import main


def _fresh_kernel(module: str):
    """A new, uncached numba function whose compilation is attributed to ``module``."""

    def add_one(x):
        return x + 1

    add_one.__module__ = module
    return numba.njit(add_one)


def test_a_compilation_of_a_schedkit_kernel_is_announced_once() -> None:
    calls: list[str] = []
    kernel = _fresh_kernel("schedkit.fake_kernel")
    with warmup.announce_compilation(lambda: calls.append("compiling")) as fired:
        kernel(1)
        kernel(1.5)  # a second signature: still one announcement
    assert calls == ["compiling"] and fired == [True]


def test_a_cache_load_or_a_foreign_compilation_is_not_announced() -> None:
    from schedkit.solvers.rules import jobshop

    warmup.run("schedkit.solvers.rules.jobshop:warm_up")  # compiled or loaded by the session start
    foreign = _fresh_kernel("some_user_module")
    calls: list[str] = []
    with warmup.announce_compilation(lambda: calls.append("compiling")) as fired:
        jobshop.warm_up()  # every signature already there
        foreign(1)  # not schedkit's
    assert calls == [] and fired == [False]


def test_every_compiled_method_names_its_warm_up_and_solve_runs_it() -> None:
    targets = warmup.all_targets()
    assert "schedkit.solvers.rules.jobshop:warm_up" in targets
    assert "schedkit.solvers.exact.tardiness_search:warm_up" in targets
    assert warmup.pending("smtt", "exact") == ()  # run at the session start
    for kind in registry.KINDS:
        for name in registry.kind_info(kind).methods:
            for target in registry.warm_up_targets(kind, name):
                assert target in targets


def test_importing_a_method_runs_no_kernel() -> None:
    """Nothing runs at import: a fresh import of the rule and search modules leaves every one of
    their numba functions without a loaded signature (an import-time warm-up would load them)."""
    import importlib
    import sys

    from numba.core.registry import CPUDispatcher

    names = [
        "schedkit.solvers.rules.jobshop_sgs",
        "schedkit.solvers.rules.rcpsp",
        "schedkit.solvers.rules.jobshop",
        "schedkit.solvers.search.tardiness",
        "schedkit.solvers.exact.tardiness_search",
    ]
    saved = {n: sys.modules.pop(n) for n in names}
    try:
        fresh = [importlib.import_module(n) for n in names]
        kernels = [
            v
            for m in fresh
            for v in vars(m).values()
            if isinstance(v, CPUDispatcher) and v.py_func.__module__ == m.__name__
        ]
        assert len(kernels) >= 5
        assert [k.py_func.__name__ for k in kernels if k.overloads] == []
    finally:
        sys.modules.update(saved)


@pytest.mark.parametrize(
    ("kind", "make", "method"),
    [
        ("jssp", lambda: sk.generate("jssp", n=300, m=10, seed=1), "mip"),
        ("rcpsp", None, "mip"),
    ],
)
def test_a_size_refusal_comes_before_any_warm_up(monkeypatch, kind, make, method) -> None:
    if make is None:
        from schedkit.problems.rcpsp import Rcpsp

        n = 300
        problem = Rcpsp.from_lists(
            durations=[0] + [16] * n + [0],
            demands=[[0]] + [[1]] * n + [[0]],
            capacities=[1],
            successors=[list(range(1, n + 1))] + [[n + 1]] * n + [[]],
        )
    else:
        problem = make()
    ran: list[str] = []
    monkeypatch.setattr(warmup, "run", lambda target: ran.append(target))
    with pytest.raises(sk.InvalidParameterError, match="MIP would have"):
        sk.solve(problem, method, time_limit=5)
    assert ran == []


def test_cli_warm_up_reports_every_group(capsys) -> None:
    assert main(["warm-up"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("schedkit: warming up")
    assert out[-1].startswith("warm-up done: ")
    assert "(0 compiled now)" in out[-1]  # the session start compiled everything
    assert any("loaded from cache" in line for line in out[1:-1])


def test_cli_warm_up_refuses_an_unknown_class(capsys) -> None:
    assert main(["warm-up", "nosuch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown problem class 'nosuch'" in err[0]


def test_cli_solve_with_warm_kernels_prints_no_compile_note(capsys) -> None:
    assert main(["solve", "instances/jssp_10x10.txt", "-m", "rule:mwkr", "-t", "2"]) == 0
    assert capsys.readouterr().err == ""


def test_stale_kernel_caches_are_dropped_when_a_solver_source_changes(tmp_path) -> None:
    solvers = tmp_path / "solvers"
    (solvers / "search" / "__pycache__").mkdir(parents=True)
    graph = solvers / "search" / "graph.py"
    graph.write_text("import numba\n")
    cache = solvers / "search" / "__pycache__" / "kernel.run-1.py311.nbi"
    cache.write_text("index")
    assert warmup.drop_stale_caches(solvers) is True  # no stamp yet: caches of unknown age
    assert not cache.exists()
    cache.write_text("index")
    assert warmup.drop_stale_caches(solvers) is False  # nothing changed since the stamp
    assert cache.exists()
    (solvers / "search" / "other.py").write_text("x = 1\n")  # no numba: not part of the stamp
    assert warmup.drop_stale_caches(solvers) is False
    graph.write_text("import numba  # changed\n")  # a kernel module's source changes
    assert warmup.drop_stale_caches(solvers) is True
    assert not cache.exists()
