"""Command line: a thin shell over `unspin.analyze`."""

from __future__ import annotations

import typer

from unspin.profile import DictFormat

app = typer.Typer(help="Detect and reverse automated text spinning.", no_args_is_help=True)


# --- version and spinner profiles (shared by check, restore, screen, serve) ---


def _show_version(value: bool) -> None:
    if not value:
        return
    from unspin.phrases import phrase_list_info
    from unspin.service import _package_version

    typer.echo(f"unspin {_package_version()}")
    typer.echo(phrase_list_info().summary())
    raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Show the version and the tortured-phrase list in use, then exit.",
    ),
) -> None:
    """Detect and reverse automated text spinning."""


PROFILE_OPTION = typer.Option(
    None, "--profile", help="Spinner profile (JSON) whose pairs to try first", show_default=False
)
SPINNER_DICT_OPTION = typer.Option(
    None,
    "--spinner-dict",
    help="A spinner's own dictionary (a|b groups, {a|b} spintax, TSV/CSV original,spun)",
    show_default=False,
)
DICT_FORMAT_OPTION = typer.Option(
    None, "--dict-format", case_sensitive=False, help="Layout of --spinner-dict (default: guess)"
)


def _profile_source(profile: str | None, spinner_dict: str | None, dict_format: DictFormat | None):
    """Where the profile comes from, checked by loading it once here; None without one."""
    from unspin.profile import ProfileError, ProfileSource

    if profile is None and spinner_dict is None:
        if dict_format is not None:
            raise typer.BadParameter("--dict-format needs --spinner-dict")
        return None
    try:
        source = ProfileSource(profile, spinner_dict, dict_format)
        loaded = source.load()
    except (ProfileError, ValueError) as error:
        raise typer.BadParameter(str(error)) from error
    for note in loaded.notes:
        typer.echo(f"unspin: {note}", err=True)
    return source


def _load_profile(profile: str | None, spinner_dict: str | None, dict_format: DictFormat | None):
    """The profile named by --profile / --spinner-dict (both: merged), or None."""
    source = _profile_source(profile, spinner_dict, dict_format)
    return source.load() if source is not None else None


# --- core commands (check, restore) ---

MAX_INPUT_BYTES = 20_000_000


