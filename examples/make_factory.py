"""Build examples/factory.json: a small factory with colour-change setups and due dates.

Machines: 0 saw, 1 CNC, 2 paint, 3 packing. Paint changes between colours take time (white to
red 2, red to black 1, ...; they obey the triangle inequality); the CNC changes fixtures between
two part families (2). Order 2 is machined again after painting (a re-entrant route); orders 3
and 4 arrive later (release dates); rush orders weigh more.

Run from the project root: ``python examples/make_factory.py`` (the JSON is committed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import schedkit as sk
from schedkit.problems.jobshop import JobShop
from schedkit.problems.shop_extras import ShopExtras

SAW, CNC, PAINT, PACK = 0, 1, 2, 3
ORDERS = [  # (route of (machine, duration), colour, fixture family, release, due, weight)
    ([(SAW, 4), (CNC, 6), (PAINT, 3), (PACK, 2)], "white", "A", 0, 20, 4),
    ([(SAW, 3), (PAINT, 5), (PACK, 2)], "red", "A", 0, 18, 2),
    ([(CNC, 5), (PAINT, 4), (CNC, 3), (PACK, 1)], "white", "A", 0, 26, 2),
    ([(SAW, 6), (CNC, 4), (PAINT, 2), (PACK, 3)], "black", "A", 2, 24, 1),
    ([(SAW, 2), (CNC, 3), (PAINT, 6), (PACK, 2)], "red", "B", 4, 22, 2),
    ([(CNC, 4), (PAINT, 3), (PACK, 2)], "black", "B", 0, 16, 1),
]
#: paint: time to change from one colour to the next (the booth starts clean, i.e. white)
COLOUR_CHANGE = {
    ("white", "red"): 2, ("white", "black"): 1, ("red", "black"): 1,
    ("red", "white"): 3, ("black", "white"): 4, ("black", "red"): 2,
}  # fmt: skip
FIXTURE_CHANGE = 2


def factory() -> JobShop:
    """The factory of the module docstring as a job shop with extras."""
    n, m = len(ORDERS), 4
    setup = np.zeros((m, n + 1, n), dtype=np.int64)
    for j, (_, colour, family, *_rest) in enumerate(ORDERS):
        setup[PAINT, n, j] = COLOUR_CHANGE.get(("white", colour), 0)
        setup[CNC, n, j] = 0
        for i, (_, before, fam_before, *_r) in enumerate(ORDERS):
            setup[PAINT, i, j] = COLOUR_CHANGE.get((before, colour), 0)
            setup[CNC, i, j] = FIXTURE_CHANGE if fam_before != family else 0
    extras = ShopExtras(
        release=np.array([o[3] for o in ORDERS]),
        due=np.array([o[4] for o in ORDERS]),
        weight=np.array([o[5] for o in ORDERS]),
        setup=setup,
    )
    return JobShop.from_jobs([o[0] for o in ORDERS], num_machines=m, name="factory", extras=extras)


if __name__ == "__main__":
    out = Path(__file__).with_name("factory.json")
    sk.write(factory(), str(out), format="jssp-json")
    print(f"wrote {out}")
