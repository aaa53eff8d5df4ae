"""The shipped tortured-phrase list: provenance, user updates, the allow-list, the CLI."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata, resources
from pathlib import Path

import pytest
from fakes import plain
from typer.testing import CliRunner

from unspin import phrases
from unspin.cli import app
from unspin.fingerprint import FingerprintIndex
from unspin.phrases import (
    PhraseListError,
    PhraseSet,
    allow,
    allow_list,
    disallow,
    phrase_list_info,
    phrase_rows,
    read_export,
    reset,
    split_of,
    tortured_pairs,
    update,
)

runner = CliRunner()


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


# --- provenance ---


def test_info_names_source_snapshot_licence_and_hash() -> None:
    info = phrase_list_info()
    assert info.rows == 7886 and info.origin == "bundled"
    assert info.licence == "CC BY 4.0" and "creativecommons.org" in info.licence_url
    assert info.snapshot == "2026-03-06"
    assert "github.com/giladfeldman/torturedcheck" in info.source
    assert "Cabanac" in info.credit and "Labbé" in info.credit and "Magazinov" in info.credit
    shipped = resources.files("unspin").joinpath(phrases.ALL_RESOURCE).read_bytes()
    assert info.sha256 == hashlib.sha256(shipped).hexdigest()
    assert info.allowed == 3
    summary = info.summary()
    assert "7,886 rows" in summary and "CC BY 4.0" in summary and info.sha256[:12] in summary


def test_train_set_is_the_train_split_only() -> None:
    train = phrase_rows(PhraseSet.TRAIN)
    assert len(train) == 6325 == phrase_list_info(PhraseSet.TRAIN).rows
    every = phrase_rows(PhraseSet.ALL)
    assert {row.tortured for row in train} == {r.tortured for r in every if r.split == "train"}
    assert all(split_of(row.tortured) == row.split for row in every)


def test_pairs_reader_applies_the_allow_list_for_both_sets() -> None:
    for chosen in PhraseSet:
        pairs = dict(tortured_pairs(chosen))
        assert "malignant growth" not in pairs
        assert pairs["profound learning"] == "deep learning"


# --- the allow-list ---


def test_user_allow_list_suppresses_hits_and_can_be_undone(user_data_dir: Path) -> None:
    text = "We trained a profound learning model."
    assert [hit.text for hit in FingerprintIndex.bundled().find(text)]
    assert allow(["Profound  Learning", "profound learning"]) == ["profound learning"]
    assert allow(["profound learning", "malignant growth"]) == []  # known already
    assert FingerprintIndex.bundled().find(text) == []
    assert "profound learning" in (user_data_dir / "allowlist.txt").read_text()
    # The train set, for benchmarks, ignores user files.
    assert "profound learning" not in allow_list(PhraseSet.TRAIN)
    assert FingerprintIndex.bundled(PhraseSet.TRAIN).find(text)
    assert disallow(["profound learning"]) == ["profound learning"]
    assert FingerprintIndex.bundled().find(text)


def test_bundled_allow_list_terms_cannot_be_removed_and_bad_terms_are_refused() -> None:
    with pytest.raises(PhraseListError, match="bundled allow-list"):
        disallow(["malignant growth"])
    with pytest.raises(PhraseListError, match="needs letters"):
        allow(["   "])
    with pytest.raises(PhraseListError, match="longer than"):
        allow(["word " * 100])


def test_cli_allow_lists_adds_and_removes() -> None:
    listed = runner.invoke(app, ["phrases", "allow"])
    assert listed.exit_code == 0 and "malignant growth\t(bundled)" in listed.output
    added = runner.invoke(app, ["phrases", "allow", "cloud figuring"])
    assert added.exit_code == 0 and "allowed 1 term(s): cloud figuring" in added.output
    assert "cloud figuring\t(yours)" in runner.invoke(app, ["phrases", "allow"]).output
    removed = runner.invoke(app, ["phrases", "allow", "--remove", "cloud figuring"])
    assert removed.exit_code == 0 and "removed 1 term(s)" in removed.output
    refused = runner.invoke(app, ["phrases", "allow", "--remove", "malignant growth"])
    assert refused.exit_code == 2 and "bundled allow-list" in plain(refused.output)


# --- updating from a newer export ---

EXPORT_CSV = (
    "Tortured phrase,Expected phrase,Hits\n"
    "profound learning,deep learning,120\n"  # unchanged
    "irregular woodland,random forest classifier,40\n"  # changed
    "colossal information,big data,33\n"  # unchanged
    "haphazard backwoods,random forest,2\n"  # new
    ",empty,1\n"  # skipped
)


def test_update_merges_counts_and_is_preferred(user_data_dir: Path, tmp_path: Path) -> None:
    export = write(tmp_path / "pps.csv", EXPORT_CSV)
    summary = update(export, snapshot="2026-12-01")
    assert (summary.read, summary.added, summary.changed, summary.removed) == (4, 1, 1, 0)
    assert summary.unchanged == 2 and summary.rows == 7887 and summary.written
    assert summary.skipped == ("row 6: empty tortured or expected phrase",)
    assert Path(summary.path).parent == user_data_dir
    info = phrase_list_info()
    assert info.origin == "user" and info.rows == 7887 and info.snapshot == "2026-12-01"
    assert info.licence == "CC BY 4.0" and "pps.csv" in info.source
    index = FingerprintIndex.bundled()
    assert [
        hit.expected for hit in index.find("a haphazard backwoods and an irregular woodland")
    ] == [
        "random forest",
        "random forest classifier",
    ]
    # Nothing was written into the package.
    shipped = resources.files("unspin").joinpath(phrases.ALL_RESOURCE).read_bytes()
    assert (
        hashlib.sha256(shipped).hexdigest()
        == json.loads(resources.files("unspin").joinpath(phrases.META_RESOURCE).read_text())[
            "sha256"
        ]
    )
    assert reset() is True and phrase_list_info().origin == "bundled"
    assert reset() is False


def test_update_with_replace_and_dry_run(tmp_path: Path) -> None:
    export = write(tmp_path / "pps.csv", EXPORT_CSV)
    dry = update(export, replace=True, dry_run=True)
    assert dry.rows == 4 and dry.removed == 7886 - 3 and not dry.written
    assert phrase_list_info().origin == "bundled"
    update(export, replace=True)
    assert phrase_list_info().rows == 4


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "list.json",
            json.dumps([{"tortured": "haphazard backwoods", "expected": "random forest"}]),
        ),
        ("map.json", json.dumps({"haphazard backwoods": "random forest"})),
        ("wrapped.json", json.dumps({"phrases": [["haphazard backwoods", "random forest"]]})),
        (
            "lines.jsonl",
            json.dumps({"fingerprint": "haphazard backwoods", "correct": "random forest"})
            + "\n"
            + json.dumps({"fingerprint": "profound learning", "correct": "deep learning"}),
        ),
        ("tabs.tsv", "tortured\texpected\nhaphazard backwoods\trandom forest\n"),
        ("semi.csv", "tortured;expected\nhaphazard backwoods;random forest\n"),
    ],
)
def test_export_layouts(tmp_path: Path, name: str, content: str) -> None:
    rows, skipped = read_export(write(tmp_path / name, content))
    assert ("haphazard backwoods", "random forest") in [(r.tortured, r.expected) for r in rows]
    assert skipped == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"tortured,expected\nab\x00c,d\n", "binary"),
        ("tortured,expected\ncaf\xe9,x\n".encode("latin-1"), "not UTF-8"),
        (b'[{"tortured": "a b", ', "malformed JSON at line 1"),
        (b"phrase_a,phrase_b\nx,y\n", "needs a tortured-phrase column"),
        (b'{"a": [1], "b": [2]}', "hold one list"),
        (b"[1, 2]", "must be an object"),
        (b"tortured,expected\n[bracketed] thing,x\n,y\n", "no usable rows"),
    ],
)
def test_bad_exports_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path / "export.csv", content)
    with pytest.raises(PhraseListError, match=message) as caught:
        update(path)
    assert "\n" not in str(caught.value)
    assert phrase_list_info().origin == "bundled"


def test_huge_export_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(phrases, "MAX_EXPORT_BYTES", 100)
    path = write(tmp_path / "big.csv", EXPORT_CSV)
    with pytest.raises(PhraseListError, match="over the 100-byte limit"):
        update(path)


def test_damaged_user_copy_falls_back_to_the_bundled_list(user_data_dir, tmp_path) -> None:
    update(write(tmp_path / "pps.csv", EXPORT_CSV))
    copy = user_data_dir / phrases.USER_PHRASES
    copy.write_text(copy.read_text() + "sneaky edit\tx\ttrain\n")
    with pytest.warns(UserWarning, match="does not match the sha256"):
        info = phrase_list_info()
    assert info.origin == "bundled" and info.rows == 7886


# --- the command line ---


def test_cli_version_shows_the_list() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"unspin {metadata.version('unspin')}"
    assert "7,886 rows" in lines[1] and "CC BY 4.0" in lines[1] and "2026-03-06" in lines[1]


def test_cli_phrases_info_and_update(tmp_path: Path) -> None:
    info = runner.invoke(app, ["phrases", "info", "--json"])
    assert info.exit_code == 0 and json.loads(info.output)["rows"] == 7886
    human = runner.invoke(app, ["phrases", "info"])
    assert "licence:" in human.output and "CC BY 4.0" in human.output
    export = write(tmp_path / "pps.csv", EXPORT_CSV)
    dry = runner.invoke(app, ["phrases", "update", str(export), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 rows read: 1 added, 1 changed, 2 unchanged, 0 removed, 1 skipped" in dry.output
    assert "dry run: nothing written" in dry.output
    done = runner.invoke(app, ["phrases", "update", str(export), "--snapshot", "2026-12-01"])
    assert done.exit_code == 0 and "the list now has 7,887 rows" in done.output
    assert "user copy" in runner.invoke(app, ["--version"]).output
    bad_date = runner.invoke(app, ["phrases", "update", str(export), "--snapshot", "soon"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in plain(bad_date.output)
    missing = runner.invoke(app, ["phrases", "update", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "no such file" in plain(missing.output)
    assert "removed your copy" in runner.invoke(app, ["phrases", "reset"]).output


def test_service_health_shows_the_list() -> None:
    import warnings

    from fakes import PhraseListAnalyzer

    from unspin.service import create_app

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2")
        from fastapi.testclient import TestClient

    body = TestClient(create_app(PhraseListAnalyzer())).get("/healthz").json()
    assert body["phrase_list"]["rows"] == 7886 and body["phrase_list"]["licence"] == "CC BY 4.0"
    assert body["phrase_list"]["sha256"] == phrase_list_info().sha256
    assert body["profile"] is None
