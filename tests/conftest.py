"""Shared fixtures: the real analyzer, a private user data directory, small spinner dictionaries."""

from __future__ import annotations

from pathlib import Path

import pytest

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
