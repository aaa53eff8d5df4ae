"""Build a deterministic cache of English distractor paragraphs from offline Debian documentation.

Why: the trace benchmark needs >= 100k paragraphs that are *not* the sources, so that recall@1 is
measured against a realistic haystack. Sources (install with apt-get):
python3.11-doc (reST sources), linux-doc-6.1 (kernel Documentation), perl-doc (POD), and the
plain-text files under /usr/share/doc.

    .venv/bin/python benchmarks/distractors.py            # writes .cache/distractors.jsonl
    .venv/bin/python benchmarks/distractors.py --limit 1000
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO_ROOT / ".cache" / "distractors.jsonl"
DEBIAN_PACKAGES = ("python3.11-doc", "linux-doc-6.1", "perl-doc", "postgresql-doc-15")
SOURCE_GLOBS: tuple[tuple[str, str], ...] = (
    ("/usr/share/doc/python3.11/html/_sources", "**/*.txt"),
    ("/usr/share/doc/linux-doc-6.1/Documentation", "**/*"),
    ("/usr/share/perl/5.36", "**/*.pod"),
    ("/usr/share/perl/5.36", "**/*.pm"),
    ("/usr/share/doc/postgresql-doc-15/html", "*.html"),
    ("/usr/share/man", "man[1-8]/*.gz"),
    ("/usr/share/doc", "*/README*"),
    ("/usr/share/doc", "*/*.txt*"),
)
MIN_WORDS = 20
MAX_WORDS = 250
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
MARKUP = re.compile(
    r":[a-z:]+:`([^`<]*)(?:<[^`]*>)?`|``([^`]*)``|`([^`<]*)(?:<[^`]*>)?`_*|[BCIFLSE]<([^>]*)>"
)


def _read_text(path: Path) -> str | None:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\0" in raw[:4096]:
        return None
    return raw.decode("utf-8", errors="replace")


ROFF_INLINE_FONT = re.compile(r"^\.(?:B|I|BR|RB|IR|RI|BI|IB|SM|SB)\s+(.*)$")
ROFF_ESCAPE = re.compile(r"\\f[A-Z1-4P]|\\f\(..|\\f\[[^\]]*\]|\\s[-+]?\d|\\&|\\c")
ROFF_CHAR = {
    "\\-": "-",
    "\\(em": "--",
    "\\(en": "-",
    "\\e": "\\",
    "\\ ": " ",
    "\\(aq": "'",
    "\\(lq": '"',
    "\\(rq": '"',
    "\\(bu": "*",
    "\\(co": "(c)",
    "\\|": "",
    "\\^": "",
}


def roff_to_text(source: str) -> str:
    """Man page source -> blank-line separated prose (font macros kept, layout macros as breaks)."""
    out: list[str] = []
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        font = ROFF_INLINE_FONT.match(line)
        if font:
            line = font.group(1).replace('"', "")
        elif line.startswith((".", "'")):
            out.append("")
            continue
        line = ROFF_ESCAPE.sub("", line)
        for escape, char in ROFF_CHAR.items():
            line = line.replace(escape, char)
        out.append(line)
    return "\n".join(out)


class _ParagraphCollector(HTMLParser):
    """Text of every <p> element, one per block."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "p":
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.depth:
            self.depth -= 1
            self.blocks.append(" ".join("".join(self.current).split()))
            self.current = []

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.current.append(data)


def html_to_text(source: str) -> str:
    collector = _ParagraphCollector()
    collector.feed(source)
    return "\n\n".join(collector.blocks)


def _strip_markup(line: str) -> str:
    return MARKUP.sub(lambda m: next(g for g in m.groups() if g is not None), line)


def paragraphs_of(text: str) -> Iterator[str]:
    """Prose paragraphs: blank-line separated, not indented (code), mostly words."""
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip("\n").splitlines()
        if not lines or lines[0].lstrip()[:1] in (".", "=", "-", "*", "#", "|", "+", ">", "$"):
            continue
        if len({len(line) - len(line.lstrip()) for line in lines}) > 1:
            continue  # ragged indentation: code, tables, lists
        joined = " ".join(_strip_markup(line.strip()) for line in lines)
        words = joined.split()
        if not MIN_WORDS <= len(words) <= MAX_WORDS:
            continue
        wordlike = sum(1 for w in words if WORD.fullmatch(w.strip(".,;:()\"'!?")))
        if wordlike / len(words) >= 0.8 and joined.rstrip()[-1:] in ".:!?)\"'":
            yield joined


def iter_source_files() -> Iterator[Path]:
    seen: set[Path] = set()
    for root, pattern in SOURCE_GLOBS:
        base = Path(root)
        if not base.is_dir():
            continue
        for path in sorted(base.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.add(path)
                yield path


def build(cache: Path, limit: int | None = None) -> int:
    """Write unique paragraphs, in a fixed order, to `cache` atomically; return the count."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    tmp = cache.with_suffix(".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as out:
        for path in iter_source_files():
            text = _read_text(path)
            if text is None:
                continue
            if path.suffix == ".html":
                text = html_to_text(text)
            elif str(path).startswith("/usr/share/man/"):
                text = roff_to_text(text)
            for number, paragraph in enumerate(paragraphs_of(text)):
                letters = re.sub(r"[^a-z0-9]+", "", paragraph.lower())  # markup-blind duplicates
                digest = hashlib.blake2b(letters.encode(), digest_size=12).digest()
                if digest in seen:
                    continue
                seen.add(digest)
                record = {"id": f"{path}#{number}", "text": paragraph}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
                if limit is not None and count >= limit:
                    break
            if limit is not None and count >= limit:
                break
    os.replace(tmp, cache)
    return count


def load(cache: Path = DEFAULT_CACHE, limit: int | None = None) -> list[dict]:
    """Read the cache (building it first when missing)."""
    if not cache.exists():
        build(cache)
    records = []
    with cache.open(encoding="utf-8") as handle:
        for line in handle:
            records.append(json.loads(line))
            if limit is not None and len(records) >= limit:
                break
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    count = build(args.out, args.limit)
    print(f"{count} distractor paragraphs -> {args.out}", file=sys.stderr)
    if count < 100_000:
        print(f"fewer than 100k: apt-get install {' '.join(DEBIAN_PACKAGES)}", file=sys.stderr)


if __name__ == "__main__":
    main()
