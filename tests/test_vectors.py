"""Context vectors: stored compactly, read back, and judging which word the neighbours predict."""

from __future__ import annotations

import json
import lzma
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from unspin import vectors
from unspin.vectors import ContextVectors

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_vectors.py"
WORDS = ["reporters", "minister", "said", "mentioned", "storm", "rain"]


def toy(dimensions: int = 4) -> ContextVectors:
    """'reporters' and 'minister' as neighbours predict 'said'; 'storm' predicts 'rain'."""
    inputs = np.zeros((len(WORDS), dimensions), dtype=np.float32)
    outputs = np.zeros_like(inputs)
    inputs[0, 0] = inputs[1, 0] = 1.0  # reporters, minister: direction 0
    inputs[4, 1] = 1.0  # storm: direction 1
    outputs[2, 0] = 3.0  # said
    outputs[3, 0] = 0.5  # mentioned: a weaker fit with the same neighbours
    outputs[5, 1] = 2.0  # rain
    return ContextVectors({w: i for i, w in enumerate(WORDS)}, inputs, outputs)


def test_the_original_the_neighbours_predict_gains_over_the_spun_word() -> None:
    gains = toy().gains(["the", "minister", "told", "reporters"], "mentioned", ["said", "rain"])
    assert gains[0] == pytest.approx(3.0 - 0.5)
    assert gains[1] == pytest.approx(0.0 - 0.5)  # fits these neighbours no better than nothing


def test_unknown_words_count_as_no_fit_and_no_known_neighbour_gives_no_gain() -> None:
    model = toy()
    assert model.gains(["minister"], "mentioned", ["xyzzy"])[0] == pytest.approx(-0.5)
    assert model.gains(["qwerty", "xyzzy"], "mentioned", ["said", "rain"]).tolist() == [0.0, 0.0]
    # A phrase: the mean over its known words.
    assert model.gains(["minister"], "mentioned", ["said xyzzy rain"])[0] == pytest.approx(
        (3.0 + 0.0) / 2 - 0.5
    )


def test_many_slots_at_once_fit_as_each_alone() -> None:
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(30)]
    model = ContextVectors(
        {w: i for i, w in enumerate(words)},
        rng.normal(size=(30, 8)).astype(np.float32),
        rng.normal(size=(30, 8)).astype(np.float32),
    )
    slots = [
        (["w1", "w2", "unknown", "w3"], ["w4", "w5 w6", "unknown"]),
        (["unknown"], ["w7", "w8"]),
        ([], []),
        (["w9", "w9"], ["w10 unknown", "w11", "w12 w13 w14"]),
    ]
    assert model.fits_many([]) == []
    many = model.fits_many(slots)
    assert [len(fits) for fits in many] == [3, 2, 0, 3]
    for (context, wordings), fits in zip(slots, many, strict=True):
        known = [model.index[w] for w in context if w in model.index]
        for wording, fit in zip(wordings, fits, strict=True):
            rows = [model.index[w] for w in wording.split() if w in model.index]
            if not known or not rows:
                assert fit == 0.0
                continue
            centre = model.inputs[known].mean(axis=0)
            assert fit == pytest.approx(
                np.mean([model.outputs[r] @ centre for r in rows]), rel=1e-4
            )


def test_vectors_survive_storage_within_a_percent(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    inputs = rng.normal(size=(50, 16)).astype(np.float32)
    outputs = rng.normal(scale=0.1, size=(50, 16)).astype(np.float32)
    vectors.save(tmp_path, words, inputs, outputs, {"built_by": "a test"})
    loaded = ContextVectors.load(tmp_path)
    assert [loaded.index[word] for word in words] == list(range(50))
    every = np.arange(50)
    read_back = (loaded.input_vectors(every), loaded.output_vectors(every))
    for stored, read in zip((inputs, outputs), read_back, strict=True):
        cosines = np.sum(stored * read, axis=1) / (
            np.linalg.norm(stored, axis=1) * np.linalg.norm(read, axis=1)
        )
        assert cosines.min() > 0.99
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["built_by"] == "a test" and meta["words"] == 50 and meta["dimensions"] == 16


def test_a_store_of_another_format_or_mismatched_shapes_is_refused(tmp_path: Path) -> None:
    vectors.save(tmp_path, WORDS, np.ones((6, 2)), np.ones((6, 2)), {})
    meta = json.loads((tmp_path / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ValueError, match="format 99"):
        ContextVectors.load(tmp_path)
    with pytest.raises(ValueError, match="6 words"):
        ContextVectors(dict.fromkeys(WORDS, 0), np.ones((5, 2)), np.ones((6, 2)))


def toy_wikipedia(folder: Path) -> Path:
    """A Wikipedia extract in the shared data's layout whose text pairs words plainly."""
    rng = np.random.default_rng(1)
    news = ["the minister told reporters that the plan was ready", "officials told reporters"]
    weather = ["the storm brought heavy rain to the coast", "heavy rain fell in the storm"]
    rows = [
        {"id": str(i), "title": f"T{i}", "text": ". ".join(rng.choice(news + weather, 6)) + "."}
        for i in range(1500)
    ]
    (folder / "corpus").mkdir(parents=True)
    with lzma.open(folder / "corpus" / "wikipedia_2015_part00.jsonl.xz", "wt") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    return folder


def test_build_vectors_learns_which_words_go_together_the_same_way_twice(tmp_path: Path) -> None:
    data = toy_wikipedia(tmp_path / "data")
    built = []
    for run in range(2):
        out = tmp_path / f"vectors{run}"
        done = subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--data",
                str(data),
                "--out",
                str(out),
                "--dimensions",
                "16",
                "--epochs",
                "10",
                "--min-count",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        built.append([(out / f"{name}.npy").read_bytes() for name in ("inputs", "outputs")])
    assert built[0] == built[1]  # deterministic
    model = ContextVectors.load(tmp_path / "vectors0")
    assert {"storm", "rain", "reporters"} <= set(model.index)
    assert model.gains(["brought", "heavy", "to", "the"], "reporters", ["rain"])[0] > 0
    assert model.gains(["officials", "told", "that", "the"], "rain", ["reporters"])[0] > 0
    meta = json.loads((tmp_path / "vectors0" / "meta.json").read_text())
    assert "CC BY-SA 3.0" in meta["licence"] and meta["built_by"].startswith("scripts/build")


def test_build_vectors_refuses_nonsense_options(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--epochs", "0", "--out", str(tmp_path / "v")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--epochs must be at least 1, got 0" in done.stderr
    assert not (tmp_path / "v").exists()


def test_the_decoder_weighs_the_shipped_vectors_on_every_candidate(analyzer) -> None:
    """Shipped with the package, loaded by the resources and filled in for every original."""
    assert analyzer.resources.vectors is not None
    assert analyzer.resources.models.decision.weight("vector_gain") > 0
    doc = analyzer.document(
        "The minister advised reporters that the storm would reach the coast on Tuesday."
    )
    for slot in doc.slots:
        assert len(slot.columns["vector_gain"]) == len(slot.originals)
    advised = next(s for s in doc.slots if s.spun == "advised")
    gains = dict(zip(advised.originals, advised.columns["vector_gain"], strict=True))
    # 'told' before 'reporters' fits far better than 'advised'; 'helped' does not.
    assert gains["told"] > 0.5 and gains["told"] > gains.get("helped", float("-inf"))
