"""Rewrite the regression fixture from the current code, listing what changed.

python -m tests.regression.update [CASE ...]
"""

from __future__ import annotations

import json
import math
import sys

import pandas as pd

from tests.regression.cases import FIXTURES, cases, fixture_paths, outcome


def main(names: list[str]) -> None:
    FIXTURES.mkdir(exist_ok=True)
    for name in names or list(cases()):
        summary, events = outcome(name)
        summary_path, events_path = fixture_paths(name)
        if summary_path.is_file():
            old = json.loads(summary_path.read_text())
            for key in sorted(set(old) | set(summary)):
                a, b = old.get(key), summary.get(key)
                same = a == b or (
                    isinstance(a, float)
                    and isinstance(b, float)
                    and math.isclose(a, b, rel_tol=1e-9)
                )
                if not same:
                    print(f"{name}: {key}: {a!r} -> {b!r}")
            if events_path.is_file() and not pd.read_parquet(events_path).equals(events):
                print(f"{name}: events changed")
        summary_path.write_text(json.dumps(summary, indent=1) + "\n")
        events.to_parquet(events_path, index=False)
        print(f"{name}: written", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
