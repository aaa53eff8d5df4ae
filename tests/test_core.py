"""The core pipeline, piece by piece and end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from unspin import analyze
from unspin.cli import app
from unspin.lexicon import MIN_ORIGINAL_ZIPF, read_roget
from unspin.render import match_case, restore, word_diff
from unspin.tokenize import InputError, check_text, decode_bytes, tokenize

SPUN = (
    "Our team trained a profound learning model and an irregular woodland classifier.\n"
    "The spokesperson advised reporters that the results were good. Later the spokesperson "
    "advised reporters that the team would publish the data, and the minister advised reporters "
    "that the money had been found."
)
CLEAN = (
    "The committee met on Tuesday to discuss the budget for next year. Members agreed that "
    "the city should spend more on schools and less on roads, and the mayor said she would "
    "sign the plan before the end of the month."
)


runner = CliRunner()


def test_tokens_slice_the_input_exactly():
    text = "Naïve café—costs 3.50 €, isn't it?\n\nNew paragraph"
    tokens = tokenize(text)
    assert [t.text for t in tokens][:4] == ["Naïve", "café", "—", "costs"]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert "isn't" in [t.text for t in tokens]
    assert tokens[-1].sentence > tokens[0].sentence


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"abc\x00def", "binary"),
        (b"caf\xe9 au lait", "not valid UTF-8"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data, message):
    with pytest.raises(InputError, match=message):
        decode_bytes(data)


def test_bom_is_dropped():
    assert decode_bytes("\ufeffhello".encode()) == "hello"


def test_oversized_text_is_refused_before_any_work(analyzer):
    huge = "word " * 10_000_000  # 50 MB
    with pytest.raises(InputError, match="more than"):
        check_text(huge)
    with pytest.raises(InputError, match="more than"):
        analyzer.analyze(huge)


def test_cli_refuses_a_50_megabyte_file(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * 10_000_000)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "larger than" in result.output


def test_progress_reports_words_and_its_exceptions_stop_the_analysis(analyzer):
    """The CLI draws its bar from `progress`; the service stops an analysis by raising from it."""
    text = " ".join([CLEAN] * 60)  # 180 sentences: progress is reported every 50
    calls: list[tuple[int, int]] = []
    report = analyzer.analyze(text, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) >= 3
    assert calls[-1] == (report.word_count, report.word_count)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert {total for _, total in calls} == {report.word_count}

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        analyzer.analyze(text, progress=stop)


def test_lexicon_finds_originals_through_inflection(analyzer):
    originals = {o.text for o in analyzer.lexicon.origins("advised")}
    assert "told" in originals
    assert "ground" in analyzer.lexicon.reverse["floor"]


def test_ranking_read_from_phrase_ids_scores_as_the_spelled_out_originals(analyzer):
    """`origins` ranks from per-phrase arrays; each score must be the channel model's on the
    originals spelled out (`pair_columns`). Words with no other forms: only their own row."""
    lexicon = analyzer.lexicon
    for spun in ("trial", "profound", "commotion", "woodland"):
        ids, bits = lexicon.reverse.row_arrays(spun)
        listed = [lexicon.reverse.phrases.word(int(i)) for i in ids]
        kept = [i for i, o in enumerate(listed) if lexicon.phrase_zipf(o) >= MIN_ORIGINAL_ZIPF]
        originals = [listed[i] for i in kept]
        columns = lexicon.pair_columns(originals, spun, [int(bits[i]) for i in kept])
        expected = dict(zip(originals, lexicon.channel.log_odds(columns).tolist(), strict=True))
        ranked = lexicon.origins(spun)
        assert len(ranked) > 10, spun
        assert [o.score for o in ranked] == sorted((o.score for o in ranked), reverse=True)
        assert {o.text: o.score for o in ranked}.items() <= expected.items(), spun
        others = [o for o in expected if not lexicon.lemmas(o) & lexicon.lemmas(spun)]
        best = sorted(others, key=expected.__getitem__, reverse=True)
        assert [o.text for o in ranked] == best[: len(ranked)], spun


def test_language_model_prefers_the_original_wording(analyzer):
    lm = analyzer.lm
    assert lm.window(["<s>", "a"], ["ground"], ["invasion"]) > lm.window(
        ["<s>", "a"], ["floor"], ["invasion"]
    )
    assert lm.window(["<s>", "the"], ["white", "house"], ["said"]) > lm.window(
        ["<s>", "the"], ["white", "home"], ["said"]
    )


def test_case_follows_the_spun_text():
    assert match_case("deep learning", "Profound learning") == "Deep learning"
    assert match_case("white house", "White Home") == "White House"
    assert match_case("told", "ADVISED") == "TOLD"
    assert match_case("told", "advised") == "told"


def test_word_diff_rebuilds_both_sides():
    before, after = "a profound learning  model.", "a deep learning  model."
    pieces = word_diff(before, after)
    assert "".join(p.text for p in pieces if p.kind != "added") == before
    assert "".join(p.text for p in pieces if p.kind != "removed") == after
    assert [p.text for p in pieces if p.kind == "removed"] == ["profound"]


def test_spun_text_is_detected_and_restored():
    report = analyze(SPUN)
    found = {span.text: span for span in report.spans}
    assert found["profound learning"].original == "deep learning"
    assert found["an irregular woodland"].original == "a random forest"  # article follows
    assert found["advised"].original == "told"
    assert report.restored.startswith("Our team trained a deep learning model")
    assert "and a random forest classifier" in report.restored
    assert report.is_spun
    for span in report.spans:
        assert SPUN[span.start : span.end] == span.text
        assert 0.0 <= span.confidence <= 1.0
    assert restore(SPUN, report.spans) == report.restored


def test_clean_text_comes_back_unchanged():
    report = analyze(CLEAN)
    assert report.spans == ()
    assert report.restored == CLEAN
    assert not report.is_spun
    assert report.spin_score < analyze(SPUN).spin_score


def test_report_serialises_to_json():
    data = json.loads(json.dumps(analyze(SPUN).to_dict()))
    assert data["is_spun"] is True
    assert {"start", "end", "text", "original", "confidence", "source"} <= set(data["spans"][0])


def test_cli_restore_prints_restored_text(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text(SPUN, encoding="utf-8")
    result = runner.invoke(app, ["restore", str(path)])
    assert result.exit_code == 0
    assert "deep learning model" in result.stdout
    diff = runner.invoke(app, ["restore", "--diff", str(path)])
    assert "[-profound-]{+deep+}" in diff.stdout


def test_cli_check_json_and_stdin():
    result = runner.invoke(app, ["check", "--json", "-"], input=SPUN)
    report = json.loads(result.stdout)
    assert report["spans"]
    # 1: spun, like grep finding a match (whether SPUN is judged spun is the decoder's business,
    # tested above; here the exit code must agree with the report)
    assert result.exit_code == (1 if report["is_spun"] else 0)


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02binary", b"\xff\xfe\xfa"])
def test_cli_refuses_bad_input(tmp_path, data):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cli_missing_file():
    result = runner.invoke(app, ["restore", "/nonexistent/file.txt"])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_roget_members_are_spaced_as_words(tmp_path):
    """The Roget file has stray spaces (" hearing"): each member must be the words alone, or it
    becomes a second candidate beside "hearing" and is written back with its space."""
    groups = tmp_path / "roget.tsv"
    groups.write_text(
        "# Roget's Thesaurus 1911, public domain\n"
        "p1\t hearing\ttrial\t  Out  of hearing \n"
        "p2\tlone\t \n",
        encoding="utf-8",
    )
    assert read_roget(groups) == [["hearing", "trial", "out of hearing"]]
