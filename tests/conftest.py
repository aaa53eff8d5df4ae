"""Shared test helpers: a hand-made PDF, and the fake analyzer swapped in for the real one."""

from __future__ import annotations

import pytest
from fakes import PhraseListAnalyzer


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
