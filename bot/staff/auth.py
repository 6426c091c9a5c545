"""Signing in and out, and changing one's own password.

Every failed sign-in gets the same message and takes about the same time whether the account
exists, the password is wrong, the account is disabled or sign-in is locked: unknown accounts
and lockouts verify against a dummy hash. argon2 runs in a worker thread so the event loop
keeps serving visitors while a password is checked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.staff import accounts, audit, sessions, throttle
from bot.staff.keys import CONFIG_KEY, DUMMY_HASH_KEY, HASHER_KEY, PRINCIPAL_KEY, StaffConfig
from bot.staff.pages import client_ip, principal, render, safe_next
from bot.staff.passwords import PasswordPolicyError, verify_password
from bot.web.keys import DB_KEY


@dataclass(frozen=True)
class LoginOutcome:
    token: str | None  # the new session's cookie token on success


async def authenticate(
    engine: AsyncEngine,
    hasher: PasswordHasher,
    dummy_hash: str,
    config: StaffConfig,
    *,
    email: str,
    password: str,
    ip: str,
) -> LoginOutcome:
    """Check a sign-in attempt, apply throttling, audit it, and open a session on success."""
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        locked = await throttle.is_locked(conn, email=email, ip=ip, now=now)
        account = await accounts.find_account(conn, email)
    stored = account.password_hash if account is not None and not locked else dummy_hash
    matched = await asyncio.to_thread(verify_password, hasher, stored, password)
    ok = matched and not locked and account is not None and account.active
    actor = account.email if account is not None else audit.UNKNOWN_ACCOUNT
    actor_id = account.id if account is not None else None

    async with engine.begin() as conn:
        if not ok:
            if locked:
                reason = "locked"
                action = audit.LOGIN_LOCKED
            else:
                reason = "disabled" if matched and account is not None else "bad credentials"
                action = audit.LOGIN_FAILURE
                if await throttle.record_failure(
                    conn, config.throttle, email=email, ip=ip, now=now
                ):
                    reason += "; now locked"
            await audit.record(
                conn,
                actor=actor,
                actor_id=actor_id,
                action=action,
                ip=ip,
                details={"reason": reason},
            )
            return LoginOutcome(token=None)
        assert account is not None
        await throttle.clear_account(conn, email=email)
        if hasher.check_needs_rehash(account.password_hash):
            new_hash = await asyncio.to_thread(hasher.hash, password)
            await accounts.store_rehash(conn, account.id, new_hash)
        await accounts.mark_login(conn, account.id)
        await sessions.sweep(conn, idle=timedelta(minutes=config.idle_minutes), now=now)
        token, _session = await sessions.create_session(conn, account.id, ip=ip, now=now)
        await audit.record(
            conn, actor=account.email, actor_id=account.id, action=audit.LOGIN_SUCCESS, ip=ip
        )
    return LoginOutcome(token=token)


def failure_message(config: StaffConfig) -> str:
    """The one message for every failed sign-in, so it reveals nothing about accounts."""
    return (
        "Sign-in failed. Check the email address and password and try again. After "
        f"{config.throttle.max_failures} failed attempts, sign-in is paused for "
        f"{int(config.throttle.lockout.total_seconds() // 60)} minutes."
    )


async def login_form(request: web.Request) -> web.StreamResponse:
    if request.get(PRINCIPAL_KEY) is not None:
        raise web.HTTPFound(request.app.router["staff.requests"].url_for())
    notice = None
    if request.query.get("expired"):
        notice = "Your session ended. Please sign in again."
    elif request.query.get("signed_out"):
        notice = "You are signed out."
    return render(
        request,
        "login.html",
        {
            "notice": notice,
            "error": None,
            "email": "",
            "next": safe_next(request.query.get("next")),
        },
    )


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    config = request.app[CONFIG_KEY]
    outcome = await authenticate(
        request.config_dict[DB_KEY],
        request.app[HASHER_KEY],
        request.app[DUMMY_HASH_KEY],
        config,
        email=email[:254],
        password=password[:1024],
        ip=client_ip(request),
    )
    if outcome.token is None:
        return render(
            request,
            "login.html",
            {
                "notice": None,
                "error": failure_message(config),
                "email": email[:254],
                "next": target,
            },
            status=401,
        )
    response = web.HTTPSeeOther(target or request.app.router["staff.requests"].url_for())
    sessions.set_cookie(response, outcome.token, secure=config.secure_cookies)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    current = principal(request)
    async with request.config_dict[DB_KEY].begin() as conn:
        await sessions.end_session(conn, current.session.id)
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=audit.LOGOUT,
            ip=client_ip(request),
        )
    response = web.HTTPSeeOther(
        request.app.router["staff.login"].url_for().with_query(signed_out="1")
    )
    sessions.clear_cookie(response, secure=request.app[CONFIG_KEY].secure_cookies)
    raise response


async def password_form(request: web.Request) -> web.StreamResponse:
    return render(request, "password.html", {"error": None, "done": False})


async def password_submit(request: web.Request) -> web.StreamResponse:
    """Change one's own password: the current one is required, other sessions end."""
    current = principal(request)
    form = await request.post()
    hasher = request.app[HASHER_KEY]
    new = str(form.get("new_password", ""))
    try:
        old = str(form.get("current_password", ""))
        if not await asyncio.to_thread(verify_password, hasher, current.account.password_hash, old):
            raise PasswordPolicyError("The current password is not correct.")
        if new != str(form.get("confirm_password", "")):
            raise PasswordPolicyError("The new password and its confirmation differ.")
        new_hash = await accounts.hash_password(hasher, new, email=current.account.email)
    except PasswordPolicyError as exc:
        return render(request, "password.html", {"error": str(exc), "done": False}, status=400)
    async with request.config_dict[DB_KEY].begin() as conn:
        await accounts.set_password(
            conn, current.account, new_hash, keep_session_id=current.session.id
        )
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=audit.ACCOUNT_PASSWORD_CHANGE,
            target=f"account {current.account.id}",
            ip=client_ip(request),
        )
    return render(request, "password.html", {"error": None, "done": True})
