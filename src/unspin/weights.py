"""The fitted logistic models' weights, shipped as package data (unspin/data/weights.json)."""

from __future__ import annotations

import importlib.resources
import json
import math
from collections.abc import Sequence
from functools import cache


@cache
def _bundle() -> dict:
    path = importlib.resources.files("unspin") / "data" / "weights.json"
    return json.loads(path.read_text(encoding="utf-8"))


def bundled(section: str, names: Sequence[str]) -> tuple[tuple[float, ...], float] | None:
    """(weights in the order of `names`, intercept) of one model; None if it was never fitted.

    A feature missing from the file weighs 0, so a new feature is harmless until refitted.
    """
    data = _bundle().get(section)
    if data is None:
        return None
    return tuple(float(data["weights"].get(n, 0.0)) for n in names), float(data["intercept"])


def threshold(name: str, default: float) -> float:
    return float(_bundle().get(name, default))


def linear(weights: Sequence[float], intercept: float, features: Sequence[float]) -> float:
    return intercept + sum(w * f for w, f in zip(weights, features, strict=True))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
