"""Charts (sk.plot.gantt, resource_profile) and schedules as DataFrames (to_frame)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import schedkit as sk
from schedkit.cli import main
from schedkit.plot.layout import LABEL_PAD, fitting_label, label_fits, placed_label, text_width

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "jssp": ("jssp_10x10.txt", "rule:mwkr"),
    "fjsp": ("fjsp_10x6.fjs", "rule:mwkr+ect"),
    "smtt": ("smtt_n100.smtt", "rule:atc"),
    "rcpsp": ("rcpsp_n30.sm", "rule:lft"),
    "vmr": ("vmr_20pms.json", "rule:greedy"),
}


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[object, object]]:
    out = {}
    for kind, (name, method) in CASES.items():
        problem = sk.read(ROOT / "instances" / name)
        result = sk.solve(problem, method, time_limit=10)
        assert result.solution is not None
        out[kind] = (problem, result)
    return out


# charts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_class_draws_to_a_file(solved, kind: str, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    problem, result = solved[kind]
    open_before = plt.get_fignums()
    path = tmp_path / f"{kind}.png"
    fig = sk.plot.gantt(problem, result.solution, path=path)
    assert isinstance(fig, Figure)
    assert path.stat().st_size > 5000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == open_before  # a figure for a file only is left to no backend
    assert fig.axes[0].patches or fig.axes[0].texts or fig.axes[0].lines


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_class_draws_into_given_axes_without_a_file(solved, kind: str, tmp_path: Path) -> None:
    problem, result = solved[kind]
    user = Figure(figsize=(9, 4))
    ax = user.subplots()
    fig = sk.plot.gantt(problem, result.solution, ax=ax, title="mine")
    assert fig is user
    assert ax.get_title() == "mine"
    assert tuple(user.get_size_inches()) == (9, 4)
    assert list(tmp_path.iterdir()) == []


def test_without_path_the_figure_comes_from_pyplot_and_the_backend_is_kept(solved) -> None:
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    problem, result = solved["jssp"]
    fig = sk.plot.gantt(problem, result.solution)
    try:
        assert plt.fignum_exists(fig.number)
        assert matplotlib.get_backend() == backend
    finally:
        plt.close(fig)


def test_older_positional_path_call_and_profile(solved, tmp_path: Path) -> None:
    from schedkit.plot.gantt import gantt
    from schedkit.plot.profile import resource_profile

    problem, result = solved["rcpsp"]
    assert isinstance(gantt(problem, result.solution, tmp_path / "g.png", title="t"), Figure)
    fig = resource_profile(problem, result.solution, tmp_path / "p.svg")
    assert isinstance(fig, Figure) and len(fig.axes) == problem.num_resources
    assert (tmp_path / "g.png").exists() and (tmp_path / "p.svg").read_text().startswith("<?xml")


def test_shop_chart_explains_colours_and_labels_bars_by_job(solved) -> None:
    problem, result = solved["jssp"]
    ax = sk.plot.gantt(problem, result.solution, path=None, ax=Figure(figsize=(11, 5)).subplots()).axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"J{j}" for j in range(problem.num_jobs)]
    labels = [t.get_text() for t in ax.texts]
    assert labels and all(t.startswith("J") for t in labels)


def test_smtt_chart_marks_tardy_jobs_and_due_dates(solved) -> None:
    problem, result = solved["smtt"]
    fig = sk.plot.gantt(problem, result.solution, path=None, ax=Figure(figsize=(16, 3)).subplots())
    ax = fig.axes[0]
    frame = problem.to_frame(result.solution)
    late = int(((frame["tardiness"] > 0) & (frame["duration"] > 0)).sum())
    assert late > 0
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == late
    assert [t.get_text() for t in ax.get_yticklabels()] == ["machine", "due dates"]
    assert len(fig.axes) == 2  # 100 jobs: a colour bar instead of a legend
    assert "tardy" in ax.get_title()


def test_labels_only_where_they_fit_on_the_drawn_chart(solved) -> None:
    """Every label drawn fits its bar at the chart's scale; every bar too narrow for the
    shortest label candidate carries none."""
    problem, result = solved["jssp"]
    fig = sk.plot.gantt(problem, result.solution, ax=Figure(figsize=(6, 3)).subplots())
    ax = fig.axes[0]
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
    per_unit = width_pt / (ax.get_xlim()[1] - ax.get_xlim()[0])
    row_pt = 0.8 * ax.get_position().height * fig.get_figheight() * 72 / len(ax.get_yticks())
    frame = problem.to_frame(result.solution)
    drawn = {(round(t.get_position()[0], 6), t.get_position()[1]): t for t in ax.texts}
    rows = {r: i for i, r in enumerate(t.get_text() for t in ax.get_yticklabels())}
    narrow = labelled = 0
    for r in frame.itertuples(index=False):
        key = (round(r.start + r.duration / 2, 6), rows[r.resource])
        text = drawn.get(key)
        bar = r.duration * per_unit
        if text is None:
            continue
        labelled += 1
        along = bar if text.get_rotation() == 0 else row_pt
        assert text_width(text.get_text(), text.get_fontsize()) + 2 * LABEL_PAD <= along + 1e-9
        assert text.get_text() in (r.label, f"J{r.job}")
    for r in frame.itertuples(index=False):
        if r.duration * per_unit < 1.2 * 5 + 2 * LABEL_PAD:  # too narrow even for an upright label
            narrow += 1
            assert (round(r.start + r.duration / 2, 6), rows[r.resource]) not in drawn
    assert labelled > 0 and narrow > 0
    assert len(ax.texts) < len(frame)


def test_label_rule() -> None:
    assert text_width("J3.2", 8) == pytest.approx(4 * 0.62 * 8)
    wide, narrow = text_width("J3.2", 8) + 2 * LABEL_PAD, text_width("J3", 8) + 2 * LABEL_PAD
    assert label_fits("J3.2", wide, 8)
    assert not label_fits("J3.2", wide - 0.1, 8)
    assert not label_fits("", 100, 8)
    assert fitting_label(["J3.2", "J3"], wide - 0.1, 8) == "J3"
    assert fitting_label(["J3.2", "J3"], narrow - 0.1, 8) == ""
    assert placed_label(["J3.2"], wide, 5, 8) == ("J3.2", False)
    assert placed_label(["J3.2"], 1.2 * 8 + 2 * LABEL_PAD, wide, 8) == ("J3.2", True)  # upright
    assert placed_label(["J3.2"], 1.2 * 8 + 2 * LABEL_PAD - 0.1, wide, 8) == ("", False)
    assert placed_label(["J3.2"], 10, wide - 0.1, 8) == ("", False)


def test_cli_draws_a_vmr_migration_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "plan.png"
    inst = ROOT / "instances" / "vmr_20pms.json"
    assert main(["solve", str(inst), "-m", "rule:greedy", "--gantt", str(chart)]) == 0
    assert chart.stat().st_size > 5000
    assert "Gantt chart saved" in capsys.readouterr().out


# DataFrames -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["jssp", "fjsp"])
def test_shop_frame_has_one_row_per_operation(solved, kind: str) -> None:
    problem, result = solved[kind]
    sol = result.solution
    df = result.to_frame(problem)
    assert list(df.columns) == ["job", "op", "machine", "resource", "label", "start", "end", "duration"]
    assert len(df) == problem.num_operations
    got = set(zip(df.job, df.op, df.machine, df.start, df.end, strict=True))
    assert got == set(zip(sol.job, sol.op, sol.machine, sol.start, sol.end, strict=True))
    assert (df.duration == df.end - df.start).all()
    assert df.end.max() == result.objective
    row = df.iloc[5]
    assert row.label == f"J{row.job}.{row.op}" and row.resource == f"M{row.machine}"
    assert df.equals(problem.to_frame(sol))


def test_smtt_frame_has_one_row_per_job_with_tardiness(solved) -> None:
    problem, result = solved["smtt"]
    df = result.to_frame(problem)
    assert len(df) == problem.num_jobs
    assert {"position", "job", "start", "end", "duration", "due", "weight", "tardiness"} <= set(df.columns)
    assert list(df.job) == list(result.solution.sequence)
    assert list(df.end) == list(np.cumsum(problem.p[result.solution.sequence]))
    assert list(df.due) == list(problem.d[result.solution.sequence])
    assert (df.tardiness == np.maximum(0, df.end - df.due)).all()
    assert df.weighted_tardiness.sum() == result.objective


def test_rcpsp_frame_has_one_row_per_activity(solved) -> None:
    problem, result = solved["rcpsp"]
    df = result.to_frame(problem)
    assert len(df) == problem.num_activities
    assert list(df.columns[:6]) == ["activity", "label", "resource", "start", "end", "duration"]
    assert list(df.columns[6:]) == [f"R{r + 1}" for r in range(problem.num_resources)]
    assert list(df.activity) == list(range(1, problem.num_activities + 1))
    assert list(df.start) == list(result.solution.start)
    assert list(df.duration) == list(problem.duration)
    assert df.end.max() == result.objective
    j = int(np.argmax(problem.demand[:, 0] / problem.capacity[0]))
    assert df.R1.iloc[j] == problem.demand[j, 0]


def test_vmr_frame_has_one_row_per_migration(solved) -> None:
    problem, result = solved["vmr"]
    plan = result.solution
    df = result.to_frame(problem)
    assert len(df) == len(plan) > 0
    assert list(df.step) == list(range(1, len(plan) + 1))
    assert list(df.vm) == list(plan.vm) and list(df.to_pm) == list(plan.dst_pm)
    assert list(df.from_pm) == list(plan.src_pm) and list(df.to_numa) == list(plan.dst_numa)
    assert list(df.vm_name) == [problem.vm_names[v] for v in plan.vm]
    assert list(df.to_name) == [problem.pm_names[p] for p in plan.dst_pm]
    assert list(df.cpu) == list(problem.vm_cpu[plan.vm])


def test_to_frame_errors(solved) -> None:
    problem, result = solved["jssp"]
    other, _ = solved["smtt"]
    with pytest.raises(sk.InvalidParameterError, match="smtt"):
        result.to_frame(other)
    empty = sk.Result(sk.Status.UNKNOWN, None, None, None, problem_kind="jssp")
    with pytest.raises(sk.InvalidParameterError, match="no solution"):
        empty.to_frame(problem)


def test_project_frame_and_gantt_use_the_chosen_modes(tmp_path: Path) -> None:
    """A multi-mode project: the table has each activity's chosen mode, its duration and
    demands; the chart has one row per activity of positive duration."""
    problem = sk.generate("project", n=8, modes=2, max_lags=1, seed=3)
    result = sk.solve(problem, "cpsat", time_limit=10, workers=1)
    assert result.solution is not None
    frame = problem.to_frame(result.solution)
    sol = result.solution
    durations = problem.durations_of(sol)
    assert list(frame["mode"]) == [int(m) + 1 for m in sol.mode]
    assert list(frame["duration"]) == [int(d) for d in durations]
    assert list(frame["end"] - frame["start"]) == list(frame["duration"])
    chosen = problem.mode_ptr[:-1] + sol.mode
    for r in range(problem.num_resources):
        assert list(frame[f"R{r + 1}"]) == problem.demand[chosen, r].tolist()
    for r in range(problem.num_nonrenewable):
        assert list(frame[f"N{r + 1}"]) == problem.consumption[chosen, r].tolist()
    fig = sk.plot.gantt(problem, sol, path=tmp_path / "project.png")
    assert (tmp_path / "project.png").stat().st_size > 0
    assert len(fig.axes[0].get_yticks()) == int((durations > 0).sum())


def test_rescheduled_rcpsp_gantt_shades_the_frozen_part(tmp_path: Path) -> None:
    problem = sk.read(ROOT / "instances" / "rcpsp_n30.sm")
    old = sk.solve(problem, "rule:lft").solution
    events = [{"type": "breakdown", "resource": 1, "start": 10, "end": 20}]
    r = sk.reschedule(problem, old, events, at=10, method="right-shift")
    fig = sk.plot.gantt(r.problem, r.solution, frozen_before=10)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(lab.startswith("frozen") for lab in labels)
    with pytest.raises(sk.InvalidParameterError, match="machine rows"):
        sk.plot.gantt(r.problem, r.solution, downtime=[(0, 10, 20)])
    import matplotlib.pyplot as plt

    plt.close("all")
