"""Project formats: ProGen/max .sch and PSPLIB .mm read from the shared sets, sniffed, written
back; malformed files rejected with one line naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

import schedkit as sk
from schedkit.errors import InvalidParameterError, ParseError
from schedkit.formats.progen import read_sch, sniff_sch, write_sch
from schedkit.formats.psplib import sniff_sm
from schedkit.formats.psplib_mm import read_mm, sniff_mm, write_mm
from tests.conftest import shared_path

SCH = """2\t1\t0\t0
0\t1\t2\t1\t2\t[0]\t[0]
1\t1\t1\t3\t[4]
2\t1\t2\t3\t1\t[3]\t[-5]
3\t1\t0
0\t1\t0\t0
1\t1\t4\t2
2\t1\t3\t1
3\t1\t0\t0
2
"""

MM = """************************************************************************
file with basedata            : tiny.bas
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  10
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  1   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        2          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  N 1
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     2       2    3
         2     4       1    1
  3      1     3       1    1
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  N 1
    2    3
************************************************************************
"""


def test_sch_reads_the_example_exactly() -> None:
    p = read_sch(SCH, "t.sch")
    assert p.num_activities == 4 and p.single_mode and p.number_from == 0
    assert sorted(zip(p.arc_from.tolist(), p.arc_to.tolist(), p.arc_lag.tolist(), strict=True)) == [
        (0, 1, 0),
        (0, 2, 0),
        (1, 3, 4),
        (2, 1, -5),
        (2, 3, 3),
    ]
    assert not p.arc_fs.any()
    assert p.duration.tolist() == [0, 4, 3, 0] and p.capacity.tolist() == [2]
    back = read_sch(write_sch(p), "t.sch")
    assert back == p


def test_mm_reads_the_example_exactly() -> None:
    p = read_mm(MM, "tiny.mm")
    assert p.num_activities == 4 and p.num_modes == 5 and p.number_from == 1
    assert p.duration.tolist() == [0, 2, 4, 3, 0]
    assert p.demand[:, 0].tolist() == [0, 2, 1, 1, 0]
    assert p.consumption[:, 0].tolist() == [0, 3, 1, 1, 0]
    assert p.budget.tolist() == [3] and p.arc_fs.all() and (p.arc_lag == 0).all()
    assert read_mm(write_mm(p), "tiny.mm") == p


def test_sniffers_tell_the_formats_apart() -> None:
    assert sniff_sch(SCH) and not sniff_mm(SCH) and not sniff_sm(SCH)
    assert sniff_mm(MM) and not sniff_sm(MM) and not sniff_sch(MM)


def test_sk_read_sniffs_both_formats_without_their_extension(tmp_path: Path) -> None:
    for text, kind_fmt in ((SCH, "sch"), (MM, "mm")):
        path = tmp_path / f"instance_{kind_fmt}.txt"
        path.write_text(text)
        p = sk.read(path)
        assert p.kind == "project", kind_fmt


def test_shared_files_read() -> None:
    ubo = sk.read(shared_path("rcpsp_max", "ubo10", "psp1.sch"))
    assert ubo.kind == "project" and ubo.num_activities == 12 and ubo.num_resources == 5
    assert (ubo.arc_lag < 0).sum() == 6
    ubo20 = sk.read(shared_path("rcpsp_max", "ubo20", "psp1.sch"))
    assert ubo20.num_activities == 22
    j10 = sk.read(shared_path("mrcpsp", "j10", "j1010_1.mm"))
    assert j10.num_activities == 12 and j10.num_modes == 32
    assert j10.num_resources == 2 and j10.num_nonrenewable == 2
    assert j10.capacity.tolist() == [11, 9] and j10.budget.tolist() == [42, 17]
    # job 3, mode 3 (the file's line "         3    10       8    0    0    6")
    m = j10.modes(2)[2]
    assert (j10.duration[m], *j10.demand[m], *j10.consumption[m]) == (10, 8, 0, 0, 6)
    j20 = sk.read(shared_path("mrcpsp", "j20", "j2010_1.mm"))
    assert j20.num_activities == 22
    assert read_mm(write_mm(j10), "x.mm") == j10


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("2\t1\t0\t0", "2\t1\t3\t0", 1, "non-renewable or doubly constrained"),
        ("1\t1\t1\t3\t[4]", "1\t1\t1\t3", 3, "1 successors need 1 ids and 1 bracketed lags"),
        ("1\t1\t1\t3\t[4]", "1\t1\t1\t7\t[4]", 3, "successor 7 does not exist"),
        ("1\t1\t1\t3\t[4]", "1\t1\t1\t3\t[x]", 3, "time lag 'x' is not an integer"),
        ("1\t1\t1\t3\t[4]", "1\t2\t1\t3\t[4]", 3, "only single-mode .sch"),
        ("1\t1\t1\t3\t[4]", "5\t1\t1\t3\t[4]", 3, "expected activity number 1, got 5"),
        ("1\t1\t4\t2", "1\t1\t4", 7, "expected 'id mode duration' and 1 demands"),
        ("1\t1\t4\t2", "1\t1\t-4\t2", 7, "negative duration -4"),
        ("3\t1\t0\t0\n2\n", "3\t1\t0\t0\n", 10, "file ends early"),
        ("3\t1\t0\t0\n2\n", "3\t1\t0\t0\n2 2\n", 10, "expected 1 capacities, got 2"),
    ],
)
def test_sch_errors_name_file_and_line(old: str, new: str, line: int, message: str) -> None:
    assert old in SCH
    with pytest.raises(ParseError) as err:
        read_sch(SCH.replace(old, new, 1), "bad.sch")
    text = str(err.value)
    assert text.startswith(f"bad.sch:{line}: "), text
    assert message in text and "\n" not in text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "   2        2          1           4",
            "   2        2          1           9",
            "successor 9 does not exist",
        ),
        ("   3        1          1           4", "   3        1          1           1", "precedence cycle"),
        (
            "   2        2          1           4",
            "   2        2          2           4",
            "2 successors declared",
        ),
        ("         2     4       1    1", "         3     4       1    1", "expected mode 2, got 3"),
        (
            "         2     4       1    1",
            "         2     4       1",
            "expected 'mode duration', 1 renewable",
        ),
        ("  2      1     2       2    3", "  2      1     2       2", "expected 'jobnr mode duration'"),
        ("  3      1     3       1    1", "  4      1     3       1    1", "expected job number 3, got 4"),
        (
            "  R 1  N 1\n    2    3\n",
            "  R 1  N 1\n    2\n",
            "expected 1 renewable and 1 non-renewable capacities, got 1",
        ),
        (
            "  - doubly constrained        :  0   D",
            "  - doubly constrained        :  1   D",
            "doubly constrained",
        ),
        ("  4      1     0       0    0\n", "", "truncated block"),
    ],
)
def test_mm_errors_name_file_and_line(old: str, new: str, message: str) -> None:
    assert MM.count(old) == 1
    bad = MM.replace(old, new, 1)
    with pytest.raises(ParseError) as err:
        read_mm(bad, "bad.mm")
    text = str(err.value)
    assert text.startswith("bad.mm:"), text
    assert err.value.line is not None
    assert message in text and "\n" not in text


def test_writers_refuse_what_the_format_cannot_hold() -> None:
    p = read_mm(MM, "tiny.mm")
    with pytest.raises(InvalidParameterError, match="several modes"):
        write_sch(p)
    q = read_sch(SCH, "t.sch")
    with pytest.raises(InvalidParameterError, match="finish-to-start with lag 0"):
        write_mm(q)
