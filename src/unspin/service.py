"""HTTP API and web page: a thin shell over `Analyzer.analyze`.

Every failure a client can cause comes back as a 4xx with a JSON body
`{"error": ..., "detail": ...}`; nothing a client sends can take the server down or hold it:
bodies have a size and a time limit, analyses a time limit and a concurrency cap (a request
waits a little for a free slot, then gets 429), an analysis stops when its client leaves
(where the core offers a progress hook), and the HTTP server closes connections whose headers
dribble in (`server_config`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from unspin import tokenize
from unspin.config import DEFAULTS
from unspin.language import guess_language, not_english_reason
from unspin.model import Report
from unspin.phrases import phrase_list_info
from unspin.pipeline import Analyzer, default_analyzer
from unspin.profile import Profile
from unspin.tokenize import InputError

STATIC_DIR = Path(__file__).parent / "static"
# About 80,000 words, which one analyzer process handles in well under a minute: a larger
# document would hold the single worker too long; `unspin screen` is for bulk work.
DEFAULT_MAX_BYTES = DEFAULTS.max_request_bytes
POLL_SECONDS = 0.2  # how often a running analysis checks for its deadline and its client

logger = logging.getLogger("unspin.service")


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    """What one client may ask of the server; every number bounds memory or time."""

    max_bytes: int = DEFAULT_MAX_BYTES  # request body
    timeout: float = 60.0  # seconds one analysis may run before the client gets a 504
    max_concurrent: int = 2  # analyses at once (they share the GIL; more only adds latency)
    # Seconds a request waits for a free analysis slot before it is turned away with 429: a
    # burst of clients is served in turn, a flood is refused. Four clients sending 1,000-word
    # articles to the default server got 198 refusals in 200 requests with no wait.
    queue_wait: float = 10.0
    retry_after: int = 10  # seconds suggested to a client turned away with 429
    body_timeout: float = 30.0  # seconds to receive a whole request body (slow-drip uploads)
    header_timeout: float = 10.0  # seconds to receive request headers (server_config)

    def __post_init__(self) -> None:
        if self.max_concurrent < 1:
            raise ValueError(
                f"max_concurrent must be at least 1, got {self.max_concurrent}: "
                "no analysis could ever run"
            )
        if not self.queue_wait >= 0:
            raise ValueError(f"queue_wait is seconds, zero or more, got {self.queue_wait}")


# The page loads nothing from elsewhere, so the browser may refuse anything that tries to.
# Sent on every response: JSON and error bodies must not be sniffed or framed either.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_SECURITY_HEADERS = SECURITY_HEADERS  # the name older callers used

# Stated in the OpenAPI schema so clients (and schemathesis) know blank or NUL text is refused.
# "Blank" as Python's str.isspace reads it: the schema's \s misses \x1c-\x1f and \x85.
NON_BLANK_TEXT = r"^[^\x00]*[^\x00\s\x1c-\x1f\x85][^\x00]*$"


class ApiError(HTTPException):
    """A client error with a short machine-readable name and a sentence for people."""

    def __init__(self, status_code: int, error: str, detail: str) -> None:
        super().__init__(status_code=status_code, detail=detail)
        self.error = error


class BodyTooLarge(ApiError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, "too_large", f"request body exceeds the limit of {max_bytes} bytes")


class BodyTimeout(ApiError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            408, "body_timeout", f"the request body did not arrive within {seconds:g} s"
        )


class AnalysisStopped(Exception):
    """Raised from the progress hook to end an analysis nobody will read."""


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
    judged: bool = Field(
        default=True,
        description="False when no verdict was given (too short, not English; see notes).",
    )
    restored: str = Field(description="The text with every span replaced by its original.")
    word_count: int = Field(ge=0)
    fingerprint_hits: int = Field(ge=0)
    notes: list[str] = Field(default_factory=list)
    language: str | None = Field(
        default=None,
        description="ISO 639-1 code when the text confidently looks like another language "
        "than English (unspin handles English only; the verdict then means little).",
    )


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


class LimitsOut(BaseModel):
    """The limits this server enforces, so clients (and the web page) can say them up front."""

    max_bytes: int = Field(description="Largest request body accepted, in bytes.")
    timeout_s: float = Field(description="Longest one analysis may run.")
    max_concurrent: int = Field(description="Analyses run at once; more wait for a free slot.")
    queue_wait_s: float = Field(
        description="Longest a request waits for a free slot before it is refused with 429."
    )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Body could not be parsed (not UTF-8 JSON)."},
    413: {"model": ErrorOut, "description": "Request body over the size limit."},
    415: {"model": ErrorOut, "description": "Binary (non-text) content."},
    408: {"model": ErrorOut, "description": "The request body arrived too slowly."},
    422: {"model": ErrorOut, "description": "Empty, malformed, or not UTF-8 text."},
    429: {"model": ErrorOut, "description": "Too many analyses running; see Retry-After."},
    500: {"model": ErrorOut, "description": "The analyzer failed on this input."},
    504: {"model": ErrorOut, "description": "The analysis ran past the time limit."},
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
    """The report as sent; non-English text gets its language and a note saying what it means."""
    out = ReportOut.model_validate(report.to_dict())
    code = guess_language(report.text)
    if code is not None and code != "en":
        out.language = code
        reason = not_english_reason(report.text)
        if reason and reason not in out.notes:
            out.notes.append(reason)
    return out


# --- body size limit ---


class BodySizeLimit:
    """Refuse oversized bodies: early from Content-Length, and again while bytes arrive.

    The second check covers chunked uploads and clients that understate Content-Length.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

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
        body_done = False
        loop = asyncio.get_running_loop()
        deadline = None if self.body_timeout is None else loop.time() + self.body_timeout

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if body_done or deadline is None:
                message = await receive()
            else:
                try:
                    message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
                except TimeoutError:
                    raise BodyTimeout(self.body_timeout or 0) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except (BodyTooLarge, BodyTimeout) as exc:
            # Normally the app's exception handler answers; this catches readers that bypass it.
            if response_started:
                raise
            await error_response(exc)(scope, receive, send)


