"""The service bounds heavy work: time limit, concurrency cap, client disconnects, slow clients;
security headers on every response; nothing loaded from elsewhere; optional trusted hosts."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fakes import BlockingAnalyzer, PhraseListAnalyzer, SlowAnalyzer
from servers import serving

from unspin.model import Report
from unspin.service import SECURITY_HEADERS, AnalysisSlots, ApiError, ServiceLimits, create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

GERMAN = (
    "Die Ergebnisse zeigen, dass das Modell bei der Klassifikation deutlich besser abschneidet "
    "als frühere Ansätze, und die Autoren empfehlen weitere Untersuchungen."
)


class SlowAnalyzerWithoutHook(SlowAnalyzer):
    """An analyzer that never calls its progress hook, so it cannot be interrupted (like the real
    one in a stage that reports no progress)."""

    def analyze(self, text: str, profile=None, progress=None) -> Report:
        return super().analyze(text, profile=profile)


def assert_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["detail"]
    return body


# --- time limit ---


def test_an_analysis_past_the_time_limit_gets_a_504_and_is_stopped():
    analyzer = SlowAnalyzer(seconds=10)
    client = TestClient(create_app(analyzer, limits=ServiceLimits(timeout=0.5)))
    started = time.monotonic()
    body = assert_error(client.post("/v1/analyze", json={"text": "hello"}), 504, "timeout")
    assert time.monotonic() - started < 3
    assert "0.5 s" in body["detail"]
    assert analyzer.stopped.wait(3) and not analyzer.finished.is_set()


def test_work_that_cannot_be_interrupted_keeps_its_slot_until_it_ends():
    analyzer = SlowAnalyzerWithoutHook(seconds=1.5)
    limits = ServiceLimits(timeout=0.3, max_concurrent=1, queue_wait=0)
    client = TestClient(create_app(analyzer, limits=limits))
    assert_error(client.post("/v1/analyze", json={"text": "hello"}), 504, "timeout")
    busy = client.post("/v1/analyze", json={"text": "hello"})
    assert_error(busy, 429, "busy")
    assert analyzer.finished.wait(5)
    time.sleep(0.1)
    assert client.post("/v1/analyze", json={"text": "a profound learning"}).status_code == 504


# --- concurrency cap ---


def test_requests_beyond_the_cap_get_429_with_retry_after_and_healthz_still_answers():
    analyzer = BlockingAnalyzer()
    limits = ServiceLimits(max_concurrent=1, queue_wait=0.3)
    client = TestClient(create_app(analyzer, limits=limits))
    first: dict = {}
    worker = threading.Thread(
        target=lambda: first.update(response=client.post("/v1/analyze", json={"text": "one"}))
    )
    worker.start()
    try:
        assert analyzer.running.acquire(timeout=10)
        started = time.monotonic()
        refused = client.post("/v1/restore", json={"text": "two"})
        assert time.monotonic() - started >= 0.3  # it waited for a slot first
        assert_error(refused, 429, "busy")
        assert int(refused.headers["retry-after"]) > 0
        started = time.monotonic()
        assert client.get("/healthz").status_code == 200
        assert time.monotonic() - started < 1
    finally:
        analyzer.release.set()
        worker.join(10)
    assert first["response"].status_code == 200


async def client_stays() -> bool:
    return False


def test_a_freed_slot_goes_to_the_longest_waiting_request():
    async def scenario() -> None:
        slots = AnalysisSlots(1)
        assert await slots.acquire(0, client_stays)
        served: list[str] = []

        async def wait(name: str) -> None:
            assert await slots.acquire(5, client_stays)
            served.append(name)

        first = asyncio.create_task(wait("first"))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(wait("second"))
        await asyncio.sleep(0.05)
        assert not await slots.acquire(0, client_stays)  # a newcomer does not jump the line
        slots.release()
        await first
        assert served == ["first"]
        slots.release()
        await second
        assert served == ["first", "second"]
        slots.release()
        assert slots.busy == 0

    asyncio.run(scenario())


def test_a_wait_that_ends_unserved_leaves_the_line():
    async def scenario() -> None:
        slots = AnalysisSlots(1)
        assert await slots.acquire(0, client_stays)
        started = time.monotonic()
        assert not await slots.acquire(0.3, client_stays)
        assert time.monotonic() - started >= 0.3

        async def client_left() -> bool:
            return True

        with pytest.raises(ApiError) as left:
            await slots.acquire(5, client_left)
        assert left.value.status_code == 499
        slots.release()  # nobody is left in line: the slot is free again
        assert slots.busy == 0
        assert await slots.acquire(0, client_stays)

    asyncio.run(scenario())


def test_a_request_beyond_the_cap_waits_for_a_free_slot():
    analyzer = BlockingAnalyzer()
    limits = ServiceLimits(max_concurrent=1, queue_wait=30)
    client = TestClient(create_app(analyzer, limits=limits))
    answers: dict = {}

    def post(name: str) -> None:
        answers[name] = client.post("/v1/analyze", json={"text": name})

    first = threading.Thread(target=post, args=("one",))
    first.start()
    assert analyzer.running.acquire(timeout=10)
    second = threading.Thread(target=post, args=("two",))
    second.start()
    time.sleep(0.5)
    assert "two" not in answers  # still waiting: the only slot is taken
    analyzer.release.set()
    first.join(10)
    second.join(10)
    assert answers["one"].status_code == 200
    assert answers["two"].status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"max_concurrent": 0}, "max_concurrent"), ({"queue_wait": -1}, "queue_wait")],
)
def test_limits_that_cannot_work_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        ServiceLimits(**changes)


def test_limits_are_published_for_clients():
    client = TestClient(create_app(PhraseListAnalyzer(), limits=ServiceLimits(max_bytes=1234)))
    assert client.get("/v1/limits").json() == {
        "max_bytes": 1234,
        "timeout_s": 60.0,
        "max_concurrent": 2,
        "queue_wait_s": 10.0,
    }


# --- a real server: disconnects and slow clients ---


def raw_connection(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def test_an_analysis_stops_when_its_client_disconnects():
    analyzer = SlowAnalyzer(seconds=20)
    with serving(create_app(analyzer)) as url:
        connection = raw_connection(url)
        body = b'{"text": "a long text"}'
        connection.sendall(
            b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        assert analyzer.started.wait(10)
        connection.close()
        assert analyzer.stopped.wait(5)
        assert not analyzer.finished.is_set()


def test_headers_sent_a_byte_at_a_time_are_cut_off():
    with serving(create_app(PhraseListAnalyzer()), header_timeout=1) as url:
        connection = raw_connection(url)
        connection.sendall(b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        for byte in b"X-Slow: " + b"a" * 40:
            try:
                connection.sendall(bytes([byte]))
                connection.settimeout(0.2)
                if connection.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        assert closed and time.monotonic() - started < 5


def test_a_body_sent_too_slowly_gets_408():
    limits = ServiceLimits(body_timeout=1)
    with serving(create_app(PhraseListAnalyzer(), limits=limits)) as url:
        connection = raw_connection(url)
        connection.sendall(
            b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"text": '
        )
        started = time.monotonic()
        connection.settimeout(5)
        answer = b""
        while b"body_timeout" not in answer:  # headers and body may come in separate packets
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b"body_timeout" in answer and time.monotonic() - started < 5


def test_a_keep_alive_connection_still_serves_several_requests():
    with serving(create_app(PhraseListAnalyzer()), header_timeout=1) as url:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        for _ in range(3):
            connection.request("GET", "/healthz")
            assert connection.getresponse().read()
            time.sleep(0.4)


# --- headers, offline docs, trusted hosts, language ---


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(PhraseListAnalyzer(), max_bytes=1_000))


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/", {}),
        ("get", "/healthz", {}),
        ("get", "/openapi.json", {}),
        ("get", "/static/app.js", {}),
        ("get", "/nothing", {}),
        ("post", "/v1/analyze", {"json": {"text": ""}}),
        ("post", "/v1/analyze", {"json": {"text": "word " * 300}}),
        ("post", "/v1/restore", {"json": {"text": "a profound learning"}}),
    ],
)
def test_security_headers_are_on_every_response(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)


def test_a_crashing_analyzer_still_gets_the_headers():
    class Crashing(PhraseListAnalyzer):
        def analyze(self, text: str) -> Report:
            raise RuntimeError("bug")

    client = TestClient(create_app(Crashing()), raise_server_exceptions=False)
    response = client.post("/v1/analyze", json={"text": "hello"})
    assert_error(response, 500, "analyzer_failed")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_page_loads_swagger_ui_from_a_cdn(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert "cdn" not in client.get("/openapi.json").text.lower()


def test_trusted_hosts_refuse_other_host_headers():
    app = create_app(PhraseListAnalyzer(), allowed_hosts=["unspin.example.org", "*.lab.test"])
    client = TestClient(app, base_url="http://unspin.example.org")
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz", headers={"host": "a.lab.test:8080"}).status_code == 200
    refused = client.get("/healthz", headers={"host": "evil.test"})
    assert_error(refused, 400, "invalid_host")
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_non_english_text_says_so_instead_of_a_bare_verdict(client):
    report = client.post("/v1/analyze", json={"text": GERMAN}).json()
    assert report["language"] == "de"
    assert any("English only" in note for note in report["notes"])
    english = client.post("/v1/analyze", json={"text": "We trained a profound learning model."})
    assert english.json()["language"] is None and english.json()["notes"] == []


# --- worker processes ---


def _children(pid: int) -> set[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path, encoding="ascii") as handle:
        return {int(child) for child in handle.read().split()}


def _wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads children from /proc")
def test_workers_share_one_port_and_a_dead_worker_is_replaced(tmp_path):
    """`unspin serve --workers 2`: two processes answer on one port; killing one brings a new
    one; SIGTERM stops them all and the command ends cleanly."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "unspin"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "serve.log", "w"),  # noqa: SIM115 - closed with the process
    )
    try:

        def healthy() -> bool:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                return connection.getresponse().status == 200
            except OSError:
                return False

        _wait_for(healthy)
        workers = _wait_for(lambda: len(_children(server.pid)) == 2 and _children(server.pid))
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        replaced = _wait_for(
            lambda: len(now := _children(server.pid)) == 2 and victim not in now and now
        )
        assert workers - {victim} < replaced
        _wait_for(healthy)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"text": "Our team trained a profound learning model."})
        connection.request("POST", "/v1/analyze", body, {"content-type": "application/json"})
        answer = connection.getresponse()
        assert answer.status == 200
        assert json.loads(answer.read())["restored"].startswith("Our team trained a deep")
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        for pid in replaced:
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert "starting another" in (tmp_path / "serve.log").read_text(encoding="utf-8")


def _zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().split(") ")[1].startswith("Z")


def test_workers_must_be_at_least_one():
    from unspin.service import serve_processes, server_config

    with pytest.raises(ValueError, match="at least 1"):
        serve_processes(server_config(create_app()), 0)


def test_connections_on_a_socket_bound_beforehand_send_without_delay():
    """Workers serve on a socket bound before the fork, where asyncio does not set TCP_NODELAY
    itself: every small response would then wait for the client's delayed ACK."""
    from uvicorn.server import ServerState

    from unspin.service import GuardedH11Protocol, server_config

    config = server_config(create_app())
    config.load()

    class Transport:
        def __init__(self, sock):
            self.sock = sock

        def get_extra_info(self, name, default=None):
            return {"socket": self.sock, "peername": ("127.0.0.1", 1)}.get(name, default)

        def is_closing(self):
            return False

        def set_protocol(self, protocol):
            pass

    loop = asyncio.new_event_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        protocol = GuardedH11Protocol(config, ServerState(), {}, loop)
        try:
            protocol.connection_made(Transport(sock))
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            protocol._disarm_header_timer()
            loop.close()
