"""Rescheduling input and output: the events JSON, the CLI round trip, the Gantt chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import schedkit as sk
from schedkit.cli import main
from schedkit.rescheduling.events import (
    Arrival,
    Breakdown,
    Cancel,
    DurationChange,
    Rush,
    events_to_json,
    parse_events,
    read_events,
)

GOOD = [
    {"type": "breakdown", "machine": 0, "start": 230, "end": 380},
    {"type": "arrival", "time": 240, "job": [[1, 20], [0, 35]]},
    {"type": "arrival", "time": 5, "job": [[[0, 3], [1, 4]], [2, 6]]},
    {"type": "duration_change", "job": 2, "op": 3, "new_duration": 40},
    {"type": "duration_change", "job": 2, "op": 1, "new_duration": 4, "machine": 1},
    {"type": "cancel", "job": 4},
    {"type": "rush", "job": 3, "due_date": 600, "weight": 5},
    {"type": "rush", "job": 1, "weight": 2},
]


def test_events_round_trip() -> None:
    events = parse_events(GOOD)
    assert events[0] == Breakdown(0, 230, 380)
    assert events[1] == Arrival(((1, 20), (0, 35)), 240)
    assert events[3] == DurationChange(2, 3, 40)
    assert events[5] == Cancel(4)
    assert events[7] == Rush(1, None, 2)
    assert events_to_json(events) == GOOD
    assert parse_events({"events": GOOD}) == events


@pytest.mark.parametrize(
    "record, message",
    [
        (
            {"type": "breakdown", "machine": 0, "start": 10, "end": 5},
            "event 0 (breakdown): end 5 must be > start 10",
        ),
        ({"type": "breakdown", "machine": 0, "start": 10, "end": 10}, "end 10 must be > start 10"),
        ({"type": "breakdown", "machine": -1, "start": 0, "end": 5}, "machine must be >= 0, got -1"),
        ({"type": "breakdown", "machine": 0, "start": -4, "end": 5}, "start must be >= 0, got -4"),
        ({"type": "breakdown", "machine": 0, "start": 1.5, "end": 5}, "start must be an integer, got 1.5"),
        (
            {"type": "breakdown", "machine": True, "start": 1, "end": 5},
            "machine must be an integer, got True",
        ),
        ({"type": "breakdown", "machine": 0, "start": 1}, "event 0 (breakdown): missing field 'end'"),
        ({"type": "breakdown", "machin": 0, "start": 1, "end": 2}, "unknown field 'machin'"),
        ({"type": "explosion"}, "event 0: unknown type 'explosion' (types: breakdown, arrival"),
        ({"machine": 0}, "event 0: unknown type None"),
        ([1, 2], "event 0: expected an object with a 'type'"),
        ({"type": "arrival", "time": 0, "job": []}, "job must be a non-empty list of operations"),
        (
            {"type": "arrival", "time": 0, "job": [[0, -3]]},
            "job operation 0: duration must be an integer >= 0",
        ),
        ({"type": "arrival", "time": 0, "job": [[[0, 1], [0, 2]]]}, "job operation 0 lists a machine twice"),
        ({"type": "arrival", "time": 0, "job": [["a"]]}, "job operation 0 must be [machine, duration]"),
        (
            {"type": "duration_change", "job": 0, "op": 0, "new_duration": 0},
            "new_duration must be >= 1, got 0",
        ),
        ({"type": "rush", "job": 0}, "event 0 (rush): needs a due_date or a weight"),
        ({"type": "rush", "job": 0, "weight": 0}, "weight must be >= 1, got 0"),
    ],
)
def test_bad_event_records(record, message: str) -> None:
    with pytest.raises(sk.ParseError) as info:
        parse_events([record], "ev.json")
    text = str(info.value)
    assert text.startswith("ev.json: ") and message in text and "\n" not in text


def test_bad_event_files(tmp_path: Path) -> None:
    path = tmp_path / "ev.json"
    path.write_text('[\n{"type": "cancel", "job": 1},\n{"type": \n')
    with pytest.raises(sk.ParseError, match=r"ev.json:4: not JSON"):
        read_events(path)
    path.write_text('{"type": "cancel", "job": 1}')
    with pytest.raises(sk.ParseError, match=r'ev.json: expected a list of events or \{"events"'):
        read_events(path)
    path.write_text(json.dumps({"events": [{"type": "cancel", "job": 1}, {"type": "cancel", "job": "x"}]}))
    with pytest.raises(sk.ParseError, match=r"ev.json: event 1 \(cancel\): job must be an integer, got 'x'"):
        read_events(path)
    with pytest.raises(sk.ParseError, match="nope.json: no such file"):
        read_events(tmp_path / "nope.json")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_round_trip(tmp_path: Path, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new, inst, chart = (tmp_path / n for n in ("old.json", "new.json", "new.txt", "g.png"))
    code, _, _ = run_cli(["solve", str(demo), "-m", "cpsat", "-t", "2", "-w", "1", "--out", str(old)], capsys)
    assert code == 0
    problem = sk.read(str(demo))
    solution, _ = sk.load_solution(problem, old)
    t = int(solution.end.max()) // 3
    events = tmp_path / "ev.json"
    events.write_text(json.dumps([{"type": "breakdown", "machine": 1, "start": t, "end": t + 20}]))
    args = ["reschedule", str(demo), str(old), str(events), "--at", str(t), "-t", "2", "-w", "1"]
    code, out, err = run_cli([*args, "--out", str(new), "--stability", "0.5", "--gantt", str(chart)], capsys)
    assert code == 0, err
    assert "makespan" in out and "moved" in out and "shift" in out and "objective" in out
    rescheduled, _ = sk.load_solution(problem, new)  # no arrivals: the same instance
    assert sk.check(problem, rescheduled) == []
    assert (rescheduled.start[solution.start >= t] >= t).all()
    assert chart.stat().st_size > 0
    # an arrival: the instance changes and is written as a flexible job-shop with its schedule
    events.write_text(json.dumps([{"type": "arrival", "time": t, "job": [[0, 5], [2, 5]]}]))
    code, out, err = run_cli(
        [*args, "-m", "right-shift", "--out", str(new), "--problem-out", str(inst)], capsys
    )
    assert code == 0, err
    code, out, _ = run_cli(["check", str(inst), str(new)], capsys)
    assert code == 0 and "feasible" in out


def test_cli_bad_input_exits_2(tmp_path: Path, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.json"
    assert run_cli(["solve", str(demo), "-m", "rule:mwkr", "--out", str(old)], capsys)[0] == 0
    events = tmp_path / "ev.json"
    events.write_text('[{"type": "breakdown", "machine": 0, "start": 9, "end": 3}]')
    for extra, where in (
        ([str(events), "--at", "5"], "ev.json: event 0 (breakdown): end 3 must be > start 9"),
        ([str(tmp_path / "none.json"), "--at", "5"], "none.json: no such file"),
        ([str(events), "--at", "5", "-m", "magic"], None),
    ):
        code, out, err = run_cli(["reschedule", str(demo), str(old), *extra], capsys)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("schedkit: error: ")
        assert where is None or where in lines[0]
    events.write_text('[{"type": "breakdown", "machine": 0, "start": 9, "end": 30}]')
    code, _, err = run_cli(
        ["reschedule", str(demo), str(old), str(events), "--at", "5", "-m", "magic"], capsys
    )
    assert code == 2 and "unknown reschedule method 'magic'" in err


def test_cli_help_explains_events(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["reschedule", "--help"])
    out = capsys.readouterr().out
    assert '"type": "breakdown"' in out and "--interrupted" in out and "right-shift" in out


def test_gantt_draws_downtime_and_frozen_part(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    p = sk.jobshop([[(0, 4), (1, 3)], [(1, 2), (0, 5)]])
    old = p.solution_type.from_starts(p, [0, 4, 0, 4])
    r = sk.reschedule(
        p, old, [{"type": "breakdown", "machine": 0, "start": 2, "end": 10}], at=2, method="right-shift"
    )
    fig = sk.plot.gantt(r.problem, r.solution, downtime=r.situation.breakdowns(), frozen_before=2)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "downtime" in labels and any(lab.startswith("frozen") for lab in labels)
    assert ax.get_xlim()[1] >= 19
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(sk.InvalidParameterError, match="shop and project schedules only"):
        sk.plot.gantt(sk.tardiness([1], [1]), sk.solve(sk.tardiness([1], [1])).solution, frozen_before=1)
