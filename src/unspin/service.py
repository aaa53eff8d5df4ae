"""HTTP API and web page: a thin shell over `Analyzer.analyze`.

Every failure a client can cause comes back as a 4xx with a JSON body
`{"error": ..., "detail": ...}`; nothing a client sends can take the server down.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspin import tokenize
from unspin.model import Report
from unspin.phrases import phrase_list_info
from unspin.pipeline import Analyzer, default_analyzer
from unspin.profile import Profile, analyze_with_profile
from unspin.tokenize import InputError

STATIC_DIR = Path(__file__).parent / "static"
# About 80,000 words, which one analyzer process handles in well under a minute: a larger
# document would hold the single worker too long; `unspin screen` is for bulk work.
DEFAULT_MAX_BYTES = 500_000

# The page loads nothing from elsewhere, so the browser may refuse anything that tries to.
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# Stated in the OpenAPI schema so clients (and schemathesis) know blank or NUL text is refused.
NON_BLANK_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"


class ApiError(HTTPException):
    """A client error with a short machine-readable name and a sentence for people."""

    def __init__(self, status_code: int, error: str, detail: str) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.error = error


class BodyTooLarge(ApiError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, "too_large", f"request body exceeds the limit of {max_bytes} bytes")


# --- response and request models (mirror Report.to_dict()) ---


class SpanOut(BaseModel):
    """A spun stretch of the submitted text; text == input[start:end] in code points."""

    start: int = Field(ge=0, description="Code-point offset where the span starts.")
    end: int = Field(ge=0, description="Code-point offset just after the span.")
    text: str = Field(description="The spun wording as it appears in the input.")
    original: str = Field(description="The most likely original wording.")
    confidence: float = Field(ge=0, le=1)
    source: str = Field(description='"fingerprint" or the thesaurus the candidate came from.')
    alternatives: list[str] = Field(default_factory=list)


class ReportOut(BaseModel):
    """Everything the analyzer found in one document."""

    text: str = Field(description="The analyzed text (decoded, BOM removed).")
    spans: list[SpanOut]
    spin_score: float = Field(ge=0, le=1, description="Probability the text was machine-spun.")
    is_spun: bool
    restored: str = Field(description="The text with every span replaced by its original.")
    word_count: int = Field(ge=0)
    fingerprint_hits: int = Field(ge=0)
    notes: list[str] = Field(default_factory=list)


class RestoreOut(BaseModel):
    """Only the repaired text, for callers that do not need the evidence."""

    restored: str
    replacements: int = Field(ge=0, description="How many spans were replaced.")
    spin_score: float = Field(ge=0, le=1)


class TextIn(BaseModel):
    # The limits are checked by check_text (clearer messages); the schema states them for clients.
    text: str = Field(
        description="Text to analyze: not blank, no NUL characters.",
        json_schema_extra={"minLength": 1, "pattern": NON_BLANK_TEXT},
    )


class ErrorOut(BaseModel):
    error: str = Field(description="Short machine-readable error name.")
    detail: str = Field(description="What was wrong, for people.")


class PhraseListOut(BaseModel):
    """Provenance of the tortured-phrase list the server uses (CC BY 4.0 attribution)."""

    summary: str
    rows: int = Field(ge=0)
    snapshot: str
    sha256: str
    licence: str
    credit: str
    source: str
    origin: str = Field(description='"bundled" or "user" (updated with `unspin phrases update`)')


class HealthOut(BaseModel):
    status: str
    version: str
    phrase_list: PhraseListOut
    profile: str | None = Field(None, description="The server-wide spinner profile, if any.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Body could not be parsed (not UTF-8 JSON)."},
    413: {"model": ErrorOut, "description": "Request body over the size limit."},
    415: {"model": ErrorOut, "description": "Binary (non-text) content."},
    422: {"model": ErrorOut, "description": "Empty, malformed, or not UTF-8 text."},
    500: {"model": ErrorOut, "description": "The analyzer failed on this input."},
}


# --- input checks shared by the JSON and upload routes ---


_UPLOAD_STATUS = {"binary": 415, "unsupported_encoding": 415, "too_large": 413}


def check_text(text: str) -> str:
    """Reject text the analyzer cannot meaningfully (or safely) process."""
    try:
        return tokenize.check_text(text)
    except InputError as error:
        raise ApiError(413 if error.kind == "too_large" else 422, error.kind, str(error)) from None


def decode_upload(data: bytes) -> str:
    """Decode an uploaded file as UTF-8 (a BOM is allowed and dropped)."""
    try:
        return tokenize.decode_bytes(data)
    except InputError as error:
        raise ApiError(_UPLOAD_STATUS.get(error.kind, 422), error.kind, str(error)) from None


def report_out(report: Report) -> ReportOut:
    return ReportOut.model_validate(report.to_dict())


# --- body size limit ---


class BodySizeLimit:
    """Refuse oversized bodies: early from Content-Length, and again while bytes arrive.

    The second check covers chunked uploads and clients that understate Content-Length.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await error_response(BodyTooLarge(self.max_bytes))(scope, receive, send)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:
            # Normally the app's exception handler answers; this catches readers that bypass it.
            if response_started:
                raise
            await error_response(exc)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(
        ErrorOut(error=exc.error, detail=str(exc.detail)).model_dump(),
        status_code=exc.status_code,
    )


