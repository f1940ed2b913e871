"""The HTML report: the Markdown rendered (no raw markers), its tables cell for cell, the figure's
labels and legends, and (where a headless Chromium is installed) what a browser shows."""

from __future__ import annotations

import base64
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from schedkit.bench import Store
from schedkit.bench.discover import Instance, Reference
from schedkit.bench.report import (
    md_code,
    md_escape,
    run_table,
    runs_frame,
    summary_of,
    summary_table,
    write_report,
)
from schedkit.bench.runs import RunSpec
from schedkit.bench.worker import failure
from schedkit.cli import main
from schedkit.plot.benchmark import profile_figure

ERROR = "boom **bold** `code` <b>x</b> | pipe _under_ [link](http://x)"
RUN_HEAD = ["instance", "method", "seed", "status", "objective", "bound", "best known", "gap %", "time (s)"]


class _Page(HTMLParser):
    """Text, tables (rows of cell texts, header first), tags and image sources of a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.tags: list[str] = []
        self.images: list[str] = []
        self._skip = 0
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("style", "script", "head"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if not self._skip:
            self.text.append(data)


def _store(path: Path, tricky: bool) -> Path:
    """A store of two sets, two methods, two seeds; with ``tricky`` names and an error message full
    of Markdown and HTML markup, one run the checker rejected and failed runs."""
    name, s = ("_a_*b*", "s`1`") if tricky else ("a", "s")
    insts = [
        Instance("/s/a.txt", "/s/a.txt", None, name, s, "jssp", "da", Reference(90, 100, False)),
        Instance("/s/b.txt", "/s/b.txt", None, "la_01", s, "jssp", "db", None),
        Instance("/t/c.txt", "/t/c.txt", None, "c", "t", "jssp", "dc", None),
    ]
    outcomes = [  # instance, method, seed, status, objective, lower bound, verdict
        (0, "x", 0, "OPTIMAL", 100, 100, "feasible"),
        (0, "x", 1, "FEASIBLE", 104, 95, "feasible"),
        (0, "h", 0, "FEASIBLE", 120, None, "feasible"),
        (0, "h", 1, "ERROR", None, None, None),
        (1, "x", 0, "FEASIBLE", 48, 45, "feasible"),
        (1, "h", 0, "FEASIBLE", 40, None, "infeasible: job 1 overlaps job 2 on machine 0"),
        (2, "x", 0, "TIMEOUT", None, None, None),
        (2, "h", 0, "FEASIBLE", 33, 10, "feasible"),
    ]
    with Store(path) as st:
        for k, method, seed, status, obj, lb, verdict in outcomes:
            spec = RunSpec(insts[k], method, seed, 10, 1, {})
            rec = failure(spec.to_dict(), status, ERROR if tricky else "boom", 0.25)
            if verdict is not None:
                rec.update(objective=obj, lower_bound=lb, runtime=1.5, error=None, check=verdict)
            st.add(spec, rec)
    return path


def _check_rendered(page: str) -> _Page:
    """The page as a reader sees it: no Markdown markers, headings and the five tables."""
    doc = _Page(page)
    text = "".join(doc.text)
    for marker in ("**", "`", "|---", "](", "# "):
        assert marker not in text, marker
    assert {"h1", "h2", "h3", "ul", "li", "em", "code", "img"} <= set(doc.tags)
    assert text.count("Benchmark report") == 1 and "Summary per set and method" in text
    # summary, failed runs, per instance, every run of set s and of set t
    assert len(doc.tables) == 5
    assert doc.tables[0][0][:3] == ["set", "method", "limit (s)"]
    assert [t[0] for t in doc.tables[3:]] == [RUN_HEAD, RUN_HEAD]
    assert len(doc.tables[3]) - 1 == 6 and len(doc.tables[4]) - 1 == 2  # one row per run
    return doc


def test_html_report_renders_the_markdown(tmp_path: Path) -> None:
    db = _store(tmp_path / "r.db", tricky=False)
    page_path, md_path = tmp_path / "r.html", tmp_path / "r.md"
    assert main(["report", str(db), "--html", str(page_path), "--out", str(md_path)]) == 0
    page = page_path.read_text()
    doc = _check_rendered(page)
    # the figure is embedded as a PNG
    [src] = doc.images
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # the Markdown file keeps its short form (per-instance tables on request) and links the PNG
    md = md_path.read_text()
    assert "## Every run" not in md and "](r.png)" in md and "| s | h | 10 | 2 | 3 | 1 | 0 | 1 |" in md
    assert "## Every run" in write_report(db, per_instance=True)


def test_html_tables_match_the_report_cell_for_cell(tmp_path: Path) -> None:
    """Names and messages full of Markdown and HTML come out literally, not as markup."""
    db = _store(tmp_path / "r.db", tricky=True)
    write_report(db, html_out=tmp_path / "r.html", figures=False)
    doc = _Page((tmp_path / "r.html").read_text())
    df = runs_frame(db)
    head, rows = summary_table(summary_of(df))
    assert doc.tables[0] == [head, *rows]
    assert doc.tables[0][1][0] == "s`1`"
    failed = doc.tables[1]
    assert failed[0] == ["set", "instance", "method", "seed", "status", "error"]
    assert [r[5] for r in failed[1:]] == [ERROR, ERROR]
    for table, set_name in zip(doc.tables[3:], ["s`1`", "t"], strict=True):
        head, rows = run_table(df[df["instance_set"] == set_name])
        assert table == [head, *rows]
    runs = {(r[0], r[1], r[2]): r for r in doc.tables[3][1:]}
    assert runs[("_a_*b*", "x", "1")][3:] == ["FEASIBLE", "104", "95", "100", "4.00", "1.50"]
    assert runs[("la_01", "h", "0")][3:] == ["FEASIBLE, infeasible", "40", "-", "48", "-", "1.50"]
    assert runs[("_a_*b*", "h", "1")][3:] == ["ERROR", "-", "-", "100", "-", "0.25"]
    # no markup was made of the names and the message
    assert not {"strong", "b", "a", "script"} & set(doc.tags)


def test_markdown_escapes() -> None:
    assert md_escape("la_01 rule:mwkr 1.5") == "la_01 rule:mwkr 1.5"  # nothing to escape: unchanged
    assert md_escape("_x_ *y* `z` a|b <i>") == r"\_x\_ \*y\* \`z\` a\|b \<i\>"
    assert md_code("a b") == "`a b`" and md_code("a`b") == "``a`b``" and md_code("`x") == "`` `x ``"


def test_figure_has_labels_and_legends(tmp_path: Path) -> None:
    fig = profile_figure(runs_frame(_store(tmp_path / "r.db", tricky=False)))
    axes = fig.get_axes()
    assert len(axes) == 4  # two sets, two panels each
    for ax in axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        legend = ax.get_legend()
        assert legend is not None and legend.get_title().get_text() == "method"
    for ax, n in zip(axes, [3, 3, 1, 1], strict=True):  # sets s, s, t, t
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"h (n={n})", f"x (n={n})"]
    # set t has no proven optimum: its time panel says so
    assert "no run proved optimality" in [t.get_text() for t in axes[3].texts]
    assert not axes[1].texts  # set s has one


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium installed")
def test_headless_browser_shows_rendered_tables(tmp_path: Path) -> None:
    db = _store(tmp_path / "r.db", tricky=False)
    page = tmp_path / "r.html"
    write_report(db, html_out=page)
    base = [str(_browser()), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    base.append(f"--user-data-dir={tmp_path / 'profile'}")
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    _check_rendered(dom.stdout)
    shot = tmp_path / "shot.png"
    cmd = [*base, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert (pixels.min(axis=2) < 0.5).mean() > 0.01  # something dark (text, tables, figure) was drawn
