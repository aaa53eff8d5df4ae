"""Trace: find the source of a text we spin ourselves, persist the index, align spun to source."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from unspin.cli import app
from unspin.trace import TraceIndex, align_to_source, build_index

ORIGINALS = {
    "roy": (
        "Roy of the Rovers is a British comic strip about the life and times of a fictional "
        "footballer named Roy Race, who played for Melchester Rovers. The strip first appeared "
        "in the Tiger in 1954, before giving its name to a weekly comic magazine."
    ),
    "dandy": (
        "The Dandy was a British children's comic magazine published by DC Thomson. The first "
        "issue was published in December 1937, making it the world's third-longest running "
        "comic, after Il Giornalino and Detective Comics."
    ),
    "beano": (
        "The Beano is a British anthology children's comic magazine created by Scottish "
        "publishing company DC Thomson. Its first issue was published in July 1938, and it "
        "became the longest-running weekly comic in 2012."
    ),
    "football": (
        "A football club is a sports club that plays association football. Clubs are usually "
        "organised into leagues, and the best players are often bought and sold between clubs "
        "for large transfer fees."
    ),
    "tiger": (
        "The tiger is the largest living cat species and a member of the genus Panthera. It is "
        "most recognisable for its dark vertical stripes on orange fur with a white underside."
    ),
    "papers": "Newspapers",
}

# A tiny deterministic spinner: the kind of swaps SpinBot makes.
SYNONYMS = {
    "comic": "funny",
    "strip": "cartoon",
    "fictional": "anecdotal",
    "first": "originally",
    "appeared": "showed up",
    "before": "preceding",
    "weekly": "week after week",
    "life": "existence",
    "times": "occasions",
    "played": "performed",
    "named": "called",
    "magazine": "periodical",
    "giving": "offering",
}


def plain(output: str) -> str:
    """CLI output without rich's box drawing and line wrapping."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", output).split())


def spin(text: str) -> str:
    return re.sub(r"\w+", lambda m: SYNONYMS.get(m.group(0), m.group(0)), text)


@pytest.fixture(scope="module")
def index() -> TraceIndex:
    return build_index(ORIGINALS.items())


def test_finds_the_source_of_a_spun_paragraph(index: TraceIndex) -> None:
    spun = spin(ORIGINALS["roy"])
    assert spun != ORIGINALS["roy"]
    matches = index.query(spun, k=3)
    assert [m.doc_id for m in matches][0] == "roy"
    assert matches[0].score > matches[1].score + 0.2
    assert all(0.0 <= m.score <= 1.0 for m in matches)


def test_a_similar_document_ranks_second_and_unrelated_ones_not_at_all(index: TraceIndex) -> None:
    ranked = [m.doc_id for m in index.query(spin(ORIGINALS["beano"]), k=6)]
    assert ranked[:2] == ["beano", "dandy"]
    assert "tiger" not in ranked


def test_one_word_title_found_through_the_thesaurus(index: TraceIndex) -> None:
    assert index.query("Papers", k=1)[0].doc_id == "papers"


def test_nothing_to_match_returns_no_candidates(index: TraceIndex) -> None:
    assert index.query("", k=3) == []
    assert index.query("zzzqx qqqzy", k=3) == []


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        build_index([("a", "one text"), ("a", "another text")])


def test_save_load_round_trip(index: TraceIndex, tmp_path) -> None:
    folder = index.save(tmp_path / "idx")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "unspin-trace-index"
    assert manifest["count"] == len(ORIGINALS)
    loaded = TraceIndex.load(folder)
    assert loaded.doc_ids == index.doc_ids
    assert loaded.text_of("tiger") == ORIGINALS["tiger"]
    spun = spin(ORIGINALS["dandy"])
    assert loaded.query(spun, k=3) == index.query(spun, k=3)


def test_save_refuses_to_overwrite_silently(index: TraceIndex, tmp_path) -> None:
    folder = index.save(tmp_path / "idx")
    with pytest.raises(FileExistsError):
        index.save(folder)
    smaller = build_index([("only", "A single document about comic magazines.")])
    smaller.save(folder, overwrite=True)
    assert TraceIndex.load(folder).doc_ids == ["only"]
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]  # no staging folders left behind


def test_load_rejects_what_is_not_an_index(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        TraceIndex.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "unspin-trace-index", "version": 99}')
    with pytest.raises(ValueError, match="version"):
        TraceIndex.load(tmp_path)


def test_alignment_pairs_spun_words_with_the_words_they_replace() -> None:
    source = "The strip first appeared in the Tiger in 1954."
    spun = "The cartoon originally showed up in the Tiger in 1954."
    edits = align_to_source(spun, source)
    assert [(e.spun_text, e.source_text) for e in edits] == [
        ("cartoon originally showed up", "strip first appeared")
    ]
    assert all(spun[e.spun_start : e.spun_end] == e.spun_text for e in edits)


def test_alignment_reports_dropped_and_added_words() -> None:
    source = "It was published by IPC and Fleetway from 1976."
    spun = "It was published by IPC from 1976 onwards."
    edits = align_to_source(spun, source)
    assert [(e.spun_text, e.source_text) for e in edits] == [("", "and Fleetway"), ("onwards", "")]
    dropped = edits[0]
    assert dropped.spun_start == dropped.spun_end == spun.index("IPC") + len("IPC")
    assert align_to_source(source, source) == []


def test_cli_index_then_trace_json(tmp_path) -> None:
    corpus = tmp_path / "originals.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": key, "text": text}) + "\n" for key, text in ORIGINALS.items())
    )
    spun_file = tmp_path / "spun.txt"
    spun_file.write_text(spin(ORIGINALS["roy"]))
    folder = tmp_path / "idx"
    runner = CliRunner()
    built = runner.invoke(app, ["index", str(corpus), "--out", str(folder)])
    assert built.exit_code == 0, built.output
    again = runner.invoke(app, ["index", str(corpus), "--out", str(folder)])
    assert again.exit_code != 0 and "already exists" in plain(again.output)
    traced = runner.invoke(app, ["trace", str(spun_file), "--index", str(folder), "--json"])
    assert traced.exit_code == 0, traced.output
    payload = json.loads(traced.stdout)
    assert payload["matches"][0]["doc_id"] == f"{corpus}#roy"
    assert payload["source"] == ORIGINALS["roy"]
    assert {"spun_text": "funny cartoon", "source_text": "comic strip"}.items() <= next(
        e for e in payload["edits"] if e["spun_text"] == "funny cartoon"
    ).items()


def test_cli_trace_rejects_binary_and_empty_input(tmp_path, index: TraceIndex) -> None:
    folder = index.save(tmp_path / "idx")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02garbage")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    for path, reason in ((binary, "binary"), (empty, "empty")):
        result = CliRunner().invoke(app, ["trace", str(path), "--index", str(folder)])
        assert result.exit_code == 2
        assert reason in plain(result.output)
