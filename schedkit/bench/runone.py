"""``python -m schedkit.bench.runone SPEC.json RECORD.json``: one run in a fresh process.

The entry point of :func:`schedkit.bench.worker.run_isolated`. The record is written through a
temporary file, so the caller finds either a whole record or none.
"""

from __future__ import annotations

import json
import os
import sys

from schedkit.bench.worker import execute_run


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        job = json.load(fh)
    record = execute_run(job["spec"], job.get("solutions_dir"), warm=True)
    tmp = f"{argv[1]}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
