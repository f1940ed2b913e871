"""The project class (time lags, modes, calendars, release dates, deadlines): its checker, one
violation of each kind at a time, validation, bounds, the JSON form and the solution JSON."""

from __future__ import annotations

import numpy as np
import pytest

import schedkit as sk
from schedkit.errors import InvalidProblemError, ParseError, SolutionFormatError
from schedkit.formats.project_json import read_json, write_json
from schedkit.problems.project import Project, ProjectSolution
from schedkit.problems.rcpsp import RcpspSolution


def small() -> Project:
    """Three activities (numbered 1..3 in messages), one renewable resource of capacity 3
    unavailable for 2 units on [10, 12), a budget of 2.

    activity 1: mode 1 (2 time units, demand 2, consumes 3) or mode 2 (4, demand 1, consumes 1),
    release date 1; activity 2 (3, demand 2) follows 1 finish-to-start, deadline 20;
    activity 3 (1, demand 1) starts >= 1 after 2 starts, at most 20 after 1 starts."""
    return Project.from_lists(
        [[(2, [2], [3]), (4, [1], [1])], [(3, [2], [0])], [(1, [1], [0])]],
        [3],
        budgets=[2],
        arcs=[(0, 1, 0, "fs"), (1, 2, 1), (2, 0, -20)],
        unavailable=[(0, 10, 12, 2)],
        release=[1, 0, 0],
        deadline=[None, 20, None],
        name="small",
    )


def sol(mode: list[int], start: list[int]) -> ProjectSolution:
    return ProjectSolution(np.array(mode), np.array(start))


def kinds(messages: list[str]) -> list[str]:
    """The kind of each violation: the words before the first number or activity name."""
    out = []
    for m in messages:
        if m.startswith("maximum time lag"):
            out.append("max lag")
        elif m.startswith("time lag"):
            out.append("lag")
        elif "overloaded" in m:
            out.append("overload")
        elif "release date" in m:
            out.append("release")
        elif "deadline" in m:
            out.append("deadline")
        elif "budget" in m:
            out.append("budget")
        elif "does not exist" in m:
            out.append("mode")
        elif "missing" in m:
            out.append("missing")
        else:
            out.append(m)
    return out


def test_feasible_schedule_and_objective() -> None:
    p = small()
    good = sol([1, 0, 0], [1, 5, 6])
    assert p.violations(good) == []
    assert p.objective(good) == 8
    assert sk.check(p, good) == []


@pytest.mark.parametrize(
    ("mode", "start", "kind", "text"),
    [
        ([1, 0, 0], [1, 4, 6], "lag", "activity 2 starts at 4, before activity 1 ends at 5"),
        ([1, 0, 0], [1, 5, 5], "lag", "activity 3 starts at 5, before activity 2's start 5 + lag 1"),
        ([1, 0, 0], [1, 5, 22], "max lag", "activity 3 starts 21 after activity 1"),
        ([1, 0, 0], [0, 4, 5], "release", "activity 1 starts at 0 before its release date 1"),
        ([1, 0, 0], [1, 18, 19], "deadline", "activity 2 ends at 21 after its deadline 20"),
        ([1, 0, 0], [1, 9, 12], "overload", "usage 2 > capacity 1 (2 of 3 unavailable)"),
        ([0, 0, 0], [1, 3, 4], "budget", "N1: modes consume 3 > budget 2"),
        ([2, 0, 0], [1, 5, 6], "mode", "activity 1: mode 3 does not exist (it has 2)"),
    ],
)
def test_checker_catches_each_kind_alone(mode: list[int], start: list[int], kind: str, text: str) -> None:
    bad = small().violations(sol(mode, start))
    assert kinds(bad) == [kind], bad
    assert text in bad[0]


def test_checker_missing_and_extra_entries() -> None:
    p = small()
    gap = ProjectSolution(np.array([1, 0, 0]), np.array([1, 5, 6]), np.array([True, True, False]))
    assert kinds(p.violations(gap)) == ["missing"]
    short = sol([1, 0], [1, 5])
    assert p.violations(short) == ["activity 3 missing"]
    long = sol([1, 0, 0, 0], [1, 5, 6, 0])
    assert p.violations(long)[0].startswith("solution has 4 entries")
    assert p.violations(sol([1, 0, 0], [1, 5])) != []


def test_overload_without_calendar_and_negative_start() -> None:
    p = Project.from_lists([[(3, [2])], [(3, [2])]], [3])
    assert p.violations(sol([0, 0], [0, 3])) == []
    bad = p.violations(sol([0, 0], [-1, 1]))
    assert "activity 1 starts at -1 < 0" in bad
    assert any("overloaded at time 1: usage 4 > capacity 3" in m for m in bad)


def test_single_mode_from_rcpsp_keeps_the_plain_checker_verdicts() -> None:
    r = sk.rcpsp([2, 3, 1], [[1], [2], [1]], [2], [[2], [2], []])
    p = Project.from_rcpsp(r)
    assert p.single_mode and len(p.arc_lag) == 2
    for start in ([0, 1, 4], [0, 4, 3], [0, 0, 2], [0, 1, 3], [0, 2, 5]):
        plain = r.violations(RcpspSolution(np.array(start))) == []
        assert plain == (p.violations(sol([0, 0, 0], start)) == []), start


