"""Command line: a thin shell over `unspin.analyze`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Detect and reverse automated text spinning.", no_args_is_help=True)

# --- core commands (check, restore) ---

# --- trace commands (index, trace) ---

# --- screen command ---

# --- serve command ---
