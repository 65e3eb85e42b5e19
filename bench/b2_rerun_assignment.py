"""B2: run the B1 assignment again with nothing changed: at most half of B1's own first run, 0 rows written."""

from __future__ import annotations

from bench.b1_assign_audience import first_run
from bench.common import Figure, timer


def run() -> list[Figure]:
    from assignments.services.engine import assignment_materialise

    first = first_run()
    with timer() as again:
        written = assignment_materialise(assignment_id=first["assignment_id"])
    return [
        Figure(
            "B2",
            "re-run 100k assignment",
            again(),
            "s",
            "<= 0.5, 0 rows written",
            again() <= 0.5 * first["seconds"] and written == 0,
            floor=first["seconds"],
            extra=f"{written} rows written",
        )
    ]
