"""Key rotation: re-encrypt every stored personal field with the first configured key.

Encrypted columns are found by convention (every ``*_enc`` column of every table in the
metadata), so a new encrypted column is rotated without touching this module. Rows are
rewritten in small batches, each in its own transaction, with compare-and-set updates: a row
the running server changed meanwhile is skipped, as the server already wrote it with the new
first key. Rotating twice is harmless.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import Column, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.storage
from bot.crypto import FieldCipher
from bot.storage.tables import metadata

BATCH = 500


class RotationError(RuntimeError):
    """A stored value cannot be decrypted with any configured key."""


@dataclass
class RotationReport:
    rewritten: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # changed by the server during rotation (already on the new key)

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


def encrypted_columns() -> list[tuple[Table, Column[str], list[Column[str]]]]:
    """(table, primary key, encrypted columns) for every table holding ``*_enc`` columns."""
    for info in pkgutil.iter_modules(bot.storage.__path__):
        if info.name.startswith("tables"):
            importlib.import_module(f"bot.storage.{info.name}")
    found = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if c.name.endswith("_enc")]
        keys = list(table.primary_key.columns)
        if not columns:
            continue
        if len(keys) != 1:  # never leave data on an old key without saying so
            raise RotationError(f"{table.name} has encrypted columns but no one-column key")
        found.append((table, keys[0], columns))
    return found


async def rotate_all(engine: AsyncEngine, cipher: FieldCipher) -> RotationReport:
    report = RotationReport()
    for table, key, columns in encrypted_columns():
        done = 0
        last: object = None
        while True:
            query = select(key, *columns).where(or_(*(c.isnot(None) for c in columns)))
            if last is not None:
                query = query.where(key > last)
            async with engine.begin() as conn:
                rows = (await conn.execute(query.order_by(key).limit(BATCH))).all()
                for row in rows:
                    old = {c.name: row._mapping[c.name] for c in columns}
                    new = {name: _rotate(cipher, table.name, name, v) for name, v in old.items()}
                    same = [
                        c == old[c.name] if old[c.name] is not None else c.is_(None)
                        for c in columns
                    ]
                    result = await conn.execute(
                        update(table).where(key == row[0], and_(*same)).values(**new)
                    )
                    if result.rowcount == 1:
                        done += 1
                    else:
                        report.skipped += 1
            if len(rows) < BATCH:
                break
            last = rows[-1][0]
        report.rewritten[table.name] = done
    return report


def _rotate(cipher: FieldCipher, table: str, column: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return cipher.rotate(value)
    except InvalidToken:
        raise RotationError(
            f"A value in {table}.{column} cannot be decrypted with any configured key. Keep "
            "every old key in IOP_BOT_ENCRYPTION_KEYS (after the new first one) until rotation "
            "has finished."
        ) from None
