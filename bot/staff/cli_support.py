"""What every staff-side command shares: settings, the acting user, the database, the key.

The commands work on the database named by the settings (settings file, IOP_BOT_* environment),
migrate it first if needed, and record what they change in the audit trail as ``cli:<os user>``.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.crypto import EncryptionKeyError, FieldCipher, cipher_from_settings
from bot.settings import Settings, SettingsError
from bot.staff import accounts
from bot.staff.passwords import PasswordPolicyError
from bot.staff.rotate import RotationError
from bot.storage.db import DatabaseError, data_dir_for, migrate, open_engine

T = TypeVar("T")


def load_settings(dev: bool = False) -> Settings:
    try:
        return Settings.load({"dev_mode": True if dev else None})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def cipher(settings: Settings) -> FieldCipher:
    """The key for personal data; no key, no command (the same rule as for starting the server)."""
    try:
        return cipher_from_settings(settings, data_dir_for(settings.database_url))
    except EncryptionKeyError as exc:
        raise click.ClickException(str(exc)) from None


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(settings.database_url)
    try:
        await migrate(engine)
        yield engine
    finally:
        await engine.dispose()


def run(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run one async job against the database, turning expected failures into CLI errors."""

    async def main() -> T:
        async with database(settings) as engine:
            return await work(engine)

    try:
        return asyncio.run(main())
    except (accounts.AccountError, PasswordPolicyError, DatabaseError, RotationError) as exc:
        raise click.ClickException(str(exc)) from None
