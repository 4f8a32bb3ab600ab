"""Throwaway copies of the project's databases for checks that migrate up and down.

`scratch_databases()` creates an empty database per alias on the same server (named after the
real one plus a suffix), points Django's connections at them for the duration of the block, and
drops them afterwards. The developer's databases are never opened.
"""

from __future__ import annotations

import contextlib

from django.db import connections

DEFAULT_SUFFIX = "_gate"


class ScratchDatabaseError(RuntimeError):
    """A scratch database could not be created (usually: no CREATEDB privilege)."""


def _recreate(connection, name: str) -> None:
    quoted = connection.ops.quote_name(name)
    try:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quoted}")
    except Exception as exc:
        raise ScratchDatabaseError(
            f"Cannot create the scratch database {name!r} next to "
            f"{connection.settings_dict['NAME']!r} (database {connection.alias!r}): {exc}. "
            f"The migration gate needs CREATEDB on that server."
        ) from exc


def _drop(connection, name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


@contextlib.contextmanager
def scratch_databases(aliases, suffix: str = DEFAULT_SUFFIX, keep: bool = False):
    """Point `aliases` at fresh empty databases inside the block; yield {alias: name}."""
    if not suffix:
        raise ValueError("A scratch database needs a suffix, or it would be the real one")
    originals: dict[str, str] = {}
    created: dict[str, str] = {}
    try:
        for alias in aliases:
            connection = connections[alias]
            name = f"{connection.settings_dict['NAME']}{suffix}"
            if name in created.values():
                raise ScratchDatabaseError(f"Two aliases would share the scratch database {name}")
            _recreate(connection, name)
            created[alias] = name
            connection.close()
            originals[alias] = connection.settings_dict["NAME"]
            connection.settings_dict["NAME"] = name
        yield dict(created)
    finally:
        for alias, name in originals.items():
            connection = connections[alias]
            connection.close()
            connection.settings_dict["NAME"] = name
        if not keep:
            for alias, name in created.items():
                with contextlib.suppress(Exception):
                    _drop(connections[alias], name)
