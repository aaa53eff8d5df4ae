"""The fingerprint layer: exact offsets, whole-word matching, rules and the bundled list."""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.fingerprint import (
    FingerprintHit,
    FingerprintIndex,
    FingerprintRule,
    PhraseSet,
    RuleSyntaxError,
    match_case,
    parse_rule,
)
from unspin.phrases import bundled_allow_list

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_PHRASES = REPO_ROOT.parent / "shared" / "data" / "tortured_phrases.jsonl"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_fingerprints.py"
DATA_DIR = REPO_ROOT / "src" / "unspin" / "data"
BUILT_FILES = ("tortured_phrases.tsv", "tortured_phrases_train.tsv", "tortured_phrases.meta.json")

needs_shared_data = pytest.mark.skipif(
    not SHARED_PHRASES.is_file(), reason="shared tortured-phrase data not available"
)


@pytest.fixture(scope="module")
def index() -> FingerprintIndex:
    return FingerprintIndex.from_pairs(
        [
            ("profound learning", "deep learning"),
            ("irregular woodland", "random forest"),
            ("man-made reasoning", "artificial intelligence"),
            ("web of things (iot)", "internet of things (iot)"),
            ("prototypical β-glucan", "fungal β-glucan"),
            ("bosom peril", "breast cancer"),
            ("bosom peril growth", "breast cancer growth"),
            ("peril growth rate", "risk growth rate"),
        ]
    )


@pytest.fixture(scope="module")
def bundled() -> FingerprintIndex:
    return FingerprintIndex.bundled()


@pytest.fixture(scope="module")
def bundled_train() -> FingerprintIndex:
    return FingerprintIndex.bundled(PhraseSet.TRAIN)


def shared_phrases(split: str | None = None) -> set[str]:
    records = [
        json.loads(line)
        for line in SHARED_PHRASES.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return {
        " ".join(r["tortured"].lower().split())
        for r in records
        if split is None or r["split"] == split
    }


def spans(hits: list[FingerprintHit]) -> list[tuple[int, int, str, str]]:
    return [(hit.start, hit.end, hit.text, hit.expected) for hit in hits]


# --- offsets, boundaries, case ---------------------------------------------------------------


def test_offsets_slice_the_text_exactly(index: FingerprintIndex) -> None:
    text = "We trained a profound learning model and an irregular woodland classifier."
    assert spans(index.find(text)) == [
        (13, 30, "profound learning", "deep learning"),
        (44, 62, "irregular woodland", "random forest"),
    ]


@pytest.mark.parametrize(
    "prefix",
    [
        "İstanbul ",  # lower-cases to two characters
        "ﬁnal straße ",  # ligature and sharp s: case mapping changes their length too
        "😀 emoji outside the BMP ",
        "Ελληνικά και 中文 ",
        "\ud800 lone surrogate ",
        "  \n\n\t spaced   out  ",
        "“curly” — dashes – and\xa0no-break\u2009spaces ",
    ],
)
def test_offsets_survive_any_text_before_the_hit(index: FingerprintIndex, prefix: str) -> None:
    text = prefix + "Profound   learning, then more text"
    [hit] = index.find(text)
    assert (hit.start, hit.end) == (len(prefix), len(prefix) + len("Profound   learning"))
    assert text[hit.start : hit.end] == hit.text == "Profound   learning"


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=30),
    gap=st.text(alphabet=" \t\n\r-\xa0\u2009\u2013", min_size=1, max_size=4),
    after=st.text(max_size=30),
)
def test_found_hit_always_slices_its_own_text(
    index: FingerprintIndex, before: str, gap: str, after: str
) -> None:
    text = f"{before} profound{gap}learning {after}"
    for hit in index.find(text):
        assert text[hit.start : hit.end] == hit.text
    assert any(
        hit.start == len(before) + 1 and hit.expected == "deep learning" for hit in index.find(text)
    )