class SecurityHeaders:
    """Security headers on every response, and (optionally) only the expected Host names."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str] | None = None) -> None:
        self.app = app
        self.allowed_hosts = [host.lower() for host in allowed_hosts or ()]

    def host_allowed(self, scope: Scope) -> bool:
        if not self.allowed_hosts or "*" in self.allowed_hosts:
            return True
        host = ""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1").lower()
        # Drop the port: "[::1]:8000" -> "[::1]", "example.org:80" -> "example.org".
        host = host[: host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
        for pattern in self.allowed_hosts:
            if host == pattern or (
                pattern.startswith("*.") and host.endswith(pattern[1:]) and host != pattern[2:]
            ):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if not self.host_allowed(scope):
            refusal = ApiError(400, "invalid_host", "this server does not answer for that Host")
            await error_response(refusal)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


class AnalysisSlots:
    """A count of running analyses, released by the worker thread when it really ends, and a
    first-come, first-served queue of requests waiting for one.

    A timed-out analysis keeps its slot until its thread finishes, so abandoned work still
    counts against the cap and cannot pile up. A freed slot goes straight to the longest
    waiting request: were waiters to poll, a client that sends its next request the moment
    its last one ends would take the slot again and again, and the others would wait out
    their time and be refused.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self._waiting: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = deque()
        self._lock = threading.Lock()

    async def acquire(self, wait: float, gone: Callable[[], Awaitable[bool]]) -> bool:
        """Take a slot, waiting up to `wait` seconds in line; False if none came free.

        `gone()` is asked every POLL_SECONDS while waiting: True (the client left) stops the
        wait with ApiError 499.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.busy < self.size and not self._waiting:
                self.busy += 1
                return True
            turn = (loop, loop.create_future())
            self._waiting.append(turn)
        give_up = loop.time() + wait
        try:
            while True:
                left = give_up - loop.time()
                try:
                    await asyncio.wait_for(asyncio.shield(turn[1]), max(min(POLL_SECONDS, left), 0))
                    return True
                except TimeoutError:
                    pass
                if left <= POLL_SECONDS and self._leave(turn):
                    return False
                if await gone():
                    raise ApiError(499, "client_closed", "the client closed the connection")
        except BaseException:
            if not self._leave(turn):  # the slot was handed over meanwhile: pass it on
                turn[1].add_done_callback(lambda _: self.release())
            raise

    def _leave(self, turn: tuple[asyncio.AbstractEventLoop, asyncio.Future]) -> bool:
        """Leave the line; False when it is too late (a slot was handed to this turn)."""
        with self._lock:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return True
            return False

    def release(self) -> None:
        with self._lock:
            if not self._waiting:
                self.busy -= 1
                return
            loop, future = self._waiting.popleft()  # the slot passes on; busy stays
        # RuntimeError: the server stopped and closed its loop; nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_grant, future)


def _grant(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


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
    max_bytes: int | None = None,
    limits: ServiceLimits | None = None,
    allowed_hosts: list[str] | None = None,
    profile: Profile | None = None,
) -> FastAPI:
    """Build the app; tests inject an analyzer, `unspin serve` uses the shared default one.

    `max_bytes` overrides `limits.max_bytes`; `allowed_hosts` (e.g. ["unspin.example.org",
    "*.example.org"]) refuses requests for any other Host header. `profile` (a spinner profile)
    applies to every request: it is loaded once, at start-up.
    """
    get_analyzer: Callable[[], Analyzer] = (
        (lambda: analyzer) if analyzer is not None else default_analyzer
    )
    limits = limits or ServiceLimits()
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_bytes=max_bytes)
    slots = AnalysisSlots(limits.max_concurrent)
    version = _package_version()
    phrases = phrase_list_info()
    phrase_list = PhraseListOut(
        summary=phrases.summary(),
        **{
            name: getattr(phrases, name) for name in PhraseListOut.model_fields if name != "summary"
        },
    )
    profile_line = profile.describe() if profile is not None else None

    # No /docs or /redoc: FastAPI's pages load Swagger UI from a CDN, and this server promises
    # that nothing is fetched from elsewhere. The schema is at /openapi.json.
    app = FastAPI(
        title="unspin",
        version=version,
        description="Detect and reverse automated text spinning (synonym substitution).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.limits = limits
    app.state.slots = slots
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_bytes, body_timeout=limits.body_timeout)
    app.add_middleware(SecurityHeaders, allowed_hosts=allowed_hosts)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc, ApiError):
            response = error_response(exc)
            response.headers.update(exc.headers or {})
            return response
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

    async def wait_for_slot(request: Request) -> None:
        """Take an analysis slot, waiting up to limits.queue_wait in line for one."""
        if not await slots.acquire(limits.queue_wait, request.is_disconnected):
            busy = ApiError(
                429,
                "busy",
                f"{limits.max_concurrent} analyses are already running and none ended "
                f"within {limits.queue_wait:g} s; retry in {limits.retry_after} s",
            )
            busy.headers = {"Retry-After": str(limits.retry_after)}
            raise busy

    async def run_analyzer(request: Request, text: str) -> Report:
        """Analyse in a worker thread, within the time limit and the concurrency cap."""
        await wait_for_slot(request)
        stop = threading.Event()
        current = get_analyzer()

        def check_stop(done_words: int, total_words: int) -> None:
            if stop.is_set():
                raise AnalysisStopped

        def work() -> Report:
            try:
                return current.analyze(text, profile=profile, progress=check_stop)
            finally:
                slots.release()

        # The analyzer is CPU-bound sync code; keep the event loop free for other requests.
        task = asyncio.ensure_future(run_in_threadpool(work))
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limits.timeout
        try:
            while not task.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise ApiError(
                        504,
                        "timeout",
                        f"analysis took longer than {limits.timeout:g} s; send a shorter text, "
                        "or use `unspin check` / `unspin screen` for long documents",
                    )
                await asyncio.wait({task}, timeout=min(POLL_SECONDS, remaining))
                if not task.done() and await request.is_disconnected():
                    raise ApiError(499, "client_closed", "the client closed the connection")
        except BaseException:
            stop.set()  # the worker thread stops at its next progress call
            raise
        try:
            return task.result()
        except ValueError as exc:
            raise ApiError(422, "rejected", str(exc)) from exc
        except Exception as exc:
            # Answered here rather than by the catch-all handler, which runs outside the
            # middleware that adds the security headers.
            logger.exception("analysis failed")
            raise ApiError(500, "analyzer_failed", type(exc).__name__) from exc

    @app.get("/healthz", response_model=HealthOut, tags=["service"])
    async def healthz() -> HealthOut:
        """Liveness probe; does not load language resources and answers while analyses run."""
        return HealthOut(
            status="ok", version=version, phrase_list=phrase_list, profile=profile_line
        )

    @app.get("/v1/limits", response_model=LimitsOut, tags=["service"])
    async def service_limits() -> LimitsOut:
        """The size, time and concurrency limits of this server."""
        return LimitsOut(
            max_bytes=limits.max_bytes,
            timeout_s=limits.timeout,
            max_concurrent=limits.max_concurrent,
            queue_wait_s=limits.queue_wait,
        )

    @app.post("/v1/analyze", response_model=ReportOut, responses=ERROR_RESPONSES, tags=["analyze"])
    async def analyze_text(body: TextIn, request: Request) -> ReportOut:
        """Find spun spans in JSON `{"text": ...}` and propose the original wording."""
        return report_out(await run_analyzer(request, check_text(body.text)))

    @app.post(
        "/v1/analyze/file", response_model=ReportOut, responses=ERROR_RESPONSES, tags=["analyze"]
    )
    async def analyze_file(
        file: Annotated[UploadFile, File(description="A UTF-8 plain text file.")],
        request: Request,
    ) -> ReportOut:
        """Same as /v1/analyze for an uploaded UTF-8 text file (multipart/form-data)."""
        text = decode_upload(await file.read())
        return report_out(await run_analyzer(request, text))

    @app.post("/v1/restore", response_model=RestoreOut, responses=ERROR_RESPONSES, tags=["analyze"])
    async def restore_text(body: TextIn, request: Request) -> RestoreOut:
        """Return only the restored text for JSON `{"text": ...}`."""
        report = await run_analyzer(request, check_text(body.text))
        return RestoreOut(
            restored=report.restored, replacements=len(report.spans), spin_score=report.spin_score
        )

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _package_version() -> str:
    try:
        return metadata.version("unspin")
    except metadata.PackageNotFoundError:
        return "unknown"


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for request headers.

    uvicorn only times out idle keep-alive connections; a client that opens a connection and
    sends its headers a byte at a time would hold it forever (slowloris). The request body has
    its own deadline in `BodySizeLimit`.
    """

    header_timeout: float = ServiceLimits().header_timeout  # server_config sets the real one

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        super().connection_made(transport)
        # asyncio sets TCP_NODELAY only on sockets it creates itself; on a socket bound
        # beforehand (--workers) each small response would wait 40 ms for a delayed ACK.
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if getattr(self, "_header_timer", None) is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        in_request = self.cycle is not None and not self.cycle.response_complete
        if in_request:
            self._disarm_header_timer()
        elif self._header_timer is None:
            self._arm_header_timer()  # the first bytes of the next request on this connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)


