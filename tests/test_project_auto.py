"""Project ``auto`` (SGS incumbent, then CP-SAT from it): never worse than ``sgs``, CP-SAT's
optimum and INFEASIBLE proofs, the hint; and the project methods from the command line."""

from __future__ import annotations

import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.problems.project import Project
from tests.conftest import reference, shared_path


def generated(seed: int) -> Project:
    return sk.generate(
        "project", n=8, modes=2, nonrenewable=1, max_lags=2, periods=1, releases=1, deadlines=2, seed=seed
    )


@pytest.mark.parametrize("seed", range(8))
def test_auto_never_worse_than_sgs_and_agrees_with_cpsat(seed: int) -> None:
    p = generated(seed)
    # without a time limit auto's SGS phase is sgs's default run (200 passes, same seed)
    heur = sk.solve(p, "sgs", seed=seed)
    auto = sk.solve(p, "auto", seed=seed, workers=2)
    exact = sk.solve(p, "cpsat", time_limit=60, workers=2)
    assert auto.status is exact.status
    if exact.status is sk.Status.INFEASIBLE:
        assert auto.solution is None and "proof" in auto.stats and heur.solution is None
        return
    assert exact.status is sk.Status.OPTIMAL and auto.objective == exact.objective
    assert sk.check(p, auto) == []
    assert auto.stats["sgs makespan"] == heur.objective
    if heur.solution is not None:
        assert auto.objective <= heur.objective


@pytest.mark.parametrize(
    ("folder", "name", "ext"), [("mrcpsp", "j10", ".mm"), ("rcpsp_max", "ubo10", ".sch")]
)
def test_reference_optima(folder: str, name: str, ext: str) -> None:
    rows = reference(folder, name)
    picked = [k for k, v in rows.items() if v["optimal"] == "true"][:3]
    for inst in picked:
        p = sk.read(shared_path(folder, name, inst + ext))
        r = sk.solve(p, "auto", time_limit=30, workers=2)
        assert r.status is sk.Status.OPTIMAL and r.objective == int(rows[inst]["ub"]), inst
        assert sk.check(p, r) == []


def test_infeasible_instance_is_reported_infeasible() -> None:
    rows = reference("rcpsp_max", "ubo10")
    for name in [k for k, v in rows.items() if "INFEASIBLE" in v["source"]][:3]:
        p = sk.read(shared_path("rcpsp_max", "ubo10", name + ".sch"))
        r = sk.solve(p, "auto", time_limit=30, workers=2)
        assert r.status is sk.Status.INFEASIBLE and r.solution is None, name
        assert r.stats["proof"]


def test_short_limit_keeps_the_sgs_schedule() -> None:
    """With (almost) all the time given to the SGS, its schedule stands or CP-SAT's better one
    (whether CP-SAT gets any time left depends on the machine's speed)."""
    p = sk.read(shared_path("rcpsp_max", "ubo20", "psp1.sch"))
    r = sk.solve(p, "auto", time_limit=0.3, workers=2, sgs_share=1.0)
    assert r.stats["sgs makespan"] is not None
    assert r.solution is not None and sk.check(p, r) == []
    assert r.objective <= r.stats["sgs makespan"]
    if "branches" not in r.stats:  # CP-SAT did not run
        assert r.objective == r.stats["sgs makespan"]


def test_a_better_hint_is_the_incumbent() -> None:
    p = generated(0)
    best = sk.solve(p, "cpsat", time_limit=60, workers=2)
    r = sk.solve(p, "auto", time_limit=60, workers=2, hint=best)
    assert r.objective == best.objective and (
        r.stats.get("from hint") or r.stats["sgs makespan"] == best.objective
    )


@pytest.mark.parametrize("method", ["auto", "cpsat", "mip", "sgs"])
@pytest.mark.parametrize(("folder", "name"), [("rcpsp_max/ubo10", "psp2.sch"), ("mrcpsp/j10", "j102_2.mm")])
def test_cli_solves_with_each_method(
    method: str, folder: str, name: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    path = shared_path(*folder.split("/"), name)
    out_file = f"{tmp_path}/sol.json"
    limit = "1" if method == "sgs" else "20"  # sgs runs to its limit; the others stop at the proof
    code = main(["solve", str(path), "--method", method, "-t", limit, "--workers", "2", "--out", out_file])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"method {method}" in out and "\nmakespan " in out
    assert ("status OPTIMAL" in out) if method != "sgs" else ("status FEASIBLE" in out)
    assert main(["check", str(path), out_file]) == 0


def test_cli_prints_the_proof_of_infeasibility(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_path("rcpsp_max", "ubo10", "psp1.sch")
    code = main(["solve", str(path), "--method", "auto", "-t", "20", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "status INFEASIBLE" in out and "\nproof CP-SAT: no schedule" in out


def test_cli_lists_the_project_methods(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["methods", "project"]) == 0
    out = capsys.readouterr().out
    for method in ("auto", "cpsat", "mip", "mip-cbc", "sgs"):
        assert f" {method} " in out, method
