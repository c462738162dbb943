"""Run ids: a readable, stable label per variant from its parameters (``energy_mwh-400``), and
the text of a parameter's value in an id or a table."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

ID_MAX_CHARS = 80


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        text = f"{value:.6g}"  # 2e+06 would read as 2e-06 once "+" is replaced: write 2e6
        mantissa, plus, exponent = text.partition("e+")
        return f"{mantissa}e{int(exponent)}" if plus else text
    if isinstance(value, (int, str)):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _short_names(keys: list[str]) -> dict[str, str]:
    """Each key's last name (``energy_mwh``), or its whole path where two last names clash."""
    leaf = {k: re.sub(r"\[(\d+)\]", r".\1", k).split(".")[-1] for k in keys}
    counts: dict[str, int] = {}
    for name in leaf.values():
        counts[name] = counts.get(name, 0) + 1
    return {k: leaf[k] if counts[leaf[k]] == 1 else re.sub(r"\[(\d+)\]", r".\1", k) for k in keys}


def _digest(params: dict[str, Any]) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _variant_labels(variants: list[dict[str, Any]], keys: list[str]) -> list[str]:
    """Readable, stable labels: ``energy_mwh-400_duration_h-2``; a hash is added where two
    labels would clash or one is too long."""
    short = _short_names(keys)
    labels = []
    for params in variants:
        text = "_".join(f"{short[k]}-{_fmt_value(v)}" for k, v in params.items()) or "base"
        labels.append(re.sub(r"[^A-Za-z0-9._-]+", "-", text))
    counts = Counter(labels)
    clashes = {label for label in labels if counts[label] > 1}
    return [
        f"{label[:60]}-{_digest(params)}"
        if label in clashes or len(label) > ID_MAX_CHARS
        else label
        for label, params in zip(labels, variants, strict=True)
    ]
