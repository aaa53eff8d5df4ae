"""Command line: a thin shell over `unspin.analyze`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Detect and reverse automated text spinning.", no_args_is_help=True)

# --- core commands (check, restore) ---

# --- trace commands (index, trace) ---


def _read_query_text(file: str) -> str:
    """Text of FILE ('-' for stdin), or exit with a clear message when it cannot be traced."""
    import sys
    from pathlib import Path

    from unspin.ingest import DEFAULT_MAX_CHARS, check_text, decode_bytes

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror or exc}") from exc
    text, error = decode_bytes(raw)
    error = error or check_text(text, DEFAULT_MAX_CHARS)
    if error:
        raise typer.BadParameter(f"{file}: {error}")
    return text


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
    console.print(f"indexed {len(index):,} documents ({len(skipped):,} skipped) "
                  f"into {target} in {elapsed:.1f} s")


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

    text = _read_query_text(file)
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
        candidates.add_row(str(rank), match.doc_id, f"{match.score:.3f}",
                           f"{match.overlap:.3f}", f"{match.alignment:.3f}")
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

# --- serve command ---


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port."),
    max_bytes: int = typer.Option(2_000_000, min=1, help="Largest request body accepted."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Serve the web page at / and the HTTP API (/v1/analyze, /v1/restore, /openapi.json)."""
    import uvicorn

    from unspin.pipeline import default_analyzer
    from unspin.service import create_app

    typer.echo("unspin: loading language resources…", err=True)
    default_analyzer()  # load now, so the first request is not the slow one
    uvicorn.run(create_app(max_bytes=max_bytes), host=host, port=port, log_level=log_level)
