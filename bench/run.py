"""Run every benchmark (``python bench/run.py``) or some (``python bench/run.py B1 B3``)."""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_database, setup_django  # noqa: E402


def main(argv: list[str]) -> int:
    setup_django()
    ensure_database()
    wanted = {a.upper() for a in argv}
    modules = sorted(p.stem for p in Path(__file__).parent.glob("b[0-9]*_*.py"))
    failed = False
    for name in modules:
        bench_id = name.split("_", 1)[0].upper()
        if wanted and bench_id not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue  # a diagnosis script run on its own (b1_schema_floor.py, b3_schema_floor.py)
        for figure in module.run():
            print(figure.line(), flush=True)
            failed |= not figure.meets
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
