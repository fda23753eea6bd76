"""Request limits: bodies over the size limit are 413 and never read whole; bodies that do not
arrive in time are 408. Both problem+json."""

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE


class BodyLimit:
    """413 for a body over `max_bytes`: at once if Content-Length says so, else as it streams.

    A streamed body is cut off at the limit (the app sees the client go away) and whatever
    the app answers to that is replaced by the 413, so nothing of it is handled.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, body_timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # A client that sends its headers and never its body would hold the connection, and
        # the request's place, for ever: the whole body must arrive within this time.
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received, too_large, too_slow, complete = 0, False, False, False
        deadline = time.monotonic() + self.body_timeout_s

        async def counted() -> Message:
            nonlocal received, too_large, too_slow, complete
            if too_large or too_slow:
                return {"type": "http.disconnect"}
            if complete:  # the body is in: what comes next is the client going away
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                too_slow = True
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_bytes:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not (too_large or too_slow):
                await send(message)
            elif message["type"] == "http.response.start":
                await (self._refuse(scope, send) if too_large else self._too_slow(scope, send))

        await self.app(scope, counted, guarded)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"The request body may be at most {self.max_bytes} bytes."
        await _problem(send, scope, 413, "content-too-large", "Content too large", detail)

    async def _too_slow(self, scope: Scope, send: Send) -> None:
        detail = f"The request body did not arrive within {self.body_timeout_s:g} s."
        await _problem(send, scope, 408, "request-timeout", "Request timeout", detail)


async def _problem(
    send: Send, scope: Scope, status: int, kind: str, title: str, detail: str
) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + kind,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path"),
        }
    ).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
