"""Shared fixtures and helpers: the real analyzer, a private user data directory, small spinner
dictionaries, a hand-made PDF, and the fake analyzer swapped in for the real one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import PhraseListAnalyzer

from unspin import default_analyzer, phrases
from unspin.profile import Profile, ProfilePair


@pytest.fixture(scope="session")
def analyzer():
    """The real pipeline over the shipped resources, loaded once for the whole run."""
    return default_analyzer()


@pytest.fixture(scope="session")
def lexicon(analyzer):
    return analyzer.lexicon


@pytest.fixture(autouse=True)
def user_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    """Every test gets an empty user data directory: no test reads or writes the real one."""
    directory = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv(phrases.DATA_DIR_ENV, str(directory))
    return directory


# Dictionaries written for these tests (never a third-party spinner's).
GROUPS_DICT = """\
# a hand-written spinner dictionary: any member may replace any other
said|stated|mentioned
deep learning|profound learning
big|large|a very big and large thing
"""
SPINTAX_DICT = "{said|stated|mentioned}\nThe {reporters|journalists} were {told|advised}.\n"
TSV_DICT = "original\tspun\nsaid\tmentioned\ntold\tadvised\nrandom forest\tirregular woodland\n"
CSV_DICT = 'original,spun\nsaid,mentioned\ntold,advised\n"data, raw","information, crude"\n'


@pytest.fixture()
def dictionaries(tmp_path: Path) -> dict[str, Path]:
    """One small spinner dictionary per supported layout, keyed by DictFormat value."""
    files = {
        "groups": ("spinner.txt", GROUPS_DICT),
        "spintax": ("spinner.spin", SPINTAX_DICT),
        "tsv": ("spinner.tsv", TSV_DICT),
        "csv": ("spinner.csv", CSV_DICT),
    }
    paths = {}
    for key, (name, text) in files.items():
        paths[key] = tmp_path / name
        paths[key].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture()
def small_profile() -> Profile:
    return Profile(
        name="test-spinner",
        pairs=(
            ProfilePair("mentioned", "said", 7, 0.9),
            ProfilePair("mentioned", "stated", 2, 0.3),
            ProfilePair("advised", "told", 4, 0.8),
            ProfilePair("profound learning", "deep learning", 3, 1.0),
        ),
        source="written for the tests",
        created="2026-11-26T00:00:00+00:00",
    )


@pytest.fixture()
def profile_file(tmp_path: Path, small_profile: Profile) -> Path:
    path = tmp_path / "spinner.profile.json"
    small_profile.save(path)
    return path


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (Helvetica), built by hand so the test needs no PDF writer."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


@pytest.fixture()
def make_pdf():
    return tiny_pdf


@pytest.fixture()
def fake_analyzer(monkeypatch) -> PhraseListAnalyzer:
    """Every shell that calls `unspin.pipeline.default_analyzer()` gets the fast fake instead."""
    import unspin.pipeline

    fake = PhraseListAnalyzer()
    monkeypatch.setattr(unspin.pipeline, "default_analyzer", lambda: fake)
    return fake
