"""Models with named features, stored in unspin/data/weights.json.

Every model of the pipeline (channel, occurrence, decision, document) is a logistic one; the
spin rate a text's context fit speaks for is a linear one. Features are passed by name, so
adding a feature never silently shifts the others, and a feature missing from the stored
weights weighs 0 until the model is refitted.
"""

from __future__ import annotations

import importlib.resources
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Self

import numpy as np

WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True)
class NamedWeights:
    """intercept + sum(weight[name] * feature[name]): what every model here computes."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights):
            raise ValueError(f"{len(self.features)} feature names but {len(self.weights)} weights")

    @classmethod
    def bundled(cls, section: str, features: Sequence[str], stored: Mapping | None = None) -> Self:
        """Model `section` of a weights file (the shipped one unless `stored` is given)."""
        data = (bundle() if stored is None else stored).get(section)
        if data is None:
            raise RuntimeError(f"the weights have no '{section}' model; run scripts/calibrate.py")
        return cls.from_dict(data, features)

    @classmethod
    def from_dict(cls, data: Mapping, features: Sequence[str]) -> Self:
        stored = data["weights"]
        return cls(
            tuple(features),
            tuple(float(stored.get(n, 0.0)) for n in features),
            float(data["intercept"]),
        )

    def weight(self, name: str) -> float:
        """The weight of feature `name` (KeyError if the model has no such feature)."""
        try:
            return self.weights[self.features.index(name)]
        except ValueError:
            raise KeyError(f"the model has no feature '{name}'") from None

    def to_dict(self) -> dict:
        return {
            "weights": {n: round(w, 5) for n, w in zip(self.features, self.weights, strict=True)},
            "intercept": round(self.intercept, 5),
        }

    def linear(self, columns: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """The weighted sum of every row; `columns` maps each feature name to its values."""
        missing = [n for n in self.features if n not in columns]
        if missing:
            raise KeyError(f"features not computed: {', '.join(missing)}")
        total = np.float64(self.intercept)
        for name, weight in zip(self.features, self.weights, strict=True):
            if weight:
                total = total + weight * np.asarray(columns[name], dtype=float)
        return np.asarray(total, dtype=float)

    def matrix(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """The feature matrix in this model's column order (for fitting)."""
        return np.column_stack([np.asarray(columns[n], dtype=float) for n in self.features])


@dataclass(frozen=True)
class LogisticModel(NamedWeights):
    """log-odds = intercept + sum(weight[name] * feature[name])."""

    def log_odds(self, columns: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """Log-odds of every row; `columns` maps each feature name to its values."""
        return self.linear(columns)

    @classmethod
    def fit(
        cls,
        features: Sequence[str],
        columns: Mapping[str, np.ndarray],
        labels: np.ndarray,
        fixed: Mapping[str, float] | None = None,
        l2: float = 1.0,
        sample_weight: np.ndarray | None = None,
    ) -> LogisticModel:
        """L2-regularised maximum likelihood on standardised features.

        `fixed` weights are set by hand (priors the simulation cannot teach) and enter as an
        offset, which scikit-learn's LogisticRegression has no place for, hence scipy here.
        """
        from scipy.optimize import minimize

        fixed = dict(fixed or {})
        free = [n for n in features if n not in fixed]
        y = np.asarray(labels, dtype=float)
        x = np.column_stack([np.asarray(columns[n], dtype=float) for n in free])
        offset = np.zeros(len(y))
        for name, weight in fixed.items():
            offset += weight * np.asarray(columns[name], dtype=float)
        mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-9)
        z = (x - mean) / scale
        w_rows = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        sign = 2 * y - 1

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            margin = sign * (z @ theta[1:] + theta[0] + offset)
            nll = np.logaddexp(0.0, -margin)
            grad_margin = -w_rows * sign * sigmoid(-margin)
            grad = np.concatenate([[grad_margin.sum()], z.T @ grad_margin])
            grad[1:] += l2 * theta[1:]
            return float(w_rows @ nll + 0.5 * l2 * theta[1:] @ theta[1:]), grad

        result = minimize(loss, np.zeros(len(free) + 1), jac=True, method="L-BFGS-B")
        fitted = result.x[1:] / scale
        intercept = float(result.x[0] - fitted @ mean)
        weights = dict(zip(free, fitted, strict=True))
        weights.update(fixed)
        return cls(tuple(features), tuple(float(weights[n]) for n in features), intercept)


@dataclass(frozen=True)
class LinearModel(NamedWeights):
    """value = intercept + sum(weight[name] * feature[name]), fitted by least squares: for a
    quantity that is not a probability of one event (a document's spin rate)."""

    def predict(self, columns: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """The value of every row; `columns` maps each feature name to its values."""
        return self.linear(columns)

    @classmethod
    def fit(
        cls,
        features: Sequence[str],
        columns: Mapping[str, np.ndarray],
        targets: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> LinearModel:
        """Weighted least squares (each row counts `sample_weight` times)."""
        y = np.asarray(targets, dtype=float)
        if not len(y):
            raise ValueError("no rows to fit on")
        x = np.column_stack([np.ones(len(y)), *(np.asarray(columns[n], float) for n in features)])
        root = np.sqrt(np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight))
        solution = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
        return cls(tuple(features), tuple(float(w) for w in solution[1:]), float(solution[0]))


def calibration_error(
    confidences: Sequence[float], outcomes: Sequence[bool], bins: int = 5
) -> float:
    """Expected calibration error: |mean confidence - share right| per equal-width bin, weighted."""
    if not confidences:
        return 0.0
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [
            (c, o)
            for c, o in zip(confidences, outcomes, strict=True)
            if low <= c < high or (b == bins - 1 and c == 1.0)
        ]
        if members:
            gap = sum(c for c, _ in members) / len(members) - sum(o for _, o in members) / len(
                members
            )
            total += abs(gap) * len(members)
    return total / len(confidences)


def sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def weights_path() -> Path:
    return Path(str(importlib.resources.files("unspin") / "data" / WEIGHTS_FILE))


def read_weights(path: Path) -> dict:
    """A weights file written by scripts/calibrate.py."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_sections(path: Path, sections: Mapping[str, object]) -> None:
    """Put `sections` into the weights file at `path` (made if missing), every other section
    as it was: each fitting script refits its own models and leaves the others' alone. The
    shipped file's cached copy is forgotten, so what runs next in the process reads them."""
    path = Path(path)
    stored = read_weights(path) if path.exists() else {}
    stored.update(sections)
    path.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
    bundle.cache_clear()


@cache
def bundle() -> dict:
    path = weights_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