def _describe_validation_errors(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


# --- the app ---

# Errors raised by FastAPI/Starlette themselves, renamed into the API's error vocabulary.
HTTP_ERROR_NAMES = {
    400: ("malformed_body", " (send UTF-8 JSON, or multipart/form-data to /v1/analyze/file)"),
    404: ("not_found", ""),
    405: ("method_not_allowed", ""),
}


def create_app(
    analyzer: Analyzer | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    profile: Profile | None = None,
) -> FastAPI:
    """Build the app; tests inject an analyzer, `unspin serve` uses the shared default one.

    `profile` (a spinner profile) applies to every request: it is loaded once, at start-up.
    """
    get_analyzer: Callable[[], Analyzer] = (
        (lambda: analyzer) if analyzer is not None else default_analyzer
    )
    version = _package_version()
    phrases = phrase_list_info()
    phrase_list = PhraseListOut(
        summary=phrases.summary(),
        **{
            name: getattr(phrases, name) for name in PhraseListOut.model_fields if name != "summary"
        },
    )
    profile_line = profile.describe() if profile is not None else None

    app = FastAPI(
        title="unspin",
        version=version,
        description="Detect and reverse automated text spinning (synonym substitution).",
    )
    app.add_middleware(BodySizeLimit, max_bytes=max_bytes)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc, ApiError):
            return error_response(exc)
        name, hint = HTTP_ERROR_NAMES.get(exc.status_code, ("http_error", ""))
        response = error_response(ApiError(exc.status_code, name, f"{exc.detail}{hint}"))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(ApiError(422, "invalid_request", _describe_validation_errors(exc)))

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        # Keep the server up and say so plainly; the traceback goes to the server log.
        return error_response(ApiError(500, "analyzer_failed", type(exc).__name__))

    async def run_analyzer(text: str) -> Report:
        try:
            # The analyzer is CPU-bound sync code; keep the event loop free for other requests.
            return await run_in_threadpool(
                analyze_with_profile, get_analyzer().analyze, text, profile
            )
        except ValueError as exc:
            raise ApiError(422, "rejected", str(exc)) from exc

    @app.get("/healthz", response_model=HealthOut, tags=["service"])
    async def healthz() -> HealthOut:
        """Liveness probe; does not load language resources."""
        return HealthOut(
            status="ok", version=version, phrase_list=phrase_list, profile=profile_line
        )

    @app.post("/v1/analyze", response_model=ReportOut, responses=ERROR_RESPONSES, tags=["analyze"])
    async def analyze_text(body: TextIn) -> ReportOut:
        """Find spun spans in JSON `{"text": ...}` and propose the original wording."""
        return report_out(await run_analyzer(check_text(body.text)))

    @app.post(
        "/v1/analyze/file", response_model=ReportOut, responses=ERROR_RESPONSES, tags=["analyze"]
    )
    async def analyze_file(
        file: Annotated[UploadFile, File(description="A UTF-8 plain text file.")],
    ) -> ReportOut:
        """Same as /v1/analyze for an uploaded UTF-8 text file (multipart/form-data)."""
        text = decode_upload(await file.read())
        return report_out(await run_analyzer(text))

    @app.post("/v1/restore", response_model=RestoreOut, responses=ERROR_RESPONSES, tags=["analyze"])
    async def restore_text(body: TextIn) -> RestoreOut:
        """Return only the restored text for JSON `{"text": ...}`."""
        report = await run_analyzer(check_text(body.text))
        return RestoreOut(
            restored=report.restored, replacements=len(report.spans), spin_score=report.spin_score
        )

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_SECURITY_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _package_version() -> str:
    try:
        return metadata.version("unspin")
    except metadata.PackageNotFoundError:
        return "unknown"
