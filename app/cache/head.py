"""HEAD answered as the GET it stands for, without the body: the layer in front of the cache."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Set in the scope of a HEAD answered as GET.
HEAD_ONLY = "head_only"


class HeadAsGet:
    """ASGI middleware that answers a HEAD as the GET it stands for, without the body.

    HEAD is GET without the body (RFC 9110, 9.3.2): same status, same headers. In front of the
    response cache, a HEAD is answered from the GET answers it keeps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            # A route whose body costs something to make (/export) may skip it.
            scope = {**scope, "method": "GET", HEAD_ONLY: True}
            send = _without_body(send)
        await self.app(scope, receive, send)


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return send_headers_only
