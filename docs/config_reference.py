"""Write ``docs/config.md``, the config reference, from the schema (``sim/config/schema/``).

Run ``python docs/config_reference.py`` after changing the schema;
``tests/test_config_reference.py`` fails while ``docs/config.md`` differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from sim.config.reference import markdown_reference

TARGET = Path(__file__).resolve().parent / "config.md"


def main() -> None:
    TARGET.write_text(markdown_reference(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