def server_config(
    app: FastAPI,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    header_timeout: float | None = None,
    **options: Any,
) -> uvicorn.Config:
    """uvicorn settings that bound what a slow or idle client can hold."""
    limits: ServiceLimits = getattr(app.state, "limits", ServiceLimits())
    protocol = type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout": header_timeout or limits.header_timeout},
    )
    settings: dict[str, Any] = {
        "timeout_keep_alive": 5,
        "limit_concurrency": 64,  # connections; beyond this uvicorn answers 503 at once
        "timeout_graceful_shutdown": 5,
    }
    settings.update(options)
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, http=protocol, **settings)


RESTART_PAUSE = 1.0  # seconds before a worker that died is replaced


def serve_processes(config: uvicorn.Config, workers: int) -> None:
    """Serve with `workers` processes forked from this one, all on one listening socket.

    One process analyses on one core at a time (the analysis holds the GIL), so a server on
    many cores needs as many processes. Forked after the resources are loaded (the caller
    loads them), workers share the memory-mapped tables and what pages of the loaded models
    they do not write to, and start at once. A
    worker that dies is replaced; SIGINT or SIGTERM stops them all. `workers` 1 serves in
    this process.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers == 1:
        uvicorn.Server(config).run()
        return
    if not hasattr(os, "fork"):
        raise RuntimeError("several worker processes need os.fork (Linux, macOS)")
    sock = config.bind_socket()
    # Objects made so far are left out of garbage collection, whose passes would otherwise
    # write to their pages and so copy the resources into every worker.
    gc.freeze()
    stopping = threading.Event()
    children: set[int] = set()

    def start_worker() -> None:
        pid = os.fork()
        if pid == 0:  # the worker: serve until told to stop, never return into the caller
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                uvicorn.Server(config).run(sockets=[sock])
            except BaseException:  # noqa: BLE001 - reported, then the supervisor replaces us
                logger.exception("unspin worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children.add(pid)

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(workers):
            start_worker()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            children.discard(pid)
            if not stopping.is_set():
                logger.warning("unspin worker %d ended (status %d); starting another", pid, status)
                time.sleep(RESTART_PAUSE)
                if not stopping.is_set():
                    start_worker()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
