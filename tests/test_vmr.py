"""VM rescheduling: problem, independent checker, VMR2L JSON format, CLI errors, generator."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path

import schedkit as sk
from schedkit.cli import main
from schedkit.errors import InvalidParameterError, ParseError
from schedkit.problems.vmr import BOTH, DEFAULT_MNL, VMRescheduling, fragment_rate


def small(mnl: int = 5) -> VMRescheduling:
    """Two PMs with 16-core nodes. v0, v1: 8 cores on PM0 node 0 (full); v2: 12 cores on
    PM1 node 0; v3: 4 cores on PM1 node 1, not migratable; v0 and v3 must not share a PM."""
    return VMRescheduling(
        pm_cpu=[[16, 16], [16, 16]],
        pm_mem=[[64, 64], [64, 64]],
        vm_cpu=[8, 8, 12, 4],
        vm_mem=[8, 8, 12, 4],
        vm_pm=[0, 0, 1, 1],
        vm_numa=[0, 0, 0, 1],
        migratable=[True, True, True, False],
        mnl=mnl,
        anti_affinity=(np.array([0, 3]),),
    )


# checker -------------------------------------------------------------------------------------
def test_toy_fragment_rate_by_hand() -> None:
    p = sk.read(shared_path("vmr2l", "example_synthetic.json"))
    # free cores per node 28, 36, 44, 40: residues 12 + 4 + 12 + 8 = 36 of 148
    assert p.current_fragment_rate() == pytest.approx(36 / 148)
    assert p.mnl == DEFAULT_MNL
    a, pm0, pm1 = p.vm_index("vm-a"), p.pm_index("pm-0"), p.pm_index("pm-1")
    plan = p.plan([(a, pm0, 0, pm1, 1)])  # 8 cores: node (0,0) 28 -> 36, node (1,1) 40 -> 32
    assert sk.check(p, plan) == []
    # residues 36%16 + 36%16 + 44%16 + 32%16 = 4 + 4 + 12 + 0 = 20
    assert p.objective(plan) == pytest.approx(20 / 148)
    assert fragment_rate(np.array([28, 36, 44, 40])) == pytest.approx(36 / 148)


def test_checker_rejects_overload() -> None:
    p = small()
    bad = sk.check(p, p.plan([(2, 1, 0, 0, 0)]))  # 12 cores onto the full node (0, 0)
    assert any("overloads" in b for b in bad)


def test_checker_is_step_by_step() -> None:
    p = small()
    ok = p.plan([(2, 1, 0, 0, 1), (1, 0, 0, 1, 0)])  # v2 leaves (1,0) first, then v1 fits there
    assert sk.check(p, ok) == []
    reverse = p.plan([(1, 0, 0, 1, 0), (2, 1, 0, 0, 1)])  # v1 first: (1,0) has only 4 free
    assert any("step 1" in b and "overloads" in b for b in sk.check(p, reverse))


def test_checker_rejects_too_many_migrations() -> None:
    p = small(mnl=1)
    plan = p.plan([(2, 1, 0, 0, 1), (1, 0, 0, 1, 0)])
    assert any("exceed the migration number limit 1" in b for b in sk.check(p, plan))


def test_checker_rejects_non_migratable() -> None:
    p = small()
    assert any("may not be migrated" in b for b in sk.check(p, p.plan([(3, 1, 1, 0, 1)])))


def test_checker_rejects_anti_affinity() -> None:
    p = small()
    bad = sk.check(p, p.plan([(0, 0, 0, 1, 1)]))  # v0 joins v3 on PM1 (node 1 has 12 free)
    assert any("anti-affinity" in b for b in bad)


def test_checker_rejects_wrong_origin_and_shape() -> None:
    p = small()
    assert any("the plan moves it from" in b for b in sk.check(p, p.plan([(1, 1, 0, 1, 1)])))
    assert any("single-NUMA" in b for b in sk.check(p, p.plan([(1, 0, 0, 1, BOTH)])))
    assert any("where it already is" in b for b in sk.check(p, p.plan([(1, 0, 0, 0, 0)])))


def test_plan_round_trip_through_solution_file(tmp_path: Path) -> None:
    p = small()
    plan = p.plan([(2, 1, 0, 0, 1), (1, 0, 0, 1, 0)])
    sk.save_solution(p, plan, tmp_path / "sol.json")
    back, stated = sk.load_solution(p, tmp_path / "sol.json")
    assert back.moves() == plan.moves()
    assert stated == pytest.approx(p.objective(plan))
    rows = json.loads((tmp_path / "sol.json").read_text())["solution"]["migrations"]
    assert rows[0] == {
        "step": 1,
        "vm": "vm2",
        "from_pm": "pm1",
        "from_numa": [0],
        "to_pm": "pm0",
        "to_numa": [1],
    }
    data = json.loads((tmp_path / "sol.json").read_text())
    data["solution"]["migrations"].reverse()  # steps 2, 1: a reordered file must not pass silently
    (tmp_path / "swapped.json").write_text(json.dumps(data))
    with pytest.raises(sk.SolutionFormatError, match="numbered step 2"):
        sk.load_solution(p, tmp_path / "swapped.json")


def test_lower_bound_is_valid_and_cheap() -> None:
    p = small()
    assert 0 <= p.lower_bound() <= p.current_fragment_rate()


# format --------------------------------------------------------------------------------------
def test_real_instance_reads_and_round_trips(tmp_path: Path) -> None:
    p = sk.read(shared_path("vmr2l", "reset_vm_pm0.json"), mnl=50)
    s = p.summary()
    assert (s["PMs"], s["VMs"], s["MNL"]) == (279, 2089, 50)
    assert s["current fragment rate"] == pytest.approx(834 / 1394, abs=1e-6)
    out = tmp_path / "copy.json"
    sk.write(p, out)
    q = sk.read(out)
    assert q.mnl == 50 and q.vm_names == p.vm_names
    assert np.array_equal(q.vm_pm, p.vm_pm) and np.array_equal(q.vm_numa, p.vm_numa)
    assert np.array_equal(q.pm_cpu, p.pm_cpu) and np.array_equal(q.pm_active, p.pm_active)
    assert sk.read(out, mnl=7).mnl == 7


def toy_data() -> dict:
    return json.loads(shared_path("vmr2l", "example_synthetic.json").read_text())


def _bad_unknown_pm(d: dict) -> None:
    d["cluster_list"][0]["vm_instance"][0]["host_id"] = "pm-9"


def _bad_too_large(d: dict) -> None:
    d["cluster_list"][0]["vm_instance"][2]["numa"][0]["cpu"] = 60


def _bad_negative(d: dict) -> None:
    d["cluster_list"][0]["host_info"][1]["numa"][0]["total_cpu"] = -4


def _bad_missing_key(d: dict) -> None:
    del d["cluster_list"][0]["vm_instance"][1]["host_id"]


BAD = {
    "unknown_pm": (_bad_unknown_pm, "unknown PM pm-9"),
    "too_large": (_bad_too_large, "larger than any NUMA node"),
    "negative_capacity": (_bad_negative, "negative"),
    "missing_key": (_bad_missing_key, "missing key 'host_id'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_line_exit_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit, message = BAD[case]
    d = copy.deepcopy(toy_data())
    edit(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d, indent=1))
    with pytest.raises(ParseError, match=message):
        sk.read(path)
    code = main(["solve", str(path), "--mnl", "5"])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "bad.json:" in lines[0] and message in lines[0]
    assert "Traceback" not in out + err


def test_malformed_json_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"cluster_list": [\n  {"cluster_name": "x",\n   "host_info": [}\n]}\n')
    code = main(["solve", str(path), "--mnl", "5"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "bad.json:3: malformed JSON" in err


def test_sniffer_and_mnl_option(tmp_path: Path) -> None:
    path = tmp_path / "mapping.data"
    path.write_text(shared_path("vmr2l", "example_synthetic.json").read_text())
    assert sk.read(path, mnl=3).mnl == 3
    with pytest.raises(InvalidParameterError):
        sk.read(path, mnl=-1)


# generator -----------------------------------------------------------------------------------
def test_generator_is_seeded_and_realistic() -> None:
    a = sk.generate("vmr", pms=40, seed=3)
    b = sk.generate("vmr", pms=40, seed=3)
    assert np.array_equal(a.vm_pm, b.vm_pm) and np.array_equal(a.vm_cpu, b.vm_cpu)
    assert not np.array_equal(a.vm_pm, sk.generate("vmr", pms=40, seed=4).vm_pm)
    assert (a.pm_cpu == 44).all()
    used = 1 - a.free_cpu_total() / (88 * 40)
    assert used > 0.9
    assert set(np.unique(a.vm_cpu)) <= {1, 2, 4, 8, 16, 32, 44}
    c = sk.generate("vmr", pms=30, vms=150, seed=1)
    assert c.num_vms == 150


def test_generate_cli_writes_a_readable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.json"
    assert main(["generate", "vmr", "-o", str(out), "--pms", "12", "--seed", "2", "--mnl", "4"]) == 0
    p = sk.read(out)
    assert p.num_pms == 12 and p.mnl == 4
    assert main(["info", str(out)]) == 0
    assert "current fragment rate" in capsys.readouterr().out


@pytest.mark.parametrize("seed", range(5))
def test_checker_agrees_with_a_plain_replay(seed: int) -> None:
    """Random single steps (feasible or not) judged by a plain-Python replay and by the checker."""
    p = sk.generate("vmr", pms=6, seed=seed, mnl=12, utilisation=0.8, anti_affinity=2)
    rng = np.random.default_rng(seed)
    cap = {(q, j): int(p.pm_cpu[q, j]) for q in range(p.num_pms) for j in (0, 1)}
    for _ in range(30):
        pos = {v: (int(p.vm_pm[v]), int(p.vm_numa[v])) for v in range(p.num_vms)}
        moves, ok = [], True
        for _ in range(int(rng.integers(1, 6))):
            v = int(rng.integers(p.num_vms))
            sp, sn = pos[v]
            dp = int(rng.integers(p.num_pms))
            dn = BOTH if sn == BOTH else int(rng.integers(2))
            moves.append((v, sp, sn, dp, dn))
            if (dp, dn) == (sp, sn):
                ok = False
            pos[v] = (dp, dn)
            used = {key: 0 for key in cap}
            for w, (q, k) in pos.items():
                for j in (0, 1) if k == BOTH else (k,):
                    used[q, j] += int(p.vm_cpu[w])
            if any(used[key] > cap[key] for key in cap):
                ok = False
            for g in p.anti_affinity:
                hosts = [pos[int(w)][0] for w in g]
                if len(set(hosts)) < len(hosts):
                    ok = False
        plan = p.plan(moves)
        assert (sk.check(p, plan) == []) == ok
        if ok:
            free = np.array([[cap[q, j] - used[q, j] for j in (0, 1)] for q in range(p.num_pms)])
            assert p.objective(plan) == pytest.approx(fragment_rate(free.ravel()))
