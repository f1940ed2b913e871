"""Benchmark harness without processes: gaps, references, discovery, run keys, store, report numbers."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

import schedkit as sk
from schedkit import registry
from schedkit.bench import Store, best_known, find_instances, gap, load_reference, with_gaps
from schedkit.bench.discover import Instance, Reference
from schedkit.bench.report import summary, write_report
from schedkit.bench.runs import RunSpec, build_campaign, parse_methods, parse_seeds, split_options
from schedkit.bench.worker import failure


# gap arithmetic ------------------------------------------------------------------------------------
def test_gap_definition_and_zero_convention() -> None:
    assert gap(110, 100) == pytest.approx(0.10)
    assert gap(100, 100) == 0.0
    assert gap(93, 100) == pytest.approx(-0.07)  # below a bound: negative, the report flags it
    assert gap(0, 0) == 0.0
    assert math.isinf(gap(5, 0))
    assert gap(None, 100) is None and gap(100, None) is None
    assert gap(-90, -100) == pytest.approx(0.10)  # relative to |bound|


def _row(
    inst: str, method: str, seed: int, status: str, obj, lb, ref_lb=None, ref_ub=None, verdict="feasible"
):
    return {
        "instance_set": "s",
        "instance": inst,
        "instance_digest": "d" + inst,
        "instance_path": "/x/" + inst,
        "method": method,
        "seed": seed,
        "status": status,
        "objective": obj,
        "lower_bound": lb,
        "verdict": verdict if obj is not None else "no solution",
        "ref_lb": ref_lb,
        "ref_ub": ref_ub,
        "runtime": None if status in ("ERROR", "TIMEOUT", "CRASHED") else 1.0,
        "wall_time": 1.5,
    }


def test_best_known_merges_reference_and_store() -> None:
    rows = [
        _row("a", "h", 0, "FEASIBLE", 120, 50, ref_lb=80, ref_ub=100),
        _row("a", "x", 0, "FEASIBLE", 95, 90, ref_lb=80, ref_ub=100),  # beats the reference both ways
        _row("a", "x", 1, "ERROR", None, None, ref_lb=80, ref_ub=100),
        _row("b", "h", 0, "FEASIBLE", 10, 2),  # no reference: the store alone
        _row("b", "x", 0, "UNKNOWN", None, 4),
        _row("c", "x", 0, "FEASIBLE", 7, 0, ref_lb=0, ref_ub=0),
        _row("c", "h", 0, "OPTIMAL", 0, 0, ref_lb=0, ref_ub=0),
    ]
    best = best_known(rows)
    a, b, c = best[("s", "a", "da")], best[("s", "b", "db")], best[("s", "c", "dc")]
    assert (a.lb, a.ub) == (90, 95) and a.ub_source == "x seed 0"
    assert (b.lb, b.ub) == (4, 10) and not b.closed
    assert (c.lb, c.ub) == (0, 0) and c.closed
    g = with_gaps(rows)
    assert g[0]["gap_ub"] == pytest.approx((120 - 95) / 95)
    assert g[0]["gap_lb"] == pytest.approx((120 - 90) / 90)
    assert g[1]["gap_ub"] == 0.0
    assert g[2]["gap_ub"] is None and not g[2]["feasible"] and g[2]["time"] == 1.5
    assert g[3]["gap_ub"] == 0.0 and g[3]["gap_lb"] == pytest.approx(1.5)
    assert math.isinf(g[5]["gap_ub"]) and g[6]["gap_ub"] == 0.0 and g[6]["optimal"]
    # an explicit reference replaces the stored one
    override = {"a": Reference(99, 99, True)}
    a2 = best_known(rows, override)[("s", "a", "da")]
    assert (a2.lb, a2.ub) == (99, 95)  # 95 found by a run still beats 99


def test_infeasible_verdict_does_not_count_as_upper_bound() -> None:
    rows = [_row("a", "bug", 0, "FEASIBLE", 50, 10, ref_ub=100, verdict="infeasible: overlap")]
    assert best_known(rows)[("s", "a", "da")].ub == 100
    assert with_gaps(rows)[0]["gap_ub"] is None


# reference files and discovery ---------------------------------------------------------------------
def test_load_reference(tmp_path: Path) -> None:
    ref = tmp_path / "ref.csv"
    ref.write_text("instance,lb,ub,optimal,source\nx1,10,12,false,me\nx2,,7,,\nx3,5,5,true,pub\n\n")
    got = load_reference(ref)
    assert got["x1"] == Reference(10, 12, False, "me")
    assert got["x2"] == Reference(None, 7, False, "")
    assert got["x3"].optimal
    ref.write_text("instance,lb,ub\nx1,abc,3\n")
    with pytest.raises(sk.ParseError, match=r"ref.csv:2: column lb"):
        load_reference(ref)
    ref.write_text("name,lb,ub\n")
    with pytest.raises(sk.ParseError, match="missing instance"):
        load_reference(ref)
    ref.write_text("instance,lb,ub\nx,9,3\n")
    with pytest.raises(sk.ParseError, match="lb 9 above ub 3"):
        load_reference(ref)


def _write_set(folder: Path, n: int = 3, size: tuple[int, int] = (4, 3)) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for k in range(n):
        problem = sk.generate("jssp", n=size[0], m=size[1], seed=10 + k)
        name = f"g{k + 1:02d}"
        sk.write(problem, folder / f"{name}.txt")
        names.append(name)
    return names


def test_discover_folder_glob_and_reference(tmp_path: Path) -> None:
    names = _write_set(tmp_path / "setA")
    (tmp_path / "setA" / "reference.csv").write_text("instance,lb,ub,optimal,source\ng01,1,200,false,t\n")
    (tmp_path / "setA" / "README.md").write_text("# not an instance\n")
    (tmp_path / "setA" / "notes.txt").write_text("hello world\n")  # unreadable: skipped from a folder
    skipped: list[str] = []
    found = find_instances([str(tmp_path / "setA")], on_skip=lambda p, why: skipped.append(p))
    assert [i.name for i in found] == names
    assert {i.set for i in found} == {"setA"} and {i.kind for i in found} == {"jssp"}
    assert found[0].reference == Reference(1, 200, False, "t") and found[1].reference is None
    assert len(skipped) == 1 and skipped[0].endswith("notes.txt")
    # a glob, and the same file twice, gives each instance once
    again = find_instances([str(tmp_path / "setA" / "g0*.txt"), str(tmp_path / "setA" / "g01.txt")])
    assert [i.name for i in again] == names
    # --reference replaces the file beside the instances
    other = tmp_path / "other.csv"
    other.write_text("instance,lb,ub\ng02,5,6\n")
    byref = {i.name: i.reference for i in find_instances([str(tmp_path / "setA")], other)}
    assert byref == {"g01": None, "g02": Reference(5, 6, False, ""), "g03": None}


def test_discover_errors(tmp_path: Path) -> None:
    with pytest.raises(sk.ParseError, match="no such file or folder"):
        find_instances([str(tmp_path / "missing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(sk.InvalidParameterError, match="no instances found"):
        find_instances([str(tmp_path / "empty")])
    skipped: list[tuple[str, str]] = []
    with pytest.raises(sk.InvalidParameterError, match="no instances found"):
        find_instances([str(tmp_path / "nothing*.txt")], on_skip=lambda p, why: skipped.append((p, why)))
    assert skipped == [(str(tmp_path / "nothing*.txt"), "no file matches the pattern")]
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n0 3 1\n")
    with pytest.raises(sk.ParseError, match="bad.txt:2"):  # named explicitly: its error is reported
        find_instances([str(bad)])


@pytest.fixture
def multi_format():
    """A test format holding several JSSP instances separated by '---' lines (option index)."""
    from schedkit.formats.jssp import read_plain

    def read_multi(text: str, source: str, index: int | None = None):
        blocks = [b for b in text.split("---\n") if b.strip()]
        if index is None:
            if len(blocks) != 1:
                raise sk.ParseError(f"{len(blocks)} instances: pick one with FILE#K", source)
            index = 1
        if not 1 <= index <= len(blocks):
            raise sk.ParseError(f"index {index} out of range 1..{len(blocks)}", source)
        return read_plain(blocks[index - 1], source)

    registry.register_format(
        "test-multi", "jssp", reader=read_multi, sniffer=lambda h: h.startswith("---"), extensions=(".multi",)
    )
    yield
    registry._FORMATS.pop("test-multi", None)


def test_multi_instance_files(tmp_path: Path, multi_format: None) -> None:
    blocks = [sk.write(sk.generate("jssp", n=3, m=2, seed=s)) for s in range(1, 6)]
    path = tmp_path / "pack.multi"
    path.write_text("---\n" + "---\n".join(blocks))
    (tmp_path / "reference.csv").write_text("instance,lb,ub\npack_002,1,99\n")
    found = find_instances([str(path)])
    assert [i.name for i in found] == [f"pack_{k:03d}" for k in range(1, 6)]
    assert found[1].path.endswith("pack.multi#2") and found[1].reference == Reference(1, 99, False, "")
    some = find_instances([f"{path}#2-3", f"{path}#5"])
    assert [i.index for i in some] == [2, 3, 5]
    with pytest.raises(sk.ParseError, match="out of range"):
        find_instances([f"{path}#9"])


# campaign and keys -------------------------------------------------------------------------------------
def _inst(name: str = "i1", digest: str = "abc", kind: str = "jssp") -> Instance:
    return Instance(f"/d/{name}.txt", f"/d/{name}.txt", None, name, "d", kind, digest, Reference(1, 9, False))


def test_run_key_identity() -> None:
    base = RunSpec(_inst(), "cpsat", 0, 10, 1, {})
    assert base.key == RunSpec(_inst(), "cpsat", 0, 10.0, 1, {}).key
    for other in (
        RunSpec(_inst(digest="abd"), "cpsat", 0, 10, 1, {}),  # file content changed
        RunSpec(_inst("i2"), "cpsat", 0, 10, 1, {}),
        RunSpec(_inst(), "rule:spt", 0, 10, 1, {}),
        RunSpec(_inst(), "cpsat", 1, 10, 1, {}),
        RunSpec(_inst(), "cpsat", 0, 5, 1, {}),
        RunSpec(_inst(), "cpsat", 0, 10, 2, {}),
        RunSpec(_inst(), "cpsat", 0, 10, 1, {"x": 1}),
    ):
        assert other.key != base.key
    assert RunSpec.from_dict(base.to_dict()) == base


def test_campaign_arguments() -> None:
    assert parse_methods("cpsat, rule:spt,cpsat") == ["cpsat", "rule:spt"]
    assert parse_seeds("3,0-2") == [0, 1, 2, 3]
    for bad in ("-1", "a", "3-1"):
        with pytest.raises(sk.InvalidParameterError):
            parse_seeds(bad)
    with pytest.raises(sk.InvalidParameterError):
        parse_methods(" , ")
    specs = build_campaign([_inst("a"), _inst("b")], ["cpsat", "rule:spt"], [0, 1], 5, workers=2)
    assert len(specs) == 8 and len({s.key for s in specs}) == 8
    with pytest.raises(sk.UnknownMethodError, match="nosuch"):
        build_campaign([_inst()], ["nosuch"], [0], 5)
    with pytest.raises(sk.InvalidParameterError, match="time limit"):
        build_campaign([_inst()], ["cpsat"], [0], -1)
    with pytest.raises(sk.InvalidParameterError, match="option"):
        split_options({"nonsense": 1}, ["cpsat"], ["jssp"])


# store -------------------------------------------------------------------------------------------------
def _record(spec: RunSpec, status: str, obj=None, lb=None, runtime: float = 1.0) -> dict:
    if status in ("ERROR", "TIMEOUT", "CRASHED"):
        return failure(spec.to_dict(), status, "boom", runtime)
    rec = failure(spec.to_dict(), status, "", runtime + 0.5)
    rec.update(objective=obj, lower_bound=lb, runtime=runtime, error=None)
    rec["check"] = "feasible" if obj is not None else "no solution"
    return rec


def test_store_records_each_run_once(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    spec = RunSpec(_inst(), "cpsat", 0, 10, 1, {})
    with Store(db) as st:
        assert st.add(spec, _record(spec, "OPTIMAL", 5, 5))
        assert not st.add(spec, _record(spec, "FEASIBLE", 6, 1))  # same key: ignored
        assert len(st) == 1 and st.keys() == {spec.key}
        row = st.rows()[0]
        assert (row["status"], row["objective"], row["ref_ub"], row["kind"]) == ("OPTIMAL", 5, 9, "jssp")
        assert "ortools" in row["versions"] and row["finished_at"].endswith("Z")
    with Store(db, create=False) as st:  # reopened: still there
        assert len(st) == 1
    tables = sqlite3.connect(db).execute("select name from sqlite_master where type='table'").fetchall()
    assert tables == [("runs",)]


def test_store_refuses_other_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(sk.InvalidParameterError, match="not a readable results store"):
        Store(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)")
    with pytest.raises(sk.InvalidParameterError, match="without a 'runs' table"):
        Store(other)
    with pytest.raises(sk.InvalidParameterError, match="no such results store"):
        Store(tmp_path / "none.db", create=False)


# report numbers match the store --------------------------------------------------------------------------
def test_report_numbers_match_the_store(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    insts = [
        Instance("/s/a.txt", "/s/a.txt", None, "a", "s", "jssp", "da", Reference(100, 100, True)),
        Instance("/s/b.txt", "/s/b.txt", None, "b", "s", "jssp", "db", Reference(40, 50, False)),
        Instance("/t/c.txt", "/t/c.txt", None, "c", "t", "jssp", "dc", None),
    ]
    outcomes = {  # (instance, method, seed) -> status, objective, own lb, runtime
        ("a", "x", 0): ("OPTIMAL", 100, 100, 2.0),
        ("a", "x", 1): ("FEASIBLE", 104, 90, 3.0),
        ("a", "h", 0): ("FEASIBLE", 120, 60, 0.5),
        ("a", "h", 1): ("FEASIBLE", 110, 60, 0.5),
        ("b", "x", 0): ("FEASIBLE", 48, 45, 10.0),  # beats the reference ub 50
        ("b", "x", 1): ("TIMEOUT", None, None, 25.0),
        ("b", "h", 0): ("FEASIBLE", 60, 30, 0.1),
        ("b", "h", 1): ("ERROR", None, None, 0.2),
        ("c", "x", 0): ("FEASIBLE", 30, 20, 1.0),
        ("c", "h", 0): ("FEASIBLE", 33, 10, 0.3),
    }
    by_name = {i.name: i for i in insts}
    with Store(db) as st:
        for (name, method, seed), (status, obj, lb, rt) in outcomes.items():
            spec = RunSpec(by_name[name], method, seed, 10, 1, {})
            st.add(spec, _record(spec, status, obj, lb, rt))
    table = summary(db)
    assert list(zip(table["set"], table["method"], strict=True)) == [
        ("s", "h"),
        ("s", "x"),
        ("t", "h"),
        ("t", "x"),
    ]
    row = table.set_index(["set", "method"])
    # set s, method x: a:100 (gap 0), a:104 (ub 100 -> 4%), b:48 (ub 48 -> 0), one timeout
    sx = row.loc[("s", "x")]
    assert (sx.instances, sx.runs, sx.feasible, sx.optimal, sx.failed) == (2, 4, 3, 1, 1)
    assert sx.mean_gap_ub == pytest.approx((0 + 0.04 + 0) / 3)
    assert sx.max_gap_ub == pytest.approx(0.04)
    assert sx.mean_gap_lb == pytest.approx((0 + 0.04 + (48 - 45) / 45) / 3)
    assert sx.mean_time == pytest.approx((2.0 + 3.0 + 10.0 + 25.0) / 4)  # failed run: its wall time
    sh = row.loc[("s", "h")]
    assert (sh.feasible, sh.optimal, sh.failed) == (3, 0, 1)
    assert sh.mean_gap_ub == pytest.approx((0.20 + 0.10 + 12 / 48) / 3)
    assert sh.max_gap_ub == pytest.approx(0.25)
    # set t has no reference: best-known values come from the store alone
    assert row.loc[("t", "h")].mean_gap_ub == pytest.approx(0.10)
    assert row.loc[("t", "h")].mean_gap_lb == pytest.approx((33 - 20) / 20)
    # the same figures straight from SQL
    con = sqlite3.connect(db)
    for (set_name, method), r in row.iterrows():
        n, feas, opt = con.execute(
            "select count(*), sum(verdict = 'feasible'), sum(status = 'OPTIMAL') from runs "
            "where instance_set = ? and method = ?",
            (set_name, method),
        ).fetchone()
        assert (r.runs, r.feasible, r.optimal) == (n, feas, opt)
    # and in the written report
    md = write_report(db, tmp_path / "r.md", html_out=tmp_path / "r.html", per_instance=True)
    assert "| s | x | 10 | 2 | 4 | 3 | 1 | 1 | 1.33 | 4.00 |" in md
    assert "Zero convention" in md and "TIMEOUT" in md
    assert (tmp_path / "r.png").stat().st_size > 1000
    page = (tmp_path / "r.html").read_text()
    assert "data:image/png;base64," in page and "<td>1.33</td>" in page


# progress -------------------------------------------------------------------------------------------------
def test_progress_lines_and_bar() -> None:
    import io

    from schedkit.bench.progress import Progress, clock

    assert (clock(65), clock(3725), clock(None)) == ("1:05", "1:02:05", "?")
    spec = RunSpec(_inst(), "cpsat", 0, 10, 1, {})
    plain = io.StringIO()
    p = Progress(4, already=1, jobs=2, expected=15.0, stream=plain, tty=False)
    assert p.eta() == pytest.approx(15.0, abs=0.5)  # before any run: from the time limits
    p.update(spec, _record(spec, "OPTIMAL", 5, 5))
    p.update(spec, _record(spec, "TIMEOUT"))
    lines = plain.getvalue().splitlines()
    assert lines[0].startswith("bench [2/4] i1 cpsat seed 0: OPTIMAL 5 in 1.00s; 2 left, ETA")
    assert "TIMEOUT" in lines[1] and "boom" in lines[1] and "1 left" in lines[1]
    assert (p.done, p.left, p.failed) == (3, 1, 1)
    tty = io.StringIO()
    bar = Progress(2, stream=tty, tty=True)
    bar.start()
    bar.update(spec, _record(spec, "FEASIBLE", 7, 1))
    bar.close()
    text = tty.getvalue()
    assert "\r[" in text and "1/2 runs done, 1 left" in text and "ETA" in text and text.endswith("\n")
