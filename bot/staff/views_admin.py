"""Admin pages: the Admin overview, staff accounts, the audit trail and the settings.

Everything under /staff/admin is admin-only (the guard enforces it by path). New passwords
made here are shown once, on the response page itself, and never stored or logged in clear.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff import accounts, audit
from bot.staff.keys import HASHER_KEY
from bot.staff.pages import client_ip, principal, render
from bot.staff.passwords import generate_password
from bot.storage.tables_staff import STAFF_ROLES
from bot.web.keys import DB_KEY, SETTINGS_KEY

AUDIT_PAGE_SIZE = 50


async def admin_index(request: web.Request) -> web.StreamResponse:
    return render(request, "admin_index.html")


async def _accounts_page(
    request: web.Request,
    *,
    error: str | None = None,
    message: str | None = None,
    new_password: tuple[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    async with request.config_dict[DB_KEY].connect() as conn:
        rows = await accounts.list_accounts(conn)
    return render(
        request,
        "admin_accounts.html",
        {
            "accounts": rows,
            "roles": STAFF_ROLES,
            "error": error,
            "message": message,
            "new_password": new_password,
        },
        status=status,
    )


async def accounts_list(request: web.Request) -> web.StreamResponse:
    return await _accounts_page(request)


async def account_add(request: web.Request) -> web.StreamResponse:
    """Create an account with a generated password, shown once to the admin."""
    current = principal(request)
    form = await request.post()
    role = str(form.get("role", "staff"))
    password = generate_password()
    try:
        email = accounts.normalize_email(str(form.get("email", ""))[:254])
        password_hash = await accounts.hash_password(request.app[HASHER_KEY], password, email=email)
        async with request.config_dict[DB_KEY].begin() as conn:
            account = await accounts.create_account(
                conn, email=email, role=role, password_hash=password_hash
            )
            await audit.record(
                conn,
                actor=current.account.email,
                actor_id=current.account.id,
                action=audit.ACCOUNT_CREATE,
                target=f"account {account.id} ({account.email})",
                ip=client_ip(request),
                details={"role": role},
            )
    except accounts.AccountError as exc:
        return await _accounts_page(request, error=str(exc), status=400)
    return await _accounts_page(
        request,
        message=f"Account {account.email} created.",
        new_password=(account.email, password),
    )


async def _target(request: web.Request) -> accounts.StaffAccount:
    try:
        account_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with request.config_dict[DB_KEY].connect() as conn:
        account = await accounts.get_account(conn, account_id)
    if account is None:
        raise web.HTTPNotFound()
    return account


async def _set_active(request: web.Request, active: bool) -> web.StreamResponse:
    current = principal(request)
    account = await _target(request)
    if account.id == current.account.id and not active:
        return await _accounts_page(
            request, error="You cannot disable your own account.", status=400
        )
    try:
        async with request.config_dict[DB_KEY].begin() as conn:
            await accounts.set_active(conn, account, active)
            await audit.record(
                conn,
                actor=current.account.email,
                actor_id=current.account.id,
                action=audit.ACCOUNT_ENABLE if active else audit.ACCOUNT_DISABLE,
                target=f"account {account.id} ({account.email})",
                ip=client_ip(request),
            )
    except accounts.AccountError as exc:
        return await _accounts_page(request, error=str(exc), status=400)
    verb = "enabled" if active else "disabled; their sessions have ended"
    return await _accounts_page(request, message=f"Account {account.email} {verb}.")


async def account_disable(request: web.Request) -> web.StreamResponse:
    return await _set_active(request, False)


async def account_enable(request: web.Request) -> web.StreamResponse:
    return await _set_active(request, True)


async def account_reset(request: web.Request) -> web.StreamResponse:
    """Give an account a new generated password (shown once) and end its sessions."""
    current = principal(request)
    account = await _target(request)
    password = generate_password()
    password_hash = await accounts.hash_password(
        request.app[HASHER_KEY], password, email=account.email
    )
    async with request.config_dict[DB_KEY].begin() as conn:
        keep = current.session.id if account.id == current.account.id else None
        await accounts.set_password(conn, account, password_hash, keep_session_id=keep)
        await audit.record(
            conn,
            actor=current.account.email,
            actor_id=current.account.id,
            action=audit.ACCOUNT_PASSWORD_RESET,
            target=f"account {account.id} ({account.email})",
            ip=client_ip(request),
        )
    return await _accounts_page(
        request,
        message=f"Password of {account.email} reset; their sessions have ended.",
        new_password=(account.email, password),
    )


async def audit_page(request: web.Request) -> web.StreamResponse:
    action = request.query.get("action", "")
    if action not in audit.ACTIONS:
        action = ""
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    async with request.config_dict[DB_KEY].connect() as conn:
        entries, total = await audit.page(
            conn, action=action or None, offset=(page - 1) * AUDIT_PAGE_SIZE, limit=AUDIT_PAGE_SIZE
        )
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    params: dict[str, Any] = {"action": action} if action else {}
    return render(
        request,
        "admin_audit.html",
        {
            "entries": entries,
            "total": total,
            "actions": audit.ACTIONS,
            "action": action,
            "page": min(page, pages),
            "pages": pages,
            "params": params,
        },
    )


async def settings_page(request: web.Request) -> web.StreamResponse:
    """Every setting as the server runs with it, secrets masked; read-only."""
    redacted = request.config_dict[SETTINGS_KEY].redacted()
    rows = [
        (name, ", ".join(map(str, value)) if isinstance(value, tuple) else str(value))
        for name, value in redacted.items()
    ]
    return render(request, "admin_settings.html", {"settings": rows})
