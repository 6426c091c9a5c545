"""The edge: CORS allow-list, embedding, security headers on every response, rate limits."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runtime import Runtime
from bot.settings import SettingsError
from bot.web.app import create_app
from bot.web.ratelimit import RateLimitedError, RateLimits

from .support import start

Client = TestClient[Any, Any]
CENTER = "https://www.center.example"
EVIL = "https://evil.example"


@pytest.fixture
async def cors_client(aiohttp_client: Any, settings: Any, demo_runtime: Runtime) -> Client:
    app = create_app(settings(allowed_origins=(CENTER + "/",)), runtime=demo_runtime)
    client: Client = await aiohttp_client(app)
    return client


async def test_allowed_origin_preflight_and_request(cors_client: Client) -> None:
    resp = await cors_client.options(
        "/api/v1/conversations",
        headers={
            "Origin": CENTER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == CENTER
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    assert "Origin" in resp.headers.getall("Vary")

    resp = await cors_client.post("/api/v1/conversations", headers={"Origin": CENTER})
    assert resp.status == 201
    assert resp.headers["Access-Control-Allow-Origin"] == CENTER
    assert "Retry-After" in resp.headers["Access-Control-Expose-Headers"]


async def test_errors_carry_cors_headers_so_the_widget_can_read_them(cors_client: Client) -> None:
    resp = await cors_client.get("/api/v1/conversations/" + "z" * 32, headers={"Origin": CENTER})
    assert resp.status == 404
    assert resp.headers["Access-Control-Allow-Origin"] == CENTER


async def test_denied_origin_gets_no_cors_and_cannot_write(cors_client: Client) -> None:
    resp = await cors_client.options(
        "/api/v1/conversations",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
    )
    assert resp.status == 403
    assert "Access-Control-Allow-Origin" not in resp.headers

    # A "simple" cross-site POST (no preflight) is refused before anything is stored.
    resp = await cors_client.post(
        "/api/v1/conversations", data="x", headers={"Origin": EVIL, "Content-Type": "text/plain"}
    )
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in resp.headers

    cid = await start(cors_client)
    resp = await cors_client.get(f"/api/v1/conversations/{cid}", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in resp.headers  # the browser will not let it read


@pytest.mark.parametrize("origin", ["null", "file://", "https://center.example.evil.example"])
async def test_odd_origins_are_denied(cors_client: Client, origin: str) -> None:
    resp = await cors_client.post("/api/v1/conversations", headers={"Origin": origin})
    assert resp.status == 403


async def test_same_origin_and_configured_public_url_are_allowed(
    aiohttp_client: Any, settings: Any, demo_runtime: Runtime
) -> None:
    app = create_app(settings(public_url="https://chat.center.example"), runtime=demo_runtime)
    client: Client = await aiohttp_client(app)
    own = f"http://{client.host}:{client.port}"
    for origin in (own, "https://chat.center.example"):
        resp = await client.post("/api/v1/conversations", headers={"Origin": origin})
        assert resp.status == 201, origin
        assert resp.headers["Access-Control-Allow-Origin"] == origin
    resp = await client.get("/")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_bad_allowed_origin_fails_at_startup(settings: Any, demo_runtime: Runtime) -> None:
    with pytest.raises(SettingsError, match="allowed_origins"):
        create_app(settings(allowed_origins=("https://ok.example/path",)), runtime=demo_runtime)
    with pytest.raises(SettingsError, match="allowed_origins"):
        create_app(settings(allowed_origins=("*",)), runtime=demo_runtime)


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/widget.js", "/api/openapi.json", "/api/v1/nope", "/nope"]
)
async def test_security_headers_on_every_response(cors_client: Client, path: str) -> None:
    resp = await cors_client.get(path)
    headers = resp.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert f"frame-ancestors 'self' http://127.0.0.1:8080 {CENTER}" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Request-ID"]
    assert "Strict-Transport-Security" not in headers  # plain-HTTP deployment


async def test_api_responses_are_not_cached(client: Client) -> None:
    resp = await client.post("/api/v1/conversations")
    assert resp.headers["Cache-Control"] == "no-store"


async def test_widget_files_have_types_and_caching(client: Client) -> None:
    js = await client.get("/widget.js")
    assert js.status == 200
    assert js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "max-age" in js.headers["Cache-Control"]
    assert js.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    etag = js.headers["ETag"]
    again = await client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status == 304
    css = await client.get("/widget.css")
    assert css.status == 200
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"


async def test_demo_page_renders_center_and_widget(client: Client) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert "Liberty Bay Recovery Center" in html
    assert 'src="/widget.js"' in html
    static = await client.get("/static/demo.css")
    assert static.status == 200 and static.content_type == "text/css"


async def test_client_request_id_is_kept_only_when_well_formed(client: Client) -> None:
    resp = await client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
    assert resp.headers["X-Request-ID"] == "lb-1234abcd"
    resp = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert resp.headers["X-Request-ID"] != "bad id\twith spaces"


async def test_rate_limit_per_address_is_429_with_retry_after(
    aiohttp_client: Any, settings: Any, demo_runtime: Runtime
) -> None:
    app = create_app(settings(rate_limit_ip="3/minute"), runtime=demo_runtime)
    client: Client = await aiohttp_client(app)
    for _ in range(3):
        assert (await client.post("/api/v1/conversations")).status == 201
    resp = await client.post("/api/v1/conversations")
    assert resp.status == 429
    assert (await resp.json())["error"]["code"] == "rate_limited"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    # Pages and health checks are not counted.
    assert (await client.get("/healthz")).status == 200


async def test_rate_limit_per_conversation(
    aiohttp_client: Any, settings: Any, demo_runtime: Runtime
) -> None:
    app = create_app(settings(rate_limit_conversation="2/minute"), runtime=demo_runtime)
    client: Client = await aiohttp_client(app)
    cid = await start(client)
    url = f"/api/v1/conversations/{cid}/messages"
    for _ in range(2):
        assert (await client.post(url, json={"text": "what is IOP?"})).status == 200
    resp = await client.post(url, json={"text": "what is IOP?"})
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    # Another conversation is not affected, and the limited one stored nothing extra.
    other = await start(client)
    assert (
        await client.post(f"/api/v1/conversations/{other}/messages", json={"text": "hi"})
    ).status == 200
    transcript = await (await client.get(f"/api/v1/conversations/{cid}")).json()
    assert len([m for m in transcript["messages"] if m["role"] == "visitor"]) == 2


async def test_bad_rate_limit_setting_fails_at_startup(
    settings: Any, demo_runtime: Runtime
) -> None:
    with pytest.raises(SettingsError, match="rate_limit_ip"):
        create_app(settings(rate_limit_ip="lots"), runtime=demo_runtime)


def test_rate_limiter_starts_no_threads_and_forgets_old_hits() -> None:
    limits = RateLimits("1000/second", "1/second")
    try:
        before = threading.active_count()
        for i in range(300):
            limits.hit_conversation(f"c{i}")
        with pytest.raises(RateLimitedError):
            limits.hit_conversation("c0")
        assert threading.active_count() == before  # no expiry timer thread per pass
        limits.hit_address("10.0.0.1")
        assert limits.keys() == 301
        time.sleep(1.1)
        limits.expire()
        assert limits.keys() == 0
        limits.hit_conversation("c0")  # the window moved on: allowed again
    finally:
        limits.close()