@pytest.mark.parametrize(
    "text",
    [
        "unprofound learnings",
        "unprofound learning",
        "profound learnings",
        "profound learning2",
        "profound learning_rate",
        "xprofound learning",
        "profound learningα",
        "profoundlearning",
    ],
)
def test_no_hit_inside_longer_words(index: FingerprintIndex, text: str) -> None:
    assert index.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "profound learning",
        "(profound learning)",
        '"profound learning"',
        "“profound learning”",
        "‘profound learning’",
        "«profound learning»",
        "[profound learning]",
        "and/profound learning/",
        "profound learning's rise",
        "profound learning’s rise",
        "word—profound learning.",
        "profound learning, then",
    ],
)
def test_hit_next_to_punctuation(index: FingerprintIndex, text: str) -> None:
    [hit] = index.find(text)
    assert hit.text == "profound learning"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("profound learning", "deep learning"),
        ("Profound learning", "Deep learning"),
        ("PROFOUND LEARNING", "DEEP LEARNING"),
        ("pRoFoUnD learning", "deep learning"),
        ("Web of Things (IoT)", "Internet of Things (IoT)"),
        ("PROTOTYPICAL Β-GLUCAN", "FUNGAL Β-GLUCAN"),
    ],
)
def test_case_insensitive_and_expected_follows_case(
    index: FingerprintIndex, spelling: str, expected: str
) -> None:
    [hit] = index.find(f"A {spelling} here.")
    assert (hit.text, hit.expected) == (spelling, expected)


@pytest.mark.parametrize(
    "gap", [" ", "  ", "\n", " \n\n  ", "\t", "-", " - ", "\xa0", "\u2009", "\u2013", "-\n"]
)
def test_any_run_of_whitespace_or_hyphens_between_words(index: FingerprintIndex, gap: str) -> None:
    text = f"the profound{gap}learning era"
    [hit] = index.find(text)
    assert hit.text == f"profound{gap}learning"
    assert hit.start == 4


def test_hyphenated_phrase_matches_spaced_text(index: FingerprintIndex) -> None:
    assert [hit.expected for hit in index.find("man made reasoning and man-made reasoning")] == [
        "artificial intelligence",
        "artificial intelligence",
    ]


def test_letters_outside_latin_scripts_must_match_exactly(index: FingerprintIndex) -> None:
    text = "prototypical γ-glucan, prototypical β-glucan"
    assert spans(index.find(text)) == [(23, 44, "prototypical β-glucan", "fungal β-glucan")]


# --- several hits ----------------------------------------------------------------------------


def test_multiple_hits_in_order(index: FingerprintIndex) -> None:
    text = "Irregular woodland beats profound learning; profound learning beats bosom peril."
    assert [(hit.start, hit.text) for hit in index.find(text)] == [
        (0, "Irregular woodland"),
        (25, "profound learning"),
        (44, "profound learning"),
        (68, "bosom peril"),
    ]


def test_longest_wins_where_phrases_start_together(index: FingerprintIndex) -> None:
    assert spans(index.find("the bosom peril growth rate")) == [
        (4, 22, "bosom peril growth", "breast cancer growth")
    ]


def test_leftmost_wins_where_phrases_overlap() -> None:
    index = FingerprintIndex.from_pairs([("b c d", "x"), ("a b", "y"), ("d e", "z")])
    assert [hit.text for hit in index.find("a b c d e")] == ["a b", "d e"]


def test_failed_longer_candidate_does_not_hide_a_shorter_one(index: FingerprintIndex) -> None:
    # "peril growth rate" starts inside "unbosom" territory and is fine; the longer
    # "bosom peril growth" fails its left boundary.
    assert [hit.text for hit in index.find("unbosom peril growth rate")] == ["peril growth rate"]


def test_empty_text_and_empty_index() -> None:
    assert FingerprintIndex.from_pairs([]).find("profound learning") == []
    assert FingerprintIndex.from_pairs([("a b", "c")]).find("") == []


def test_rejects_bytes() -> None:
    with pytest.raises(TypeError, match="str"):
        FingerprintIndex.from_pairs([("a b", "c")]).find(b"a b")  # type: ignore[arg-type]


def test_rejects_empty_pair() -> None:
    with pytest.raises(ValueError, match="pair 2"):
        FingerprintIndex.from_pairs([("a b", "c"), ("  ", "d")])