def test_lower_bound_and_summary() -> None:
    p = small()
    # longest path with the shortest durations: release 1 + 2 (activity 1) + 3 (activity 2)
    assert p.lower_bound() == 6
    facts = p.summary()
    assert facts["activities"] == 3 and facts["modes"] == 4
    assert facts["unavailability periods"] == 1 and facts["deadlines"] == 1
    assert facts["temporal constraints"] == "consistent"
    cyc = Project.from_lists([[(1, [])], [(1, [])]], [], arcs=[(0, 1, 3), (1, 0, -2)])
    assert cyc.earliest_starts() is None
    assert cyc.summary()["temporal constraints"].startswith("positive cycle")
    assert cyc.lower_bound() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"modes": [[]]}, "modes[0]: expected at least one mode"),
        ({"modes": [[(-1, [0])]]}, "modes[0][0]: duration -1 must be >= 0"),
        ({"modes": [[(1, [0, 0])]]}, "modes[0][0] demands: 2 values for 1 capacities"),
        ({"arcs": [(0, 5, 1)]}, "arcs[0]: activity 5 does not exist"),
        ({"arcs": [(0, 1, 1, "xx")]}, "arcs[0]: type must be 'ss' or 'fs'"),
        ({"arcs": [(1, 1, 0)]}, "activity 2: time lag to itself"),
        ({"unavailable": [(0, 4, 4, 1)]}, "unavailability period 1: empty range [4, 4)"),
        ({"unavailable": [(0, 0, 5, 2), (0, 3, 6, 2)]}, "R1: 4 units unavailable at time 3, capacity is 3"),
        ({"release": [-1, 0]}, "release[0]: release -1 must be >= 0"),
    ],
)
def test_validation_names_the_entry(kwargs: dict, message: str) -> None:
    args = {"modes": [[(1, [1])], [(2, [1])]], "capacities": [3], **kwargs}
    with pytest.raises(InvalidProblemError) as err:
        Project.from_lists(args.pop("modes"), args.pop("capacities"), **args)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_demand_above_capacity_makes_a_mode_unusable() -> None:
    p = Project.from_lists([[(2, [5]), (3, [1])]], [3])
    assert p.usable_modes().tolist() == [False, True]
    assert p.violations(sol([0], [0])) != []
    assert p.violations(sol([1], [0])) == []


def test_json_round_trip(tmp_path) -> None:
    p = small()
    text = write_json(p)
    back = read_json(text, "small.json")
    assert back == p and back.name == "small"
    path = tmp_path / "small.json"
    sk.write(p, path, format="project-json")
    again = sk.read(path)
    assert again == p and again.kind == "project"
    # the maximum lag was written as such
    assert '"max": 20' in text


def test_solution_json_round_trip(tmp_path) -> None:
    p = small()
    good = sol([1, 0, 0], [1, 5, 6])
    path = tmp_path / "sol.json"
    sk.save_solution(p, good, path)
    loaded, stated = sk.load_solution(p, path)
    assert stated == 8
    assert loaded.mode.tolist() == [1, 0, 0] and loaded.start.tolist() == [1, 5, 6]
    with pytest.raises(SolutionFormatError):
        p.solution_from_dict({"start": [1, 5, 6]})  # several modes: the modes are required
    with pytest.raises(SolutionFormatError):
        p.solution_from_dict({"start": [1, 5, 6], "mode": [1, "a", 0]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "schedkit-project", "activities": [', "malformed JSON"),
        ('{"format": "schedkit-project"}', "missing key 'activities'"),
        (
            '{"activities": [{"modes": [{"duration": -2}]}]}',
            "activities[0].modes[0].duration must be >= 0, got -2",
        ),
        ('{"activities": [{"modes": []}]}', "activities[0].modes is empty"),
        (
            '{"resources": [{"capacity": 2}], '
            '"activities": [{"modes": [{"duration": 1, "demand": [1, 1]}]}]}',
            "activities[0].modes[0].demand has 2 values, expected 1",
        ),
        (
            '{"activities": [{"modes": [{"duration": 1}]}], "lags": [{"from": 0, "to": 3, "min": 1}]}',
            "lags[0].to",
        ),
        (
            '{"activities": [{"modes": [{"duration": 1}]}, {"modes": [{"duration": 1}]}], '
            '"lags": [{"from": 0, "to": 1}]}',
            "needs 'min' or 'max'",
        ),
        ('{"activities": [], "colour": 1}', "unknown key 'colour'"),
        (
            '{"resources": [{"capacity": 2, "unavailable": [{"start": 3, "end": 1}]}], "activities": []}',
            "end must be >= 4",
        ),
    ],
)
def test_json_errors_are_one_line(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ParseError) as err:
        sk.read(path, format="project-json")
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


def test_generator_is_seeded_and_nested() -> None:
    a = sk.generate("project", n=8, modes=2, nonrenewable=1, max_lags=3, periods=2, deadlines=1, seed=4)
    assert a == sk.generate(
        "project", n=8, modes=2, nonrenewable=1, max_lags=3, periods=2, deadlines=1, seed=4
    )
    assert a.num_activities == 10 and a.num_modes == 18 and a.num_nonrenewable == 1
    more = sk.generate("project", n=8, modes=2, nonrenewable=1, max_lags=4, periods=2, deadlines=1, seed=4)
    assert set(a._arcs()) < set(more._arcs()) and len(more._arcs()) == len(a._arcs()) + 1
    assert a._periods() == more._periods() and np.array_equal(a.deadline, more.deadline)
    assert (more.arc_lag < 0).sum() == 4
    with pytest.raises(sk.InvalidParameterError, match="modes must be an integer"):
        sk.generate("project", modes=0)
