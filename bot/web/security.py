"""Security at the edge: which origins may call and embed us, and the headers on every response.

The allow-list is ``settings.allowed_origins`` plus the server's own origin.
Browsers from other origins get no CORS headers (so they cannot read replies),
their preflights are refused, and their state-changing requests are rejected
outright, which also stops cross-site form posts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware
from yarl import URL

from bot.settings import Settings, SettingsError
from bot.web.errors import ApiError
from bot.web.keys import REQUEST_ID_KEY

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Paths other websites' pages may use: the chat API, the Rasa channel, the widget files.
CORS_PREFIXES = ("/api/", "/webhooks/")
WIDGET_PATHS = ("/widget.js", "/widget.css")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, X-Request-ID"
EXPOSED_HEADERS = "Retry-After, X-Request-ID"
PREFLIGHT_MAX_AGE = "600"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in canonical form, or None when it is not an http(s) origin."""
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    if url.path not in ("", "/") or url.query_string or url.fragment or url.user:
        return None
    origin = url.origin()
    return str(origin).rstrip("/").lower()


class OriginPolicy:
    """The configured allow-list, checked against a request's Origin header."""

    def __init__(self, allowed: Iterable[str], own: str) -> None:
        origins: list[str] = []
        for value in (own, *allowed):
            origin = normalize_origin(value)
            if origin is None:
                raise SettingsError(
                    f"setting 'allowed_origins': {value!r} is not an origin; write it as "
                    "scheme://host[:port], e.g. https://www.example.org"
                )
            origins.append(origin)
        self.origins: tuple[str, ...] = tuple(dict.fromkeys(origins))
        self._set = frozenset(self.origins)

    @classmethod
    def from_settings(cls, settings: Settings) -> OriginPolicy:
        return cls(settings.allowed_origins, settings.base_url)

    def allows(self, origin: str, request: web.Request) -> bool:
        normalized = normalize_origin(origin)
        if normalized is None:
            return False
        # Same-origin requests (the demo page, the server reached under another name).
        own = f"{request.scheme}://{request.host}".lower()
        return normalized in self._set or normalized == normalize_origin(own)

    def content_security_policy(self) -> str:
        ancestors = " ".join(["'self'", *self.origins])
        return (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            f"form-action 'self'; frame-ancestors {ancestors}"
        )


def is_cors_path(path: str) -> bool:
    return path.startswith(CORS_PREFIXES) or path in WIDGET_PATHS


def cors_middleware(
    policy: OriginPolicy,
) -> Middleware:
    """Answer preflights and refuse cross-origin writes from origins not on the list."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None or not is_cors_path(request.path):
            return await handler(request)
        allowed = policy.allows(origin, request)
        preflight = (
            request.method == "OPTIONS" and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
        )
        if not allowed and (preflight or request.method not in SAFE_METHODS):
            raise ApiError(
                403,
                "origin_not_allowed",
                "This website is not allowed to use the chat. Add its origin to allowed_origins.",
            )
        if preflight:
            return web.Response(
                status=204,
                headers={
                    hdrs.ACCESS_CONTROL_ALLOW_METHODS: ALLOWED_METHODS,
                    hdrs.ACCESS_CONTROL_ALLOW_HEADERS: ALLOWED_HEADERS,
                    hdrs.ACCESS_CONTROL_MAX_AGE: PREFLIGHT_MAX_AGE,
                },
            )
        return await handler(request)

    return middleware


def security_headers(
    policy: OriginPolicy, *, https: bool
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An ``on_response_prepare`` hook: runs for every response, errors included."""
    csp = policy.content_security_policy()

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        request_id = request.get(REQUEST_ID_KEY)
        if request_id is not None:
            headers.setdefault("X-Request-ID", request_id)
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        widget = request.path in WIDGET_PATHS
        headers.setdefault(
            "Cross-Origin-Resource-Policy", "cross-origin" if widget else "same-origin"
        )
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(CORS_PREFIXES):
            headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and is_cors_path(request.path) and policy.allows(origin, request):
            headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSED_HEADERS
            headers.add(hdrs.VARY, "Origin")

    return on_prepare