def test_long_document_with_paragraph_breaks(index: FingerprintIndex) -> None:
    # Long enough to take the vectorised path for squeezing runs of whitespace.
    paragraph = "Some words   here, and a (bracket).  Then profound \n learning.\n\n"
    text = "é " + paragraph * 2000
    hits = index.find(text)
    assert len(hits) == 2000
    assert all(text[hit.start : hit.end] == hit.text == "profound \n learning" for hit in hits)
    assert hits[1].start - hits[0].start == len(paragraph)


def test_pickles_small_and_still_works(bundled: FingerprintIndex) -> None:
    copy = pickle.loads(pickle.dumps(bundled))
    assert len(copy) == len(bundled)
    assert spans(copy.find("a profound learning model")) == [
        (2, 19, "profound learning", "deep learning")
    ]


# --- rules -----------------------------------------------------------------------------------


def test_plain_rule_and_its_text() -> None:
    index = FingerprintIndex.from_rules(['"profound learning" => "deep learning"   # the classic'])
    [hit] = index.find("A profound learning model")
    assert (hit.expected, hit.rule) == ("deep learning", '"profound learning" => "deep learning"')


def test_the_lists_parenthetical_notes_stay_out_of_the_restored_wording() -> None:
    index = FingerprintIndex.from_pairs(
        [("help vector machine", "support vector machine (svm)"), ("rythm design", "(?)")]
    )
    [hit] = index.find("A Help vector machine was trained.")
    assert hit.expected == "Support vector machine"
    assert "(svm)" in hit.rule  # the rule, as listed, keeps the note
    [whole_note] = index.find("The rythm design was odd.")
    assert whole_note.expected == "(?)"  # all note: nothing else to write


def test_and_needs_every_term_somewhere_else_in_the_document() -> None:
    index = FingerprintIndex.from_rules(
        '"bosom peril" => "breast cancer" AND "tumour" AND oncology'
    )
    assert index.find("A bosom peril.") == []
    assert index.find("A bosom peril. The tumour grew.") == []
    [hit] = index.find("Oncology first. A bosom peril. The TUMOUR grew.")
    assert (hit.text, hit.expected) == ("bosom peril", "breast cancer")
    # whole words only
    assert index.find("oncologyx: a bosom peril and tumours") == []


def test_context_term_inside_the_hit_does_not_count() -> None:
    index = FingerprintIndex.from_rules('"bosom peril" => "breast cancer" AND "peril"')
    assert index.find("a bosom peril") == []
    assert len(index.find("a bosom peril, a real peril")) == 1


def test_not_blocks_the_rule() -> None:
    index = FingerprintIndex.from_rules('"bosom peril" => "breast cancer" NOT "poetry"')
    assert len(index.find("The bosom peril was diagnosed.")) == 1
    assert index.find("Poetry: the bosom peril of love.") == []


def test_window_limits_context_to_nearby_words() -> None:
    index = FingerprintIndex.from_rules('"bosom peril" => "breast cancer" AND tumour ~3')
    assert len(index.find("tumour one two bosom peril")) == 1
    assert len(index.find("bosom peril, one two (tumour).")) == 1
    assert index.find("tumour one two three bosom peril") == []
    assert index.find("bosom peril one two three tumour") == []


def test_window_applies_to_not_terms_too() -> None:
    index = FingerprintIndex.from_rules('"bosom peril" => "breast cancer" NOT poetry ~2')
    assert index.find("poetry and bosom peril") == []
    assert len(index.find("poetry, then many other words, then bosom peril")) == 1


def test_first_rule_whose_conditions_hold_fires() -> None:
    index = FingerprintIndex.from_rules(
        [
            "# rules for one phrase, most specific first",
            '"bosom peril" => "breast cancer" AND tumour',
            "",
            '"bosom peril" => "chest danger"',
        ]
    )
    assert len(index) == 2
    assert [hit.expected for hit in index.find("bosom peril")] == ["chest danger"]
    assert [hit.expected for hit in index.find("bosom peril tumour")] == ["breast cancer"]


def test_rule_hits_are_unaffected_by_failed_conditions_elsewhere() -> None:
    index = FingerprintIndex.from_rules(
        [
            '"a b c" => "long" AND never',
            '"a b" => "short"',
        ]
    )
    assert [hit.expected for hit in index.find("a b c")] == ["short"]


