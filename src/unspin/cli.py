"""Command line: a thin shell over `unspin.analyze`.

Exit codes: 0 success (for `check`: not spun), 1 a finding (`check`: spun; `trace`: no candidate
source), 2 bad input or a usage error, always with a one-line message saying why.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
import typer
from typer.core import TyperCommand, TyperGroup

from unspin.config import DEFAULTS
from unspin.profile import DictFormat

EXIT_OK = 0
EXIT_FOUND = 1  # check: spun; trace: no candidate source
EXIT_BAD_INPUT = 2

MAX_INPUT_BYTES = DEFAULTS.max_file_bytes
PROGRESS_MIN_WORDS = 20_000  # below this `check` finishes in a few seconds: no bar needed


# --- help text: click-style metavars instead of typer's {file} and <bool> ---


def _plain_param(param: click.Parameter) -> None:
    """Typer prints argument names as {file} and a <type> tag beside every option; show the
    FILE / N metavars people know from other tools, and nothing beside flags."""
    if getattr(param, "_unspin_plain", False):
        return
    param._unspin_plain = True  # type: ignore[attr-defined]
    # Typer may bring its own copy of click, so go by the parameter's kind, not its class.
    if param.param_type_name == "argument":
        label = param.metavar or param.name.upper()
        if param.nargs != 1:
            label += "..."
        if not param.required:
            label = f"[{label}]"
        param.get_usage_pieces = lambda ctx: [label]  # type: ignore[method-assign]
        param.display_type_rich = lambda ctx: None  # type: ignore[attr-defined]
    elif param.param_type_name == "option":
        flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        shown = None if flag else (param.metavar or "TEXT")
        param.display_type_rich = lambda ctx: shown  # type: ignore[attr-defined]


class _PlainHelp:
    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            _plain_param(param)
        return params


class PlainCommand(_PlainHelp, TyperCommand):
    pass


class PlainGroup(_PlainHelp, TyperGroup):
    pass


app = typer.Typer(
    cls=PlainGroup,
    help="Detect and reverse automated text spinning.",
    no_args_is_help=True,
    add_completion=False,
    epilog="Exit codes: 0 ok / not spun, 1 spun (check) or no source found (trace), "
    "2 bad input or usage. Run `unspin COMMAND --help` for examples.",
)


def _processes(workers: int) -> int:
    """`--workers` as screen and serve take it: 0 means one process per core."""
    import os

    return workers or max(1, os.cpu_count() or 1)


def _fail(message: str) -> NoReturn:
    """One line on stderr and exit code 2: what was wrong, not a traceback."""
    typer.echo(f"unspin: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _version_text() -> str:
    """Package version and the tortured-phrase list in use (what a bug report needs)."""
    from importlib import metadata

    from unspin.phrases import phrase_list_info

    try:
        version = metadata.version("unspin")
    except metadata.PackageNotFoundError:
        version = "unknown"
    info = phrase_list_info()
    return (
        f"unspin {version}\n"
        f"PPS phrase list: {info.rows:,} rows, snapshot {info.snapshot}, {info.licence}, "
        f"sha256 {info.sha256[:12]} ({info.origin} copy, {info.allowed} allow-listed)\n"
        f"  {info.name} ({info.credit}), source: {info.source}"
    )


def _show_version(value: bool) -> None:
    if value:
        typer.echo(_version_text())
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Show the version and the tortured-phrase list, then exit.",
    ),
) -> None:
    """Detect and reverse automated text spinning."""


# --- spinner profiles (shared by check, restore, screen, serve) ---


# Options of the commands that read a corpus (screen, learn), as `screen` reads it.
CORPUS_INPUTS = typer.Argument(
    ...,
    metavar="INPUT",
    help="Files or directories (.txt, .md, .pdf, .jsonl, .parquet), or - for standard "
    "input (JSON lines, or one plain-text document)",
)
TEXT_FIELD_OPTION = typer.Option(
    "text",
    "--text-field",
    "--text-column",
    metavar="NAME",
    help="JSONL field / Parquet column with the text",
)
PROFILE_OPTION = typer.Option(
    None,
    "--profile",
    metavar="FILE",
    help="Spinner profile (JSON) whose pairs to try first",
    show_default=False,
)
SPINNER_DICT_OPTION = typer.Option(
    None,
    "--spinner-dict",
    metavar="FILE",
    help="A spinner's own dictionary (a|b groups, {a|b} spintax, TSV/CSV original,spun)",
    show_default=False,
)
DICT_FORMAT_OPTION = typer.Option(
    None,
    "--dict-format",
    case_sensitive=False,
    metavar="groups|spintax|tsv|csv",
    help="Layout of --spinner-dict (default: guess)",
)


PARTIAL_DICT_OPTION = typer.Option(
    False,
    "--partial-dict",
    help="--spinner-dict is a fragment of the spinner's dictionary: its pairs only add "
    "candidates (default: it is the whole dictionary, the only source of rewrites)",
)


def _profile_source(
    profile: str | None,
    spinner_dict: str | None,
    dict_format: DictFormat | None,
    partial_dict: bool = False,
):
    """Where the profile comes from, checked by loading it once here (a bad one stops with a
    one-line message, rc 2); None without one."""
    from unspin.profile import ProfileError, ProfileSource

    if spinner_dict is None:
        if dict_format is not None:
            _fail("--dict-format needs --spinner-dict")
        if partial_dict:
            _fail("--partial-dict needs --spinner-dict")
    if profile is None and spinner_dict is None:
        return None
    try:
        source = ProfileSource(profile, spinner_dict, dict_format, partial=partial_dict)
        loaded = source.load()
    except (ProfileError, ValueError) as error:
        _fail(str(error))
    for note in loaded.notes:
        typer.echo(f"unspin: {note}", err=True)
    return source


def _load_profile(
    profile: str | None,
    spinner_dict: str | None,
    dict_format: DictFormat | None,
    partial_dict: bool = False,
):
    """The profile named by --profile / --spinner-dict (both: merged), or None."""
    source = _profile_source(profile, spinner_dict, dict_format, partial_dict)
    return source.load() if source is not None else None


# --- core commands (check, restore) ---


def _read_text(file: str) -> str:
    """Text of FILE ('-' for stdin; PDFs have their text extracted); bad input stops with a
    one-line message, not a traceback."""
    import sys

    from unspin.ingest import PDF_MAGIC, pdf_text
    from unspin.tokenize import MAX_CHARS, InputError, decode_bytes

    try:
        if file == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(file).open("rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        _fail(f"cannot read {file}: {error.strerror or error}")
    if len(raw) > MAX_INPUT_BYTES:
        _fail(
            f"{file}: larger than {MAX_INPUT_BYTES:,} bytes; unspin analyses at most "
            f"{MAX_CHARS:,} characters at once: split it into smaller files (a chapter or an "
            "article each) and check those, or screen them all with `unspin screen DIR`"
        )
    if raw.startswith(PDF_MAGIC):
        try:
            raw = pdf_text(raw).encode("utf-8")
        except ValueError as error:
            _fail(f"{file}: {error}")
        if not raw.strip():
            _fail(f"{file}: the PDF has no extractable text (a scan? run OCR first)")
    try:
        return decode_bytes(raw)
    except InputError as error:
        _fail(f"{file}: {error}")


def _analyze(text: str, profile=None):
    """The report, with a progress bar on a terminal for long documents."""
    import sys

    from unspin.pipeline import default_analyzer

    analyzer = default_analyzer()
    long = len(text.split()) >= PROGRESS_MIN_WORDS
    if not (long and sys.stderr.isatty()):
        return analyzer.analyze(text, profile=profile)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("analysing (words)", total=None)

        def advance(done_words: int, total_words: int) -> None:
            progress.update(task, completed=done_words, total=total_words)

        return analyzer.analyze(text, profile=profile, progress=advance)


def _corpus_progress(counts: str, console, transient: bool = False):
    """The bar of the commands that work through a corpus: documents done, `counts`, times."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(counts),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