def _read_text(file: str) -> str:
    """Text of FILE ('-' for stdin); bad input stops with a message, not a traceback."""
    import sys
    from pathlib import Path

    from unspin.tokenize import InputError, decode_bytes

    try:
        if file == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(file).open("rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise typer.BadParameter(f"cannot read {file}: {error.strerror or error}") from error
    if len(raw) > MAX_INPUT_BYTES:
        raise typer.BadParameter(
            f"{file}: larger than {MAX_INPUT_BYTES:,} bytes; split it or use `unspin screen`"
        )
    try:
        return decode_bytes(raw)
    except InputError as error:
        raise typer.BadParameter(f"{file}: {error}") from error


def _analyze_file(file: str, as_json: bool, profile=None):
    """The report for FILE; with --json it is printed here and None comes back."""
    import json

    from unspin.pipeline import analyze
    from unspin.profile import ProfileError, analyze_with_profile
    from unspin.tokenize import InputError

    text = _read_text(file)
    try:
        report = analyze_with_profile(analyze, text, profile)
    except (InputError, ProfileError) as error:
        raise typer.BadParameter(f"{file}: {error}") from error
    if not as_json:
        return report
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    return None


@app.command("check")
def check_command(
    file: str = typer.Argument(..., help="Text file to check, or - for standard input"),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON"),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
) -> None:
    """Say whether FILE looks machine-spun and list the spun spans with proposed originals."""
    from rich.console import Console
    from rich.table import Table

    report = _analyze_file(file, as_json, _load_profile(profile, spinner_dict, dict_format))
    if report is None:
        return
    console = Console()
    verdict = "[bold red]spun[/]" if report.is_spun else "[bold green]not spun[/]"
    console.print(
        f"{verdict}: spin score {report.spin_score:.2f}, {len(report.spans)} spun spans "
        f"in {report.word_count:,} words ({report.fingerprint_hits} known tortured phrases)"
    )
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


@app.command("restore")
def restore_command(
    file: str = typer.Argument(..., help="Text file to restore, or - for standard input"),
    diff: bool = typer.Option(False, "--diff", help="Show a coloured word diff"),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON"),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
) -> None:
    """Print FILE with every spun span replaced by its most likely original wording."""
    from rich.console import Console
    from rich.text import Text

    from unspin.render import word_diff

    report = _analyze_file(file, as_json, _load_profile(profile, spinner_dict, dict_format))
    if report is None:
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


@app.command("index")
def index_command(
    inputs: list[str] = typer.Argument(  # noqa: B008
        ..., help="Directories of .txt/.md/.pdf, JSONL or Parquet"
    ),
    out: str = typer.Option(..., "--out", "-o", help="Index directory to create"),
    text_field: str = typer.Option("text", help="JSONL field / Parquet column holding the text"),
    id_field: str = typer.Option("id", help="JSONL field / Parquet column holding the id"),
    force: bool = typer.Option(False, "--force", help="Replace an existing index"),
) -> None:
    """Build an index of original documents for `unspin trace`."""
    import time
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress

    from unspin.ingest import IngestOptions, iter_documents
    from unspin.trace import build_index

    console = Console(stderr=True)
    target = Path(out)
    if target.exists() and not force:
        raise typer.BadParameter(f"{target} already exists (use --force to replace it)")
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
        raise typer.BadParameter(str(exc)) from exc
    if not len(index):
        raise typer.BadParameter("no usable documents found")
    index.save(target, overwrite=force)
    for line in skipped[:20]:
        console.print(f"[yellow]skipped[/] {line}")
    elapsed = time.perf_counter() - started
    console.print(
        f"indexed {len(index):,} documents ({len(skipped):,} skipped) "
        f"into {target} in {elapsed:.1f} s"
    )


@app.command("trace")
def trace_command(
    file: str = typer.Argument(..., help="Spun text file ('-' for stdin)"),
    index: str = typer.Option(..., "--index", "-i", help="Index built by `unspin index`"),
    top: int = typer.Option(5, "--top", "-k", min=1, help="Number of candidates to show"),
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
        raise typer.BadParameter(str(exc)) from exc
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
        return
    console = Console()
    if not matches:
        console.print("no candidate source shares a content word with this text")
        raise typer.Exit(1)
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


# --- screen command ---


@app.command("screen")
def screen_command(
    inputs: list[str] = typer.Argument(  # noqa: B008
        ..., help="Files or directories: .txt, .md, .pdf, .jsonl, .parquet"
    ),
    out: str = typer.Option(..., "--out", "-o", help="Parquet file to write"),
    text_field: str = typer.Option(
        "text", "--text-field", "--text-column", help="JSONL field / Parquet column with the text"
    ),
    id_field: str = typer.Option(
        None, "--id-field", help="JSONL field / Parquet column with an id (default: row number)"
    ),
    workers: int = typer.Option(0, "--workers", "-j", min=0, help="Processes (0: all cores)"),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or dask"),
    scheduler: str = typer.Option(None, "--scheduler", help="dask scheduler address"),
    limit: int = typer.Option(None, "--limit", min=1, help="Stop after N new documents"),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out"),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
) -> None:
    """Screen a corpus into a Parquet table; rerun the same command to resume after a kill."""
    import os
    from pathlib import Path

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    from unspin.ingest import DEFAULT_MAX_CHARS, IngestOptions
    from unspin.screen import ENGINES, ScreenOptions, screen

    if engine not in ENGINES:
        raise typer.BadParameter(f"--engine must be one of {', '.join(ENGINES)}")
    options = ScreenOptions(
        ingest=IngestOptions(text_field, id_field, DEFAULT_MAX_CHARS, defer_files=True),
        workers=workers or max(1, os.cpu_count() or 1),
        batch_size=batch_size,
        engine=engine,
        scheduler=scheduler,
        limit=limit,
        overwrite=force,
        profile=_profile_source(profile, spinner_dict, dict_format),
    )
    console = Console(stderr=True)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[spun]} spun, {task.fields[errors]} errors"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("screening", total=None, spun=0, errors=0)

        def started(pending: int, already_done: int) -> None:
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
            summary = screen([Path(p) for p in inputs], Path(out), options, started, finished_batch)
        except (FileNotFoundError, FileExistsError, ValueError) as exc:
            raise typer.BadParameter(str(exc)) from exc
        if summary.complete:  # the up-front total was an estimate
            progress.update(task, total=summary.processed, completed=summary.processed)
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


# --- serve command ---


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port."),
    max_bytes: int | None = typer.Option(
        None, min=1, help="Largest request body accepted (default 500,000 bytes)."
    ),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    profile: str | None = PROFILE_OPTION,
    spinner_dict: str | None = SPINNER_DICT_OPTION,
    dict_format: DictFormat | None = DICT_FORMAT_OPTION,
) -> None:
    """Serve the web page at / and the HTTP API (/v1/analyze, /v1/restore, /openapi.json)."""
    import uvicorn

    from unspin.pipeline import default_analyzer
    from unspin.service import DEFAULT_MAX_BYTES, create_app

    loaded = _load_profile(profile, spinner_dict, dict_format)  # server-wide, read once
    if loaded is not None:
        typer.echo(f"unspin: using {loaded.describe()}", err=True)
    typer.echo("unspin: loading language resources…", err=True)
    default_analyzer()  # load now, so the first request is not the slow one
    app_ = create_app(max_bytes=max_bytes or DEFAULT_MAX_BYTES, profile=loaded)
    uvicorn.run(app_, host=host, port=port, log_level=log_level)


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
            raise typer.BadParameter(f"--snapshot {snapshot!r} is not a YYYY-MM-DD date") from None
    try:
        summary = update(Path(file), replace=replace, dry_run=dry_run, snapshot=snapshot)
    except PhraseListError as error:
        raise typer.BadParameter(str(error)) from error
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
        raise typer.BadParameter(str(error)) from error
    verb = "removed" if remove else "allowed"
    typer.echo(f"{verb} {len(changed)} term(s){': ' + ', '.join(changed) if changed else ''}")
    if changed:
        typer.echo(f"allow-list: {user_data_dir() / 'allowlist.txt'}")


@phrases_app.command("reset")
def phrases_reset_command() -> None:
    """Go back to the bundled list (removes your updated copy; the allow-list stays)."""
    from unspin.phrases import reset

    typer.echo("removed your copy of the list" if reset() else "already using the bundled list")
