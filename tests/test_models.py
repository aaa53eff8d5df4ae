"""Named logistic models, the config object and the resources loader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unspin.config import Config
from unspin.logistic import (
    LinearModel,
    LogisticModel,
    calibration_error,
    sigmoid,
    write_sections,
)


def synthetic(n: int = 4000, seed: int = 0):
    rng = np.random.default_rng(seed)
    columns = {name: rng.normal(size=n) for name in ("a", "b", "prior")}
    z = 0.5 + 2.0 * columns["a"] - 1.0 * columns["b"] + 3.0 * columns["prior"]
    labels = (rng.random(n) < sigmoid(z)).astype(float)
    return columns, labels


def test_fit_recovers_the_weights_by_name():
    columns, labels = synthetic()
    model = LogisticModel.fit(("a", "b", "prior"), columns, labels, l2=0.01)
    weights = dict(zip(model.features, model.weights, strict=True))
    assert weights["a"] == pytest.approx(2.0, abs=0.25)
    assert weights["b"] == pytest.approx(-1.0, abs=0.2)
    assert weights["prior"] == pytest.approx(3.0, abs=0.35)


def test_fixed_weights_stay_as_set():
    columns, labels = synthetic()
    model = LogisticModel.fit(("a", "b", "prior"), columns, labels, fixed={"prior": 1.0})
    assert dict(zip(model.features, model.weights, strict=True))["prior"] == 1.0


def test_features_are_matched_by_name_not_position():
    model = LogisticModel(("a", "b"), (2.0, -1.0), 0.5)
    stored = model.to_dict()
    reordered = LogisticModel.from_dict(stored, ("b", "a", "new"))
    columns = {"a": np.array([1.0]), "b": np.array([3.0]), "new": np.array([7.0])}
    assert reordered.log_odds(columns) == pytest.approx(model.log_odds(columns))
    assert reordered.weights[2] == 0.0  # a feature the file does not know weighs nothing


def test_a_missing_feature_is_an_error_not_a_zero():
    model = LogisticModel(("a", "b"), (2.0, -1.0), 0.5)
    with pytest.raises(KeyError, match="b"):
        model.log_odds({"a": np.array([1.0])})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_chars": 0}, "max_chars"),
        ({"min_words_for_verdict": -5}, "min_words_for_verdict"),
        ({"max_candidates": 0}, "max_candidates"),
        ({"candidate_pool": 10}, "candidate_pool"),
        ({"context_cut_weight": -0.5}, "context_cut_weight"),
        ({"context_cut_weight": float("nan")}, "context_cut_weight"),
        ({"channel_margin": -1.0}, "channel_margin"),
        ({"profile_replace_rate": 1.0}, "profile_replace_rate"),
    ],
)
def test_config_refuses_values_that_cannot_work(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Config(**kwargs)


def test_every_shipped_model_loads_with_its_features(analyzer):
    from unspin.logistic import bundle

    models = analyzer.resources.models
    stored = bundle()
    for section in ("occurrence", "decision", "document"):
        model = getattr(models, section)
        # Every feature the code computes was fitted, and the file has no stale names.
        assert set(stored[section]["weights"]) == set(model.features), section
    assert "rate_logit" in models.decision.features
    assert np.isfinite(models.threshold)
    assert set(stored["context_rate"]["weights"]) == set(models.context_rate.features)
    # A text whose words sit more oddly in their context was spun more.
    assert models.context_rate.weight("context_fit") < 0


def test_a_linear_model_fits_a_line_by_name_and_weighs_its_rows():
    fit = np.array([0.0, 1.0, 2.0, 3.0])
    rate = 0.4 - 0.2 * fit
    model = LinearModel.fit(("context_fit",), {"context_fit": fit}, rate)
    assert model.weight("context_fit") == pytest.approx(-0.2)
    assert model.intercept == pytest.approx(0.4)
    assert model.predict({"context_fit": np.array([1.5])}) == pytest.approx([0.1])
    # A row weighted zero does not pull the line; weighted rows do.
    outlier = {"context_fit": np.append(fit, 1.0)}
    ignored = LinearModel.fit(
        ("context_fit",), outlier, np.append(rate, 5.0), sample_weight=np.array([1, 1, 1, 1, 0])
    )
    assert ignored.weight("context_fit") == pytest.approx(-0.2)
    pulled = LinearModel.fit(("context_fit",), outlier, np.append(rate, 5.0))
    assert pulled.intercept > 0.4 + 0.5
    # Stored and read back as the logistic models are.
    again = LinearModel.from_dict(model.to_dict(), ("context_fit",))
    assert again.weight("context_fit") == pytest.approx(-0.2) and isinstance(again, LinearModel)
    with pytest.raises(ValueError, match="no rows"):
        LinearModel.fit(("context_fit",), {"context_fit": np.zeros(0)}, np.zeros(0))


def test_resources_can_take_the_models_of_another_weights_file(tmp_path):
    """Benchmarks on a held-out spinner family load models fitted without it this way."""
    import json

    from unspin.logistic import bundle
    from unspin.resources import Resources

    stored = dict(bundle())
    stored["threshold"] = 4.25
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert Resources(weights=path).models.threshold == 4.25
    assert Resources().models.threshold == bundle()["threshold"]


def test_calibration_error_of_perfect_and_overconfident_predictions():
    assert calibration_error([1.0, 1.0, 0.0], [True, True, False]) == 0.0
    # Four spans at 0.9 confidence of which two are right: gap 0.4 in one bin.
    assert calibration_error([0.9] * 4, [True, True, False, False]) == pytest.approx(0.4)
    # Two bins: 0.1 with 0 of 2 right (gap 0.1), 0.7 with 1 of 2 right (gap 0.2): mean 0.15.
    assert calibration_error([0.1, 0.1, 0.7, 0.7], [False, False, True, False]) == pytest.approx(
        0.15
    )
    assert calibration_error([], []) == 0.0


def test_write_sections_replaces_only_the_sections_given(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    write_sections(path, {"channel": {"intercept": 1.0}})  # a missing file is made
    write_sections(path, {"decision": {"intercept": 2.0}, "threshold": 1.5})
    write_sections(path, {"threshold": 2.0})
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "channel": {"intercept": 1.0},
        "decision": {"intercept": 2.0},
        "threshold": 2.0,
    }