def _analyze_file(file: str, as_json: bool, any_language: bool, profile=None):
    """The report for FILE (with the spinner profile, if any); with --json it is also printed
    here."""
    import json

    from unspin.language import not_english_reason
    from unspin.tokenize import InputError

    text = _read_text(file)
    if not any_language and (reason := not_english_reason(text)):
        _fail(f"{file}: {reason} (--any-language analyses it anyway)")
    try:
        report = _analyze(text, profile)
    except InputError as error:
        _fail(f"{file}: {error}")
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    return report


FILE_ARGUMENT_HELP = "Text or PDF file, or - for standard input"
ANY_LANGUAGE_HELP = "Analyse text that does not look English (unspin only knows English)"


@app.command(
    "check",
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin check paper.txt\n\n"
    "unspin check --json paper.pdf > report.json\n\n"
    "curl -s https://example.org/article.txt | unspin check - && echo clean\n\n"
    "unspin check --profile acme.profile.json paper.txt\n\n"
    "Exit codes: 0 not spun, 1 spun, 2 bad input (unreadable, empty, binary, too large, "
    "not English, an unusable --profile or --spinner-dict).",
)
def check_command(
    file: str = typer.Argument(..., metavar="FILE", help=FILE_ARGUMENT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON"),
    any_language: bool = typer.Option(False, "--any-language", help=ANY_LANGUAGE_HELP),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
    partial_dict: bool = PARTIAL_DICT_OPTION,
) -> None:
    """Say whether FILE looks machine-spun and list the spun spans with proposed originals."""
    from rich.console import Console
    from rich.table import Table

    loaded = _load_profile(profile, spinner_dict, dict_format, partial_dict)
    report = _analyze_file(file, as_json, any_language, loaded)
    code = EXIT_FOUND if report.is_spun else EXIT_OK
    if as_json:
        raise typer.Exit(code)
    console = Console()
    if report.judged:
        verdict = "[bold red]spun[/]" if report.is_spun else "[bold green]not spun[/]"
        verdict += f": spin score {report.spin_score:.2f}"
    else:  # too short, or not English: a score printed beside "not spun" would mislead
        verdict = "[bold yellow]no verdict[/]"
    console.print(
        f"{verdict}, {len(report.spans)} spun spans in {report.word_count:,} words "
        f"({report.fingerprint_hits} known tortured phrases)"
    )
    for note in report.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    if report.spans:
        table = Table("chars", "spun text", "proposed original", "confidence", "source")
        for span in report.spans:
            table.add_row(
                f"{span.start}-{span.end}",
                span.text,
                span.original,
                f"{span.confidence:.2f}",
                span.source,
            )
        console.print(table)
    raise typer.Exit(code)


@app.command(
    "restore",
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin restore spun.txt > restored.txt\n\n"
    "unspin restore --diff paper.pdf | less -R\n\n"
    "unspin restore --spinner-dict acme-synonyms.txt spun.txt\n\n"
    "Exit codes: 0 done, 2 bad input.",
)
def restore_command(
    file: str = typer.Argument(..., metavar="FILE", help=FILE_ARGUMENT_HELP),
    diff: bool = typer.Option(False, "--diff", help="Show a coloured word diff"),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON"),
    any_language: bool = typer.Option(False, "--any-language", help=ANY_LANGUAGE_HELP),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
    partial_dict: bool = PARTIAL_DICT_OPTION,
) -> None:
    """Print FILE with every spun span replaced by its most likely original wording."""
    from rich.console import Console
    from rich.text import Text

    from unspin.render import word_diff

    loaded = _load_profile(profile, spinner_dict, dict_format, partial_dict)
    report = _analyze_file(file, as_json, any_language, loaded)
    if as_json:
        return
    if not diff:
        typer.echo(report.restored, nl=not report.restored.endswith("\n"))
        return
    console = Console(highlight=False)
    styles = {"same": "", "removed": "strike red", "added": "bold green"}
    # Without colour (a pipe, a file) the diff needs visible markers instead.
    marks = {"same": "{}", "removed": "[-{}-]", "added": "{{+{}+}}"}
    text = Text()
    for piece in word_diff(report.text, report.restored):
        shown = piece.text if console.is_terminal else marks[piece.kind].format(piece.text)
        text.append(shown, style=styles[piece.kind])
    console.print(text, soft_wrap=True)


# --- trace commands (index, trace) ---


@app.command(
    "index",
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin index originals/ --out originals.index\n\n"
    "unspin index corpus.jsonl --text-field body --id-field doi --out corpus.index\n\n"
    "unspin index corpus.parquet --out corpus.index --force   # rebuild an existing index",
)
def index_command(
    inputs: list[str] = typer.Argument(  # noqa: B008
        ..., metavar="INPUT", help="Directories of .txt/.md/.pdf, JSONL or Parquet files"
    ),
    out: str = typer.Option(..., "--out", "-o", metavar="DIR", help="Index directory to create"),
    text_field: str = typer.Option(
        "text", metavar="NAME", help="JSONL field / Parquet column holding the text"
    ),
    id_field: str = typer.Option(
        "id", metavar="NAME", help="JSONL field / Parquet column holding the id"
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace an existing index (never any other directory)"
    ),
) -> None:
    """Build an index of original documents for `unspin trace`."""
    import time

    from rich.console import Console
    from rich.progress import Progress

    from unspin.ingest import IngestOptions, expand_inputs, iter_documents
    from unspin.trace import build_index, check_replaceable

    console = Console(stderr=True)
    target = Path(out)
    if target.exists() and not force:
        _fail(f"{target} already exists (use --force to replace an old index)")
    try:
        check_replaceable(target)
        expand_inputs([Path(p) for p in inputs])
    except (FileExistsError, FileNotFoundError) as exc:
        _fail(str(exc))
    skipped: list[str] = []

    def usable(documents):
        for document in documents:
            if document.error:
                skipped.append(f"{document.id}: {document.error}")
            else:
                yield document.id, document.text

    started = time.perf_counter()
    try:
        documents = iter_documents([Path(p) for p in inputs], IngestOptions(text_field, id_field))
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("indexing", total=None)
            index = build_index(usable(documents), progress=lambda n: progress.advance(task, n))
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    if not len(index):
        detail = ""
        if skipped:
            more = f"; and {len(skipped) - 3:,} more" if len(skipped) > 3 else ""
            detail = f": skipped {'; '.join(skipped[:3])}{more} (text read from {text_field!r})"
        _fail(f"no usable documents found{detail}")
    try:
        index.save(target, overwrite=force)
    except (FileExistsError, OSError) as exc:
        _fail(f"cannot write {target}: {getattr(exc, 'strerror', None) or exc}")
    for line in skipped[:20]:
        console.print(f"[yellow]skipped[/] {line}", markup=True, highlight=False)
    elapsed = time.perf_counter() - started
    console.print(
        f"indexed {len(index):,} documents ({len(skipped):,} skipped) "
        f"into {target} in {elapsed:.1f} s"
    )


@app.command(
    "trace",
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin trace suspicious.txt --index originals.index\n\n"
    "unspin trace - --index originals.index --json < suspicious.txt\n\n"
    "Exit codes: 0 a candidate source was found, 1 none, 2 bad input.",
)
def trace_command(
    file: str = typer.Argument(..., metavar="FILE", help="Spun text or PDF file, or - for stdin"),
    index: str = typer.Option(
        ..., "--index", "-i", metavar="DIR", help="Index built by `unspin index`"
    ),
    top: int = typer.Option(
        5, "--top", "-k", min=1, metavar="N", help="Number of candidates to show"
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of tables"),
) -> None:
    """Find the source of a spun text and align it word by word."""
    import json
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from unspin.trace import TraceIndex, align_to_source

    text = _read_text(file)
    try:
        loaded = TraceIndex.load(index)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    matches = loaded.query(text, k=top)
    source = loaded.text_of(matches[0].doc_id) if matches else None
    edits = align_to_source(text, source) if source is not None else []
    if json_output:
        payload = {
            "matches": [asdict(m) for m in matches],
            "source": source,
            "edits": [asdict(e) for e in edits],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        raise typer.Exit(EXIT_OK if matches else EXIT_FOUND)
    console = Console()
    if not matches:
        console.print("no candidate source shares a content word with this text")
        raise typer.Exit(EXIT_FOUND)
    candidates = Table(title="source candidates")
    for column in ("rank", "document", "score", "overlap", "alignment"):
        candidates.add_column(column, justify="left" if column == "document" else "right")
    for rank, match in enumerate(matches, 1):
        candidates.add_row(
            str(rank),
            match.doc_id,
            f"{match.score:.3f}",
            f"{match.overlap:.3f}",
            f"{match.alignment:.3f}",
        )
    console.print(candidates)
    restoration = Table(title=f"restoration against {matches[0].doc_id}")
    restoration.add_column("at", justify="right")
    restoration.add_column("spun")
    restoration.add_column("source")
    for edit in edits:
        restoration.add_row(str(edit.spun_start), edit.spun_text or "-", edit.source_text or "-")
    console.print(restoration)
    console.print(source, markup=False, highlight=False)


# --- learn command ---


def _check_profile_out(out: Path, force: bool) -> None:
    """Fail before any work when the learned profile could not be written at the end."""
    import tempfile

    if out.is_dir():
        _fail(f"--out {out} is a directory; give a file name such as spinner.profile.json")
    if out.exists() and not force:
        _fail(f"{out} exists (use --force to replace it)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        _fail(f"cannot write {out}: {parent} is not a directory")
    try:  # the only sure test of writability, whoever we run as
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        _fail(f"cannot write to {parent}: {exc.strerror or exc}")


@app.command(
    "learn",
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin learn site-dump/ --out acme.profile.json\n\n"
    "unspin learn articles.jsonl --text-field body --out acme.profile.json\n\n"
    "unspin restore --profile acme.profile.json article.txt\n\n"
    "Give it documents believed to come from one spinner (one site, one paper mill): the more "
    "words, the more pairs it can confirm (a few dozen articles at least).\n\n"
    "Exit codes: 0 done, 2 bad input or usage.",
)
def learn_command(
    inputs: list[str] = CORPUS_INPUTS,
    out: str = typer.Option(..., "--out", "-o", metavar="FILE", help="Profile (JSON) to write"),
    text_field: str = TEXT_FIELD_OPTION,
    id_field: str = typer.Option(
        None, "--id-field", metavar="NAME", help="JSONL field / Parquet column with an id"
    ),
    name: str = typer.Option(
        None, "--name", metavar="NAME", help="Name of the profile (default: from --out)"
    ),
    min_count: int = typer.Option(
        None, "--min-count", min=1, metavar="N", help="Occurrences a spun form needs (default 2)"
    ),
    min_confidence: float = typer.Option(
        None,
        "--min-confidence",
        min=0.0,
        max=1.0,
        metavar="P",
        help="Confidence a pair needs to be kept (default 0.5)",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file"),
) -> None:
    """Learn a spinner profile (spun form -> original) from documents one spinner produced."""
    from rich.console import Console

    from unspin.ingest import DEFAULT_MAX_CHARS, IngestOptions, estimate_count, iter_documents
    from unspin.learn import MIN_CONFIDENCE, MIN_COUNT, CorpusEvidence
    from unspin.tokenize import InputError

    if inputs.count("-") > 1:
        _fail("standard input (-) can be given once")
    target = Path(out)
    _check_profile_out(target, force)
    paths = [Path(p) for p in inputs]
    try:
        total = estimate_count(paths)
    except FileNotFoundError as exc:
        _fail(str(exc))
    options = IngestOptions(text_field, id_field, DEFAULT_MAX_CHARS)
    console = Console(stderr=True)
    skipped: list[str] = []
    _quiet_libraries()
    evidence = CorpusEvidence()
    try:
        with _corpus_progress("{task.fields[words]:,} words", console, transient=True) as progress:
            task = progress.add_task("learning", total=total or None, words=0)
            for document in iter_documents(paths, options):
                if document.error:
                    skipped.append(f"{document.id}: {document.error}")
                else:
                    try:
                        evidence.add(document.text)
                    except InputError as error:
                        skipped.append(f"{document.id}: {error}")
                progress.update(task, advance=1, words=evidence.total_words)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    if skipped:
        more = f" (and {len(skipped) - 3:,} more)" if len(skipped) > 3 else ""
        typer.echo(f"unspin: skipped {'; '.join(skipped[:3])}{more}", err=True)
    if not evidence.documents:
        _fail(f"no usable documents found (text read from {text_field!r} in tables)")
    profile = evidence.profile(
        name=name or target.name.split(".")[0] or "learned",
        min_count=MIN_COUNT if min_count is None else min_count,
        min_confidence=MIN_CONFIDENCE if min_confidence is None else min_confidence,
    )
    try:
        profile.save(target)
    except OSError as exc:
        _fail(f"cannot write {target}: {exc.strerror or exc}")
    console.print(
        f"learned {len(profile):,} pairs from {evidence.documents:,} documents "
        f"({evidence.total_words:,} words): {target}"
    )
    if evidence.total_words < 5_000:
        console.print(
            "note: under 5,000 words is little to learn from; pairs need repeated occurrences"
        )


# --- screen command ---


@app.command(
    "screen",
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin screen papers/ --out results.parquet\n\n"
    "unspin screen corpus.jsonl --text-field body --id-field doi --out results.parquet -j 8\n\n"
    "zcat dump.jsonl.gz | unspin screen - --out results.parquet\n\n"
    "unspin screen corpus.parquet --out results.parquet --engine dask "
    "--scheduler tcp://10.0.0.5:8786\n\n"
    "Interrupted? Run the same command again: finished documents are kept and skipped.",
)
def screen_command(
    inputs: list[str] = CORPUS_INPUTS,
    out: str = typer.Option(..., "--out", "-o", metavar="FILE", help="Parquet file to write"),
    text_field: str = TEXT_FIELD_OPTION,
    id_field: str = typer.Option(
        None,
        "--id-field",
        metavar="NAME",
        help="JSONL field / Parquet column with an id (default: row number)",
    ),
    workers: int = typer.Option(
        0, "--workers", "-j", min=0, metavar="N", help="Processes (0: all cores)"
    ),
    batch_size: int = typer.Option(
        32, "--batch-size", min=1, metavar="N", help="Documents per task"
    ),
    engine: str = typer.Option(
        "local", "--engine", metavar="local|dask", help="local (process pool) or dask"
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address (with --engine dask; default: a local cluster)",
    ),
    connect_timeout: float = typer.Option(
        10.0,
        "--connect-timeout",
        min=0.1,
        metavar="SECONDS",
        help="How long to try reaching --scheduler",
    ),
    limit: int = typer.Option(
        None, "--limit", min=1, metavar="N", help="Stop after N new documents"
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file"),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
    partial_dict: bool = PARTIAL_DICT_OPTION,
) -> None:
    """Screen a corpus into a Parquet table; rerun the same command to resume after a kill."""
    import warnings

    from rich.console import Console
    from rich.table import Table

    from unspin.ingest import DEFAULT_MAX_CHARS, IngestOptions
    from unspin.screen import ENGINES, ScreenError, ScreenOptions, screen

    if engine not in ENGINES:
        _fail(f"--engine must be one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        _fail("--scheduler only applies to --engine dask")
    if inputs.count("-") > 1:
        _fail("standard input (-) can be given once")
    options = ScreenOptions(
        ingest=IngestOptions(text_field, id_field, DEFAULT_MAX_CHARS, defer_files=True),
        workers=_processes(workers),
        batch_size=batch_size,
        engine=engine,
        scheduler=scheduler,
        limit=limit,
        overwrite=force,
        connect_timeout=connect_timeout,
        profile=_profile_source(profile, spinner_dict, dict_format, partial_dict),
    )
    console = Console(stderr=True)

    # dask and pypdf talk on stderr about their internals; the progress bar says what matters.
    _quiet_libraries()
    # The bar starts once the job has started: refusals (bad --out, unreachable scheduler)
    # come first, as one line each.
    progress = _corpus_progress("{task.fields[spun]} spun, {task.fields[errors]} errors", console)
    task = progress.add_task("screening", total=None, spun=0, errors=0)

    def started(pending: int, already_done: int) -> None:
        progress.start()
        if already_done:
            progress.console.print(f"resuming: {already_done:,} documents already done")
        progress.update(task, total=pending)

    def finished_batch(rows: list[dict]) -> None:
        fields = progress.tasks[task].fields
        progress.update(
            task,
            advance=len(rows),
            spun=fields["spun"] + sum(1 for row in rows if row["is_spun"]),
            errors=fields["errors"] + sum(1 for row in rows if row["error"]),
        )

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = screen([Path(p) for p in inputs], Path(out), options, started, finished_batch)
        if summary.complete:  # the up-front total was an estimate
            progress.update(task, total=summary.processed, completed=summary.processed)
    except (FileNotFoundError, FileExistsError, ScreenError, ValueError) as exc:
        progress.stop()
        _fail(str(exc))
    except OSError as exc:
        progress.stop()
        _fail(f"{getattr(exc, 'filename', None) or out}: {exc.strerror or exc}")
    finally:
        progress.stop()
    table = Table(title="screen summary")
    table.add_column("documents", justify="right")
    table.add_column("this run", justify="right")
    table.add_column("spun", justify="right")
    table.add_column("errors", justify="right")
    table.add_column("time", justify="right")
    table.add_column("docs/s", justify="right")
    table.add_row(
        f"{summary.total:,}",
        f"{summary.processed:,}",
        f"{summary.spun:,}",
        f"{summary.errors:,}",
        f"{summary.seconds:.1f} s",
        f"{summary.docs_per_second:,.1f}",
    )
    console.print(table)
    if summary.complete:
        console.print(f"results: {summary.output}")
    else:
        console.print(f"stopped early; rerun the same command to resume ({summary.output})")


def _quiet_libraries() -> None:
    import logging

    for name in ("distributed", "dask", "tornado", "pypdf", "bokeh"):
        logging.getLogger(name).setLevel(logging.ERROR)


# --- serve command ---


@app.command(
    cls=PlainCommand,
    epilog="Examples:\n\n"
    "unspin serve   # then open http://127.0.0.1:8000/\n\n"
    "unspin serve --host 0.0.0.0 --port 8080 --allowed-host unspin.example.org\n\n"
    "unspin serve --workers 0   # one process per core\n\n"
    'curl -s localhost:8000/v1/analyze -H "content-type: application/json" '
    '-d \'{"text": "a profound learning model"}\'',
)
def serve(
    host: str = typer.Option(
        "127.0.0.1", metavar="ADDRESS", help="Interface to listen on (0.0.0.0 for all)."
    ),
    port: int = typer.Option(8000, min=0, max=65535, metavar="PORT", help="TCP port."),
    max_bytes: int | None = typer.Option(
        None, min=1, metavar="BYTES", help="Largest request body accepted (default 500,000)."
    ),
    timeout: float | None = typer.Option(
        None, min=1, metavar="SECONDS", help="Time limit of one analysis (default 60)."
    ),
    max_concurrent: int | None = typer.Option(
        None,
        min=1,
        metavar="N",
        help="Analyses run at once; more wait for a free one (default 2).",
    ),
    queue_wait: float | None = typer.Option(
        None,
        min=0,
        metavar="SECONDS",
        help="Longest a request waits for a free analysis before it gets 429 (default 10).",
    ),
    allowed_host: list[str] = typer.Option(  # noqa: B008
        None,
        "--allowed-host",
        metavar="HOST",
        help="Accept only requests for this Host (repeat it; *.example.org allowed).",
    ),
    log_level: str = typer.Option("info", metavar="LEVEL", help="uvicorn log level."),
    workers: int = typer.Option(
        1,
        "--workers",
        "-j",
        min=0,
        metavar="N",
        help="Server processes, each with its own --max-concurrent analyses (0: all cores).",
    ),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
    partial_dict: bool = PARTIAL_DICT_OPTION,
) -> None:
    """Serve the web page at / and the HTTP API (/v1/analyze, /v1/restore, /openapi.json)."""
    from unspin.pipeline import default_analyzer
    from unspin.service import ServiceLimits, create_app, serve_processes, server_config

    defaults = ServiceLimits()
    limits = ServiceLimits(
        max_bytes=max_bytes or defaults.max_bytes,
        timeout=timeout or defaults.timeout,
        max_concurrent=max_concurrent or defaults.max_concurrent,
        queue_wait=defaults.queue_wait if queue_wait is None else queue_wait,
    )
    # server-wide, read once
    loaded = _load_profile(profile, spinner_dict, dict_format, partial_dict)
    if loaded is not None:
        typer.echo(f"unspin: using {loaded.describe()}", err=True)
    typer.echo("unspin: loading language resources…", err=True)
    default_analyzer().warm()  # the first request is not the slow one; workers share them
    app_ = create_app(limits=limits, allowed_hosts=allowed_host or None, profile=loaded)
    config = server_config(app_, host=host, port=port, log_level=log_level)
    processes = _processes(workers)
    if processes > 1:
        typer.echo(f"unspin: {processes} worker processes", err=True)
    try:
        serve_processes(config, processes)
    except RuntimeError as error:
        _fail(str(error))


# --- phrases sub-commands (the published tortured-phrase list) ---

phrases_app = typer.Typer(
    help="The published tortured-phrase list: provenance, updates, allow-list.",
    no_args_is_help=True,
)
app.add_typer(phrases_app, name="phrases")


@phrases_app.command("info")
def phrases_info_command(
    as_json: bool = typer.Option(False, "--json", help="Print the details as JSON"),
) -> None:
    """Show where the tortured-phrase list in use came from: source, snapshot, licence, hash."""
    import json

    from unspin.phrases import phrase_list_info

    info = phrase_list_info()
    if as_json:
        typer.echo(json.dumps(info.to_dict(), ensure_ascii=False, indent=1))
        return
    fields = {
        "list": info.name,
        "credit": info.credit,
        "source": info.source,
        "snapshot": info.snapshot,
        "licence": f"{info.licence} ({info.licence_url})",
        "rows": f"{info.rows:,}",
        "sha256": info.sha256,
        "copy": f"{info.origin}: {info.path}",
        "allow-listed": f"{info.allowed:,} listed phrases not reported",
        "changes": info.changes,
    }
    for key, value in fields.items():
        typer.echo(f"{key + ':':14}{value}")


@phrases_app.command("update")
def phrases_update_command(
    file: str = typer.Argument(..., help="A PPS export: CSV, TSV, JSON or JSON Lines"),
    replace: bool = typer.Option(
        False, "--replace", help="Use only the export's rows (default: merge into the list)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the changes, write nothing"),
    snapshot: str | None = typer.Option(
        None, "--snapshot", help="Date of the export, YYYY-MM-DD (default: today)"
    ),
) -> None:
    """Load a newer PPS export into your copy of the list (in the user data directory)."""
    from datetime import date
    from pathlib import Path

    from unspin.phrases import PhraseListError, update

    if snapshot is not None:
        try:
            date.fromisoformat(snapshot)
        except ValueError:
            _fail(f"--snapshot {snapshot!r} is not a YYYY-MM-DD date")
    try:
        summary = update(Path(file), replace=replace, dry_run=dry_run, snapshot=snapshot)
    except PhraseListError as error:
        _fail(str(error))
    for line in summary.skipped[:10]:
        typer.echo(f"skipped {line}", err=True)
    if len(summary.skipped) > 10:
        typer.echo(f"skipped {len(summary.skipped) - 10:,} more rows", err=True)
    typer.echo(
        f"{summary.read:,} rows read: {summary.added:,} added, {summary.changed:,} changed, "
        f"{summary.unchanged:,} unchanged, {summary.removed:,} removed, "
        f"{len(summary.skipped):,} skipped; the list now has {summary.rows:,} rows"
    )
    typer.echo(f"wrote {summary.path}" if summary.written else "dry run: nothing written")


@phrases_app.command("allow")
def phrases_allow_command(
    terms: list[str] = typer.Argument(  # noqa: B008
        None, help="Legitimate terms never to report, e.g. 'malignant growth'"
    ),
    remove: bool = typer.Option(False, "--remove", help="Take the terms off your allow-list"),
) -> None:
    """Allow-list terms the list flags but people really write; without TERMS, list them."""
    from unspin.phrases import (
        PhraseListError,
        allow,
        bundled_allow_list,
        disallow,
        user_allow_list,
        user_data_dir,
    )

    try:
        if not terms:
            for term in sorted(bundled_allow_list()):
                typer.echo(f"{term}\t(bundled)")
            for term in sorted(user_allow_list() - bundled_allow_list()):
                typer.echo(f"{term}\t(yours)")
            return
        changed = disallow(terms) if remove else allow(terms)
    except PhraseListError as error:
        _fail(str(error))
    verb = "removed" if remove else "allowed"
    typer.echo(f"{verb} {len(changed)} term(s){': ' + ', '.join(changed) if changed else ''}")
    if changed:
        typer.echo(f"allow-list: {user_data_dir() / 'allowlist.txt'}")


@phrases_app.command("reset")
def phrases_reset_command() -> None:
    """Go back to the bundled list (removes your updated copy; the allow-list stays)."""
    from unspin.phrases import reset

    typer.echo("removed your copy of the list" if reset() else "already using the bundled list")