def test_parse_rule_fields() -> None:
    rule = parse_rule('"Bosom  peril" => "breast cancer" AND tumour NOT "love poem" ~30 # note')
    assert rule is not None
    assert (rule.tortured, rule.expected, rule.require, rule.forbid, rule.window) == (
        "Bosom peril",
        "breast cancer",
        ("tumour",),
        ("love poem",),
        30,
    )
    assert parse_rule("   # only a comment") is None
    assert parse_rule("") is None


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('"a b" "c d"', "expected '=>' after the tortured phrase"),
        ('"a b" =>', "missing the expected phrase"),
        ('=> "c d"', "expected the tortured phrase at the start, found '=>'"),
        ('"a b => "c d"', "unterminated quote"),
        ('"a b" => "c d" AND', "missing a term after AND"),
        ('"a b" => "c d" NOT => x', "expected a term after NOT"),
        ('"a b" => "c d" "e"', "unexpected 'e': join context terms with AND or NOT"),
        ('"a b" => "c d" ~3', "'~N' needs at least one AND or NOT term"),
        ('"a b" => "c d" AND e ~0', "'~0' is not a window"),
        ('"a b" => "c d" AND e ~x', "'~x' is not a window"),
        ('"a b" => "c d" AND e ~3 AND f', "'~N' must come last"),
        ('"" => "c d"', "empty quotes"),
        ('AND => "c d"', "found the keyword AND"),
        ('"--" => "c d"', "no letters, digits or symbols"),
    ],
)
def test_malformed_rules_name_the_line_and_the_problem(line: str, problem: str) -> None:
    rules = ['"fine" => "ok"', "# comment", line]
    with pytest.raises(RuleSyntaxError) as raised:
        FingerprintIndex.from_rules(rules)
    assert raised.value.line_number == 3
    assert str(raised.value).startswith("line 3: ")
    assert problem in str(raised.value)
    assert line.strip() in str(raised.value)


def test_rules_as_one_string_count_lines() -> None:
    with pytest.raises(RuleSyntaxError, match="^line 2: "):
        FingerprintIndex.from_rules('"a" => "b"\n"c" "d"\n')


def test_match_case_keeps_unrelated_words_lower() -> None:
    assert match_case("deep learning", "Profound learning") == "Deep learning"
    assert match_case("deep learning", "Profound Learning") == "Deep Learning"
    assert match_case("random forest", "IRREGULAR WOODLAND") == "RANDOM FOREST"
    assert match_case("random forest", "irregular woodland") == "random forest"


# --- the bundled list ------------------------------------------------------------------------


def test_bundled_index_loads_and_finds_known_phrases(bundled: FingerprintIndex) -> None:
    assert len(bundled) > 6000
    text = "We trained a profound learning model and an irregular woodland classifier."
    assert [(hit.text, hit.expected) for hit in bundled.find(text)] == [
        ("profound learning", "deep learning"),
        ("irregular woodland", "random forest"),
    ]


@needs_shared_data
def test_train_list_holds_no_test_phrase(bundled_train: FingerprintIndex) -> None:
    test_phrases = shared_phrases("test")
    bundled_phrases = {rule.tortured for rule in bundled_train.rules}
    assert test_phrases, "the shared data should have a test split"
    assert bundled_phrases.isdisjoint(test_phrases)
    assert bundled_phrases == shared_phrases("train") - bundled_allow_list()


@needs_shared_data
def test_full_list_holds_every_published_row(bundled: FingerprintIndex) -> None:
    everything = shared_phrases()
    assert len(everything) == 7886
    assert {rule.tortured for rule in bundled.rules} == everything - bundled_allow_list()


@needs_shared_data
def test_full_list_catches_test_split_phrases_the_train_list_does_not(
    bundled: FingerprintIndex, bundled_train: FingerprintIndex
) -> None:
    test_phrases = sorted(shared_phrases("test") - bundled_allow_list())
    caught = train_caught = 0
    for phrase in test_phrases:
        text = f"In this paper the {phrase} is studied."
        caught += phrase in [hit.text.lower() for hit in bundled.find(text)]
        train_caught += any(hit.text.lower() == phrase for hit in bundled_train.find(text))
    assert caught == len(test_phrases)
    # A few test phrases differ from a train phrase only by a hyphen, which matching ignores.
    assert train_caught < 0.01 * len(test_phrases)


