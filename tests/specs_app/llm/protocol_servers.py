"""Local HTTP servers on 127.0.0.1 that speak the providers' protocols, for client tests.

Each checks requests the way the real service does (path, auth header, version header, body
fields) and answers in that service's shape. A test queues replies to script the next calls:
`Ok(text, tokens_in, tokens_out)`, `Fail(status, message, retry_after)` or `Slow(seconds)`.
With nothing queued, a server answers Ok. Nothing here ever reaches the internet.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANTHROPIC = "anthropic"
OPENAI = "openai"


@dataclass
class Ok:
    text: str = "What problem should the project solve, and for whom?"
    tokens_input: int = 40
    tokens_output: int = 12


@dataclass
class Fail:
    status: int
    message: str = "failure"
    retry_after: str | None = None


@dataclass
class Slow:
    seconds: float
    then: Ok = field(default_factory=Ok)


@dataclass
class Raw:
    """A 200 whose body is given verbatim (to test unreadable answers)."""

    body: bytes


@dataclass
class Recorded:
    path: str
    headers: dict
    body: dict


class ProtocolServer:
    def __init__(self, protocol: str, *, api_key: str | None):
        self.protocol = protocol
        self.api_key = api_key
        self.requests: list[Recorded] = []
        self._script: deque = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        # What a deployment would configure: Anthropic's root, or an OpenAI-style .../v1.
        return f"http://{host}:{port}" + ("/v1" if self.protocol == OPENAI else "")

    def queue(self, *replies) -> None:
        with self._lock:
            self._script.extend(replies)

    def start(self) -> "ProtocolServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self):
        with self._lock:
            return self._script.popleft() if self._script else Ok()

    # --- protocol ----------------------------------------------------------------------------

    def _check(self, path: str, headers: dict, body) -> tuple[int, str] | None:
        """Return (status, message) when the request breaks the protocol, else None."""
        if self.protocol == ANTHROPIC:
            if path != "/v1/messages":
                return 404, f"no route {path}"
            if self.api_key and headers.get("x-api-key") != self.api_key:
                return 401, f"invalid x-api-key {headers.get('x-api-key')}"
            if not headers.get("anthropic-version"):
                return 400, "anthropic-version header is required"
            if not isinstance(body.get("max_tokens"), int):
                return 400, "max_tokens: Field required"
            messages = body.get("messages")
            if not messages or any(m.get("role") not in ("user", "assistant") for m in messages):
                return 400, "messages: roles must be user or assistant"
        else:
            if path != "/v1/chat/completions":
                return 404, f"no route {path}"
            expected = f"Bearer {self.api_key}" if self.api_key else None
            if expected and headers.get("authorization") != expected:
                given = (headers.get("authorization") or "").removeprefix("Bearer ")
                return 401, f"Incorrect API key provided: {given}."
            if not body.get("messages"):
                return 400, "messages is required"
        if not isinstance(body.get("model"), str) or body["model"] == "unknown-model":
            return 404 if self.protocol == ANTHROPIC else 400, f"model: {body.get('model')}"
        return None

    def _error_body(self, status: int, message: str) -> dict:
        if self.protocol == ANTHROPIC:
            kinds = {401: "authentication_error", 429: "rate_limit_error", 529: "overloaded_error"}
            return {
                "type": "error",
                "error": {"type": kinds.get(status, "api_error"), "message": message},
            }
        return {"error": {"message": message, "type": "invalid_request_error", "code": status}}

    def _ok_body(self, reply: Ok, model: str) -> dict:
        if self.protocol == ANTHROPIC:
            return {
                "id": "msg_local",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": reply.text}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": reply.tokens_input, "output_tokens": reply.tokens_output},
            }
        return {
            "id": "chatcmpl-local",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": reply.tokens_input,
                "completion_tokens": reply.tokens_output,
                "total_tokens": reply.tokens_input + reply.tokens_output,
            },
        }

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, payload, headers=None):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._send(400, server._error_body(400, "body is not JSON"))
                    return
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.requests.append(Recorded(self.path, headers, body))
                problem = server._check(self.path, headers, body)
                if problem:
                    self._send(problem[0], server._error_body(*problem))
                    return
                reply = server._next()
                if isinstance(reply, Slow):
                    time.sleep(reply.seconds)
                    reply = reply.then
                if isinstance(reply, Fail):
                    extra = {"retry-after": reply.retry_after} if reply.retry_after else {}
                    self._send(reply.status, server._error_body(reply.status, reply.message), extra)
                elif isinstance(reply, Raw):
                    self._send(200, reply.body)
                else:
                    self._send(200, server._ok_body(reply, body["model"]))

        return Handler
