"""Spinner profiles: the JSON format, importing spinner dictionaries, bad files, the plumbing."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import GROUPS_DICT
from fakes import PhraseListAnalyzer, plain
from typer.testing import CliRunner

import unspin.pipeline
import unspin.profile as profile_module
from unspin.cli import app
from unspin.ingest import IngestOptions
from unspin.profile import (
    DictFormat,
    Profile,
    ProfileError,
    ProfilePair,
    ProfileSource,
    sniff_format,
)
from unspin.screen import ScreenOptions, screen

runner = CliRunner()


def originals(profile: Profile, spun: str) -> list[tuple[str, float]]:
    return [(pair.original, round(pair.confidence, 4)) for pair in profile.originals(spun)]


# --- pairs and lookups ---


def test_pairs_are_normalised_and_checked() -> None:
    pair = ProfilePair("  Profound   Learning ", "Deep learning")
    assert (pair.spun, pair.original, pair.count, pair.confidence) == (
        "profound learning",
        "deep learning",
        0,
        1.0,
    )
    for bad, message in [
        (dict(spun="a", original="b", confidence=1.5), "confidence"),
        (dict(spun="a", original="b", confidence=float("nan")), "confidence"),
        (dict(spun="a", original="b", count=-1), "count"),
        (dict(spun="a", original="b", count=2.5), "count"),
        (dict(spun="one two three four five", original="b"), "longer than 4 words"),
        (dict(spun="said", original="SAID"), "the same"),
        (dict(spun=" ", original="b"), "empty"),
        (dict(spun=3, original="b"), "text"),
    ]:
        with pytest.raises(ValueError, match=message):
            ProfilePair(**bad)


def test_originals_best_first_whatever_the_case(small_profile: Profile) -> None:
    assert originals(small_profile, "mentioned") == [("said", 0.9), ("stated", 0.3)]
    assert originals(small_profile, "Mentioned") == originals(small_profile, "mentioned")
    assert originals(small_profile, "PROFOUND  learning") == [("deep learning", 1.0)]
    assert small_profile.originals("said") == ()  # only the spun side is looked up
    assert "advised" in small_profile and "told" not in small_profile
    assert small_profile.longest == 2
    assert len(small_profile) == 4


def test_a_pair_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"pairs\[1\] .* repeats pairs\[0\]"):
        Profile("p", (ProfilePair("a", "b"), ProfilePair("A", "b", 3)), "", "")


def test_unknown_format_version_is_refused_in_code_too() -> None:
    with pytest.raises(ValueError, match="format_version 2"):
        Profile("p", (), "", "", format_version=2)


# --- the JSON file ---


def test_save_then_load_gives_the_same_profile(profile_file: Path, small_profile: Profile) -> None:
    loaded = Profile.load(profile_file)
    assert loaded == small_profile
    assert originals(loaded, "mentioned") == [("said", 0.9), ("stated", 0.3)]


def test_saved_file_is_sorted_one_pair_a_line_and_plain_json(profile_file: Path) -> None:
    text = profile_file.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["format"] == "unspin-profile" and data["format_version"] == 1
    pair_lines = [line.strip() for line in text.splitlines() if line.strip().startswith('{"spun"')]
    assert len(pair_lines) == 4
    assert [json.loads(line.rstrip(","))["spun"] for line in pair_lines] == [
        "advised",
        "mentioned",
        "mentioned",
        "profound learning",
    ]


def test_a_person_can_edit_the_file(profile_file: Path) -> None:
    text = profile_file.read_text(encoding="utf-8")
    added = '    {"spun": "utilised", "original": "used"},\n'
    edited = text.replace('  "pairs": [\n', '  "pairs": [\n' + added)
    profile_file.write_text(edited, encoding="utf-8")
    loaded = Profile.load(profile_file)
    assert originals(loaded, "utilised") == [("used", 1.0)]  # count and confidence optional


def test_minimal_hand_written_profile(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(
        '{"format": "unspin-profile", "format_version": 1, "name": "mine",'
        ' "pairs": [{"spun": "advised", "original": "told", "confidence": 0.75}]}',
        encoding="utf-8",
    )
    loaded = Profile.load(path)
    assert loaded.name == "mine" and loaded.source == "" and loaded.created == ""
    assert originals(loaded, "advised") == [("told", 0.75)]


VALID = {"format": "unspin-profile", "format_version": 1, "name": "p", "pairs": []}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b'{"format": "unspin-profile"\x00}', "binary"),
        ('{"name": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
        (b'{"format": "unspin-profile",\n "pairs": [}', "malformed JSON at line 2 column"),
        (b"[1, 2]", "expected a JSON object, found a list"),
        (b'{"name": "p", "pairs": []}', "--spinner-dict"),
        (json.dumps({**VALID, "format_version": 2}).encode(), "format_version 2 .* upgrade"),
        (json.dumps({**VALID, "format_version": "1"}).encode(), "whole number"),
        (json.dumps({**VALID, "colour": "red"}).encode(), "unknown key 'colour'"),
        (json.dumps({**VALID, "pairs": {"a": "b"}}).encode(), '"pairs" must be a list'),
        (json.dumps({**VALID, "pairs": ["a"]}).encode(), r"pairs\[0\] must be an object"),
        (json.dumps({**VALID, "pairs": [{"spun": "a"}]}).encode(), "missing 'original'"),
        (
            json.dumps({**VALID, "pairs": [{"spun": "a", "original": "b", "confidence": 2}]}),
            r"pairs\[0\]: confidence must be a number from 0 to 1",
        ),
        (
            json.dumps({**VALID, "pairs": [{"spun": "a", "original": "b", "weight": 1}]}),
            r"pairs\[0\]: unknown key 'weight'",
        ),
        (json.dumps({**VALID, "name": 3}).encode(), "'name' must be text"),
    ],
)
def test_bad_profile_files_say_why(tmp_path: Path, content: bytes | str, message: str) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    with pytest.raises(ProfileError, match=message) as caught:
        Profile.load(path)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_huge_missing_and_directory_profiles_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(profile_module, "MAX_FILE_BYTES", 1_000)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({**VALID, "description": "x" * 2_000}), encoding="utf-8")
    with pytest.raises(ProfileError, match="over the 1,000-byte limit"):
        Profile.load(path)
    with pytest.raises(ProfileError, match="no such file"):
        Profile.load(tmp_path / "missing.json")
    with pytest.raises(ProfileError, match="is a directory"):
        Profile.load(tmp_path)


# --- spinner dictionaries ---


def test_pipe_groups_let_every_member_replace_every_other(dictionaries) -> None:
    profile = Profile.from_spinner_dict(dictionaries["groups"])
    assert originals(profile, "mentioned") == [("said", 0.5), ("stated", 0.5)]
    assert originals(profile, "said") == [("mentioned", 0.5), ("stated", 0.5)]
    assert originals(profile, "profound learning") == [("deep learning", 1.0)]
    assert originals(profile, "deep learning") == [("profound learning", 1.0)]
    assert originals(profile, "large") == [("big", 1.0)]  # the 6-word member was skipped
    assert profile.notes == (
        "skipped 1 phrases longer than 4 words (e.g. line 4: 'a very big and large thing')",
    )
    assert profile.name == "spinner" and "groups" in profile.source
    assert all(pair.count == 0 for pair in profile.pairs)


def test_spintax_groups_anywhere_on_a_line(dictionaries) -> None:
    profile = Profile.from_spinner_dict(dictionaries["spintax"])
    assert "spintax" in profile.source
    assert originals(profile, "stated") == [("mentioned", 0.5), ("said", 0.5)]
    assert originals(profile, "journalists") == [("reporters", 1.0)]
    assert originals(profile, "advised") == [("told", 1.0)]
    assert profile.originals("the") == ()  # text outside the braces is not a synonym


def test_spintax_skips_nested_and_unbalanced_groups_and_counts_them(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text("{big|{large|huge}} and {ok|fine}\n{broken|group\n}stray{a|b}\n")
    profile = Profile.from_spinner_dict(path)
    assert originals(profile, "fine") == [("ok", 1.0)]
    assert profile.originals("huge") == () and profile.originals("group") == ()
    assert any("1 nested spintax groups" in note for note in profile.notes)
    assert any("2 lines with unbalanced braces" in note for note in profile.notes)


def test_tsv_maps_original_to_spun_only(dictionaries) -> None:
    profile = Profile.from_spinner_dict(dictionaries["tsv"])
    assert originals(profile, "advised") == [("told", 1.0)]
    assert originals(profile, "irregular woodland") == [("random forest", 1.0)]
    assert profile.originals("told") == ()
    assert profile.originals("spun") == ()  # the header row is not a pair


def test_csv_with_quoted_commas(dictionaries) -> None:
    profile = Profile.from_spinner_dict(dictionaries["csv"])
    assert originals(profile, "information, crude") == [("data, raw", 1.0)]
    assert originals(profile, "mentioned") == [("said", 1.0)]


def test_confidence_is_split_over_the_originals_of_a_spun_form(tmp_path: Path) -> None:
    path = tmp_path / "two.tsv"
    path.write_text("said\tstated\ndeclared\tstated\ntold\tadvised\n")
    profile = Profile.from_spinner_dict(path)
    assert originals(profile, "stated") == [("declared", 0.5), ("said", 0.5)]
    assert originals(profile, "advised") == [("told", 1.0)]


def test_table_rows_with_the_wrong_shape_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("said\tmentioned\njust one column\na\tb\tc\n\ntold\tadvised\n")
    profile = Profile.from_spinner_dict(path)
    assert len(profile) == 2
    assert profile.notes == (
        "skipped 2 rows without exactly two non-empty columns (tsv) (e.g. line 2; line 3)",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("said|stated\n", DictFormat.GROUPS),
        ("Some {said|stated} text\n", DictFormat.SPINTAX),
        ("said\tstated\ntold\tadvised\n", DictFormat.TSV),
        ("said,stated\ntold,advised\n", DictFormat.CSV),
        ("# a comment | with a pipe\nsaid,stated\n", DictFormat.CSV),
    ],
)
def test_format_is_sniffed_from_the_content(text: str, expected: DictFormat) -> None:
    assert sniff_format(text) is expected


def test_extension_decides_and_an_explicit_format_wins(tmp_path: Path) -> None:
    path = tmp_path / "dict.csv"
    path.write_text("said|stated,mentioned\n")
    assert sniff_format(path.read_text(), path) is DictFormat.CSV
    as_groups = Profile.from_spinner_dict(path, DictFormat.GROUPS)
    assert originals(as_groups, "said") == [("stated,mentioned", 1.0)]
    assert Profile.from_spinner_dict(path, "groups") == as_groups
    with pytest.raises(ProfileError, match="unknown dictionary format 'yaml'"):
        Profile.from_spinner_dict(path, "yaml")  # type: ignore[arg-type]


def test_unrecognisable_dictionary_asks_for_the_format(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("said\nstated\n")
    with pytest.raises(ProfileError, match="cannot tell the dictionary format.*--dict-format"):
        Profile.from_spinner_dict(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"said|stated\x00\n", "binary"),
        ("said|d\xe9clar\xe9\n".encode("latin-1"), "not UTF-8"),
        (b"solo|\n|alone\n", "no usable synonym pairs as groups: skipped 2 groups with fewer"),
        (b"one two three four five|six seven eight nine ten\n", "no usable synonym pairs"),
    ],
)
def test_bad_dictionaries_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ProfileError, match=message) as caught:
        Profile.from_spinner_dict(path, DictFormat.GROUPS if b"|" in content else None)
    assert "\n" not in str(caught.value)


def test_huge_dictionary_and_huge_group_are_refused(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text(GROUPS_DICT * 100)
    monkeypatch.setattr(profile_module, "MAX_FILE_BYTES", 1_000)
    with pytest.raises(ProfileError, match="over the 1,000-byte limit for a spinner dictionary"):
        Profile.from_spinner_dict(path)
    monkeypatch.undo()
    monkeypatch.setattr(profile_module, "MAX_PAIRS", 5)
    with pytest.raises(ProfileError, match="more than 5 synonym pairs"):
        Profile.from_spinner_dict(path)
    wide = tmp_path / "wide.txt"
    wide.write_text("|".join(f"w{n}" for n in range(150)) + "\nsaid|stated\n")
    monkeypatch.undo()
    profile = Profile.from_spinner_dict(wide)
    assert len(profile) == 2 and "groups of more than 100 members" in profile.notes[0]


def test_imported_dictionary_round_trips_through_json(dictionaries, tmp_path: Path) -> None:
    profile = Profile.from_spinner_dict(dictionaries["groups"])
    path = tmp_path / "imported.json"
    profile.save(path)
    assert Profile.load(path) == profile


def test_merged_profiles_keep_the_highest_confidence(small_profile, dictionaries) -> None:
    imported = Profile.from_spinner_dict(dictionaries["tsv"])
    merged = Profile.merged([small_profile, imported])
    assert originals(merged, "mentioned") == [("said", 1.0), ("stated", 0.3)]
    pair = merged.originals("mentioned")[0]
    assert pair.count == 7
    assert merged.name == "test-spinner+spinner"


# --- loading once per process, passing it on ---


def test_profile_source_pickles_small_and_loads_once(profile_file, dictionaries, monkeypatch):
    source = ProfileSource(str(profile_file), str(dictionaries["tsv"]), DictFormat.TSV)
    copy = pickle.loads(pickle.dumps(source))
    assert copy == source and len(pickle.dumps(source)) < 500
    calls = []
    real = Profile.load
    monkeypatch.setattr(Profile, "load", classmethod(lambda cls, p: calls.append(p) or real(p)))
    profile_module._load_source.cache_clear()
    first, second = copy.load(), source.load()
    assert first is second and len(calls) == 1
    assert originals(first, "advised") == [("told", 1.0)]


def test_profile_source_paths_are_absolute_and_checked(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    assert ProfileSource("p.json").profile == str(tmp_path / "p.json")
    with pytest.raises(ValueError, match="needs a profile path"):
        ProfileSource()
    with pytest.raises(ValueError, match="only applies to a spinner dictionary"):
        ProfileSource("p.json", dict_format=DictFormat.CSV)


# --- the shell: check, restore, screen, serve ---

SPUN = "The spokesperson mentioned that the team advised reporters about profound learning."


@pytest.fixture()
def fake(monkeypatch) -> PhraseListAnalyzer:
    """The fake analyzer behind unspin.analyze and default_analyzer (in this process)."""
    analyzer = PhraseListAnalyzer()
    monkeypatch.setattr(unspin.pipeline, "analyze", analyzer.analyze)
    monkeypatch.setattr(unspin.pipeline, "default_analyzer", lambda: analyzer)
    return analyzer


def test_cli_restore_with_a_profile(fake, profile_file, tmp_path) -> None:
    text = tmp_path / "spun.txt"
    text.write_text(SPUN)
    result = runner.invoke(app, ["restore", str(text), "--profile", str(profile_file)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "The spokesperson said that the team told reporters about deep learning."
    )
    assert fake.profiles[-1] is not None and fake.profiles[-1].name == "test-spinner"


def test_cli_check_with_a_spinner_dict(fake, dictionaries, tmp_path) -> None:
    text = tmp_path / "spun.txt"
    text.write_text(SPUN)
    args = ["check", "--json", str(text), "--spinner-dict", str(dictionaries["tsv"])]
    result = runner.invoke(app, [*args, "--dict-format", "tsv"])
    assert result.exit_code == 1, result.output  # spun: check's exit code, also with --json
    report = json.loads(result.stdout)
    assert [(s["text"], s["original"], s["source"]) for s in report["spans"]] == [
        ("mentioned", "said", "profile"),
        ("advised", "told", "profile"),
        ("profound learning", "deep learning", "fingerprint"),
    ]


@pytest.mark.parametrize(("flags", "complete"), [([], True), (["--partial-dict"], False)])
def test_cli_spinner_dict_is_whole_unless_said_partial(
    fake, dictionaries, tmp_path, flags, complete
) -> None:
    text = tmp_path / "spun.txt"
    text.write_text(SPUN)
    args = ["restore", str(text), "--spinner-dict", str(dictionaries["tsv"]), *flags]
    assert runner.invoke(app, args).exit_code == 0
    assert fake.profiles[-1].complete is complete


def test_cli_without_a_profile_passes_none(fake, tmp_path) -> None:
    text = tmp_path / "spun.txt"
    text.write_text(SPUN)
    assert runner.invoke(app, ["check", str(text)]).exit_code == 1  # spun
    assert fake.profiles == [None]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "{missing}"], "no such file"),
        (["--profile", "{bad}"], "malformed JSON"),
        (["--spinner-dict", "{bad}", "--dict-format", "tsv"], "no usable synonym pairs"),
        (["--dict-format", "csv"], "--dict-format needs --spinner-dict"),
        (["--partial-dict"], "--partial-dict needs --spinner-dict"),
        (["--spinner-dict", "{bad}", "--dict-format", "xml"], "xml"),
    ],
)
def test_cli_refuses_bad_profiles_with_a_reason(fake, tmp_path, args, message) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    text = tmp_path / "spun.txt"
    text.write_text(SPUN)
    args = [arg.format(missing=tmp_path / "nope.json", bad=bad) for arg in args]
    result = runner.invoke(app, ["restore", str(text), *args])
    assert result.exit_code == 2
    assert message in plain(result.output)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("engine", "workers"), [("local", 1), ("local", 2), ("dask", 2)], ids=str)
def test_screen_passes_the_profile_to_every_worker(
    fake, profile_file, tmp_path, engine, workers
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(6):
        (corpus / f"doc{number}.txt").write_text(f"Document {number}: {SPUN}")
    out = tmp_path / "out.parquet"
    options = ScreenOptions(
        ingest=IngestOptions(id_field=None),
        workers=workers,
        batch_size=2,
        engine=engine,
        dask_processes=False,  # threads: a dask worker process would not see the fake
        profile=ProfileSource(str(profile_file)),
    )
    summary = screen([corpus], out, options)
    assert summary.complete and summary.errors == 0
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 6
    assert all("said that the team told reporters" in row["restored"] for row in rows)


def test_cli_screen_with_a_profile(fake, dictionaries, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SPUN)
    out = tmp_path / "out.parquet"
    args = ["screen", str(corpus), "--out", str(out), "-j", "1"]
    result = runner.invoke(app, [*args, "--spinner-dict", str(dictionaries["groups"])])
    assert result.exit_code == 0, result.output
    (row,) = pq.read_table(out).to_pylist()
    assert "spokesperson said" in row["restored"] or "spokesperson stated" in row["restored"]
    bad = runner.invoke(app, [*args, "--force", "--profile", str(tmp_path / "missing.json")])
    assert bad.exit_code == 2 and "no such file" in plain(bad.output)


def test_service_uses_the_server_wide_profile(small_profile) -> None:
    import warnings

    from unspin.service import create_app

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2")
        from fastapi.testclient import TestClient

    analyzer = PhraseListAnalyzer()
    client = TestClient(create_app(analyzer, profile=small_profile))
    response = client.post("/v1/restore", json={"text": SPUN})
    assert response.status_code == 200, response.text
    assert response.json()["restored"].startswith("The spokesperson said that the team told")
    assert analyzer.profiles == [small_profile]
    health = client.get("/healthz").json()
    assert health["profile"] == "profile 'test-spinner': 4 pairs from written for the tests"


# --- the real analyzer ---


def test_real_analyzer_restores_a_word_through_a_profile() -> None:
    """A word no thesaurus links to the original comes back only through the profile."""
    profile = Profile(
        "hook",
        (ProfilePair("flumbusticated", "announced", 5, 1.0),),
        "written for the tests",
        "2026-11-26T00:00:00+00:00",
    )
    text = "The mayor flumbusticated on Tuesday that the new bridge would open next spring."
    report = unspin.analyze(text, profile=profile)
    assert report.restored == text.replace("flumbusticated", "announced")
    (span,) = [span for span in report.spans if span.text == "flumbusticated"]
    assert span.original == "announced"


def test_a_dictionary_pair_with_a_rarer_original_does_not_rewrite_every_common_word() -> None:
    """A dictionary that turns "among" into "of" says nothing about the many "of"s written so."""
    profile = Profile(
        "dictionary",
        (ProfilePair("of", "among", 0, 1.0), ProfilePair("mentioned", "said", 0, 1.0)),
        "written for the tests",
        "2026-11-27T00:00:00+00:00",
    )
    text = (
        "The history of the city of Rome is one of the oldest of Europe. The mayor mentioned on "
        "Tuesday that the museum of modern art would open in the spring of next year, and the "
        "council mentioned that most of the money had been raised."
    )
    report = unspin.analyze(text, profile=profile)
    assert [(span.text, span.original) for span in report.spans] == [("mentioned", "said")] * 2


# --- complete profiles: an imported dictionary is the spinner's whole vocabulary ---


def test_an_imported_dictionary_is_complete_and_says_so_in_its_file(dictionaries, tmp_path) -> None:
    imported = Profile.from_spinner_dict(dictionaries["tsv"])
    assert imported.complete and imported.replaces("Said") and not imported.replaces("mentioned")
    assert not Profile.from_spinner_dict(dictionaries["tsv"], complete=False).complete
    path = tmp_path / "imported.json"
    imported.save(path)
    assert json.loads(path.read_text())["complete"] is True
    assert Profile.load(path).complete


def test_a_profile_without_the_key_is_not_complete(profile_file: Path, small_profile) -> None:
    assert "complete" not in json.loads(profile_file.read_text())  # learned files as they were
    assert not Profile.load(profile_file).complete
    data = json.loads(profile_file.read_text())
    data["complete"] = "yes"
    with pytest.raises(ProfileError, match='"complete" must be true or false'):
        Profile.from_dict(data)


def test_merged_profiles_are_complete_when_one_is(small_profile, dictionaries) -> None:
    imported = Profile.from_spinner_dict(dictionaries["tsv"])
    assert Profile.merged([small_profile, imported]).complete
    assert not Profile.merged([small_profile, small_profile]).complete


COMPLETE_TSV = "original\tspun\nsaid\tmentioned\nfor\tunder\n"


def test_a_complete_dictionary_is_the_only_source_of_rewrites(tmp_path: Path) -> None:
    """'advised' -> 'told' is a thesaurus guess; the spinner's dictionary has no such pair."""
    path = tmp_path / "spinner.tsv"
    path.write_text(COMPLETE_TSV, encoding="utf-8")
    text = (
        "The spokesperson advised reporters that the results would be distributed next month, "
        "and the mayor mentioned that the bridge was under construction."
    )
    analyzer = unspin.pipeline.default_analyzer()
    complete = Profile.from_spinner_dict(path)
    slots = analyzer.candidates(text, complete).slots
    assert {source for slot in slots for source in slot.sources} == {"profile"}
    report = unspin.analyze(text, profile=complete)
    assert [(span.text, span.original) for span in report.spans] == [("mentioned", "said")]
    partial = unspin.analyze(text, profile=Profile.from_spinner_dict(path, complete=False))
    assert ("advised", "told") in [(span.text, span.original) for span in partial.spans]


def test_a_word_the_dictionary_writes_stays_where_its_original_fits_worse(tmp_path) -> None:
    """The spinner writes "under" for "for"; "under construction" was written so."""
    path = tmp_path / "spinner.tsv"
    path.write_text(COMPLETE_TSV, encoding="utf-8")
    text = (
        "The new bridge, under construction since May, will open next spring, the mayor "
        "mentioned yesterday. Work on the road under the bridge mentioned in the plan starts in "
        "June."
    )
    report = unspin.analyze(text, profile=Profile.from_spinner_dict(path))
    rewritten = {(span.start, span.original) for span in report.spans}
    assert (text.index("mentioned"), "said") in rewritten
    assert text.index("under construction") not in {start for start, _ in rewritten}