def test_allow_listed_terms_are_never_hits(bundled: FingerprintIndex) -> None:
    text = "Screening for malignant growth and brain organization in facial expression processing"
    assert bundled.find(text) == []
    assert {"malignant growth", "brain organization"} <= bundled_allow_list()


@needs_shared_data
def test_bundled_files_are_what_the_build_script_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), str(SHARED_PHRASES), "--out-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in BUILT_FILES:
        assert (tmp_path / name).read_text(encoding="utf-8") == (DATA_DIR / name).read_text(
            encoding="utf-8"
        ), name


def test_build_script_writes_all_rows_train_rows_and_provenance(tmp_path: Path) -> None:
    source = tmp_path / "phrases.jsonl"
    rows = [
        {"tortured": "Profound  Learning", "expected": "deep learning", "split": "train"},
        {"tortured": "profound learning", "expected": "deep learning", "split": "train"},
        {"tortured": "secret phrase", "expected": "hidden", "split": "test"},
        {"tortured": "aardvark thing", "expected": "b", "split": "train"},
    ]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), str(source), "--out-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )

    def body(name: str) -> list[str]:
        return [
            line
            for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        ]

    assert body("tortured_phrases_train.tsv") == [
        "aardvark thing\tb",
        "profound learning\tdeep learning",
    ]
    assert body("tortured_phrases.tsv") == [
        "aardvark thing\tb\ttrain",
        "profound learning\tdeep learning\ttrain",
        "secret phrase\thidden\ttest",
    ]
    meta = json.loads((tmp_path / "tortured_phrases.meta.json").read_text(encoding="utf-8"))
    assert meta["rows"] == 3 and meta["rows_by_split"] == {"train": 2, "test": 1}
    assert meta["licence"] == "CC BY 4.0" and meta["snapshot"] == "2026-03-06"
    full = (tmp_path / "tortured_phrases.tsv").read_bytes()
    assert meta["sha256"] == hashlib.sha256(full).hexdigest()


def test_build_script_refuses_an_unknown_split(tmp_path: Path) -> None:
    source = tmp_path / "phrases.jsonl"
    source.write_text(json.dumps({"tortured": "a b", "expected": "c", "split": "dev"}) + "\n")
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), str(source), "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "split must be one of" in result.stderr


def test_rules_built_in_code_are_checked_too() -> None:
    with pytest.raises(ValueError, match="empty phrase"):
        FingerprintRule("  ", "deep learning")
    with pytest.raises(ValueError, match="window"):
        FingerprintRule("profound learning", "deep learning", window=5)
    rule = FingerprintRule("profound learning", "deep learning", require=("neural",), window=5)
    [hit] = FingerprintIndex([rule]).find("a neural profound learning model")
    assert hit.rule == '"profound learning" => "deep learning" AND "neural" ~5'


REFERENCE_PHRASES = ["a b", "b c", "a b c", "ab c", "c"]


def reference_find(text: str) -> list[tuple[int, int]]:
    """Slow but obvious: a regex per phrase at every position, then leftmost-longest."""
    import re

    candidates = []
    for phrase in REFERENCE_PHRASES:
        body = r"[ \n\-]+".join(map(re.escape, phrase.split()))
        pattern = re.compile(rf"(?<![^ \n\-(])(?=({body})(?!\w))", re.IGNORECASE)
        candidates += [(m.start(), m.start() + len(m.group(1))) for m in pattern.finditer(text)]
    chosen, reached = [], 0
    for start, end in sorted(candidates, key=lambda span: (span[0], -span[1])):
        if start >= reached:
            chosen.append((start, end))
            reached = end
    return chosen


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "A", "b", "B", "ab", "AB", "c", "C", "cd", "é"]),
            st.sampled_from([" ", "  ", "\n", " -\n ", "-", "(", ",", "_", ""]),
        ),
        max_size=10,
    )
)
def test_agrees_with_a_regex_reference(pieces: list[tuple[str, str]]) -> None:
    index = FingerprintIndex.from_pairs([(phrase, phrase.upper()) for phrase in REFERENCE_PHRASES])
    text = "".join(word + separator for word, separator in pieces)
    assert [(hit.start, hit.end) for hit in index.find(text)] == reference_find(text)
