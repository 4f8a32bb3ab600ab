"""What `phase --to N --dump FILE` saves, and `phase --restore FILE` puts back.

The dump holds only what the rollback drops: every row of a table that will be dropped, and
for a dropped column, only each row's primary key, that column's value and (where the table has
one) the row's `updated_at` when it was dumped. PostgreSQL writes each value as JSON
(`to_json`) and reads it back into the column's own type (`json_populate_record`), so uuids,
timestamps to the microsecond, decimals, arrays, JSON and vectors come back identical.

The file is created with mode 0600 (it holds password hashes' neighbours: users' columns, API
keys encrypted), never overwritten, written whole then renamed, and carries a checksum of its
content and the names of the databases it came from.

A restore, after going forward again:
- inserts a dropped table's rows that are not present (by primary key), never duplicates one;
  a row whose parent was deleted since (a foreign key refuses it) is skipped, named;
- sets a dropped column's value only where the row still exists, the column holds NULL or its
  default, and the row's `updated_at` is the one dumped (a row changed after the rollback is
  left as it is now);
- checks the whole file before its first write, and runs in one transaction per database;
- reports what it restored and what it skipped, with the reasons; a second run changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connections, transaction

from socrates.migration_checks.data_loss import AtRisk, has_value_condition
from socrates.phases import database_aliases

FORMAT = "socrates-phase-dump"
VERSION = 1


class DumpError(Exception):
    """The file is not a dump this restore can use (said before anything is written)."""


def dump_path(requested: str | os.PathLike) -> Path:
    """FILE itself if it ends in .json, else FILE.json (a dump is JSON: another format's
    extension is refused rather than hidden under .json)."""
    path = Path(requested)
    if path.suffix == ".json":
        return path
    if path.suffix in (".xml", ".yaml", ".yml", ".jsonl"):
        raise ValueError(f"{path}: the dump is JSON; name it FILE or FILE.json")
    return path.with_name(path.name + ".json")


def _q(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _primary_key(cursor, table: str) -> str:
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary",
        [table],
    )
    rows = cursor.fetchall()
    if len(rows) != 1:
        raise DumpError(f"table {table} has no single-column primary key")
    return rows[0][0]


def _has_column(cursor, table: str, column: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s "
        "AND NOT attisdropped",
        [table, column],
    )
    return cursor.fetchone() is not None


def _checksum(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def database_names() -> dict[str, str]:
    """alias -> database name, for the databases a phase change moves."""
    return {alias: connections[alias].settings_dict["NAME"] for alias in database_aliases()}


def write_dump(
    at_risk: list[AtRisk], requested: str | os.PathLike, *, from_phase: int, to_phase: int
) -> tuple[Path, int]:
    """Write what `at_risk` names to FILE (mode 0600, never overwritten); return the path and
    the number of rows and values saved."""
    path = dump_path(requested)
    tables, columns = [], []
    saved = 0
    for risk in at_risk:
        if not risk.rows:
            continue
        connection = connections[risk.alias]
        with connection.cursor() as cursor:
            table = _q(connection, risk.table)
            if risk.column is None:
                cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t ORDER BY 1")
                rows = [json.loads(row[0]) for row in cursor.fetchall()]
                tables.append({"alias": risk.alias, "table": risk.table, "rows": rows})
            else:
                pk = _primary_key(cursor, risk.table)
                stamp = "updated_at" if _has_column(cursor, risk.table, "updated_at") else None
                stamp_sql = f", to_json({_q(connection, stamp)})::text" if stamp else ""
                cursor.execute(
                    f"SELECT to_json({_q(connection, pk)})::text, "
                    f"to_json({_q(connection, risk.column)})::text{stamp_sql} "
                    f"FROM {table} WHERE {risk.condition} ORDER BY 1"
                )
                rows = [[json.loads(value) for value in row] for row in cursor.fetchall()]
                columns.append(
                    {
                        "alias": risk.alias,
                        "table": risk.table,
                        "column": risk.column,
                        "primary_key": pk,
                        "stamp": stamp,
                        "rows": rows,
                    }
                )
            saved += len(rows)
    body = {
        "format": FORMAT,
        "version": VERSION,
        "from_phase": from_phase,
        "to_phase": to_phase,
        "databases": database_names(),
        "tables": tables,
        "columns": columns,
    }
    document = {**body, "checksum": _checksum(body)}
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never overwrite; 0600 from the first byte (the umask can only remove bits).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, saved


# --- restore ---------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    restored: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # (table, reason) -> count

    def lines(self) -> list[str]:
        lines = [f"restored {count} into {where}" for where, count in sorted(self.restored.items())]
        lines += [
            f"skipped {count} of {where}: {reason}"
            for (where, reason), count in sorted(self.skipped.items())
        ]
        return lines or ["nothing to restore"]


def read_dump(path: str | os.PathLike) -> dict:
    """Read and check a dump; raise DumpError saying what is wrong (nothing written yet)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DumpError(f"{path} cannot be read: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except ValueError:
        raise DumpError(
            f"{path} is not a phase dump (not JSON, or cut short: {len(text)} bytes)"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DumpError(f"{path} is not a phase dump (written by `manage.py phase --dump`)")
    if document.get("version") != VERSION:
        raise DumpError(f"{path} is a version {document.get('version')} dump; expected {VERSION}")
    body = {key: value for key, value in document.items() if key != "checksum"}
    if document.get("checksum") != _checksum(body):
        raise DumpError(f"{path} is damaged: its content does not match its checksum")
    here = database_names()
    if document["databases"] != here:
        raise DumpError(f"{path} comes from databases {document['databases']}, not these ({here})")
    missing = []
    for entry in [*document["tables"], *document["columns"]]:
        with connections[entry["alias"]].cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [entry["table"]])
            exists = cursor.fetchone()[0] is not None
            if exists and "column" in entry:
                exists = _has_column(cursor, entry["table"], entry["column"])
        if not exists:
            missing.append(entry["table"] + (f".{entry['column']}" if "column" in entry else ""))
    if missing:
        raise DumpError(
            f"{path} restores {', '.join(missing)}, which these databases do not have: go "
            f"forward to phase {document['from_phase']} first (manage.py phase --to "
            f"{document['from_phase']})"
        )
    return document


def restore(document: dict) -> RestoreReport:
    """Put back what the dump holds (see the module's docstring); one transaction per database."""
    report = RestoreReport()
    by_alias: dict[str, list] = {}
    for entry in document["tables"]:
        by_alias.setdefault(entry["alias"], []).append(("table", entry))
    for entry in document["columns"]:
        by_alias.setdefault(entry["alias"], []).append(("column", entry))
    # socrates_auth first: rows of socrates_specs may name its users.
    for alias in sorted(by_alias, key=database_aliases().index):
        connection = connections[alias]
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            for kind, entry in by_alias[alias]:
                if kind == "table":
                    _restore_table(connection, cursor, entry, report)
                else:
                    _restore_column(connection, cursor, entry, report)
    return report


def _restore_table(connection, cursor, entry: dict, report: RestoreReport) -> None:
    table = _q(connection, entry["table"])
    where = f"{entry['alias']}: {entry['table']}"
    pk = _primary_key(cursor, entry["table"])
    for row in entry["rows"]:
        sid = transaction.savepoint(using=connection.alias)
        try:
            cursor.execute(
                f"INSERT INTO {table} SELECT * FROM json_populate_record(NULL::{table}, %s::json) "
                f"ON CONFLICT ({_q(connection, pk)}) DO NOTHING",
                [json.dumps(row)],
            )
        except IntegrityError:
            transaction.savepoint_rollback(sid, using=connection.alias)
            report.skipped[(where, "a row it refers to was deleted since")] += 1
            continue
        transaction.savepoint_commit(sid, using=connection.alias)
        if cursor.rowcount:
            report.restored[where] += 1
        else:
            report.skipped[(where, "already present")] += 1


def _restore_column(connection, cursor, entry: dict, report: RestoreReport) -> None:
    table, column = entry["table"], entry["column"]
    quoted_table, quoted_column = _q(connection, table), _q(connection, column)
    pk = _q(connection, entry["primary_key"])
    where = f"{entry['alias']}: {table}.{column}"
    # Empty: NULL, or the column's default (what going forward again leaves in it).
    has_value = has_value_condition(cursor, connection, table, column)
    empty = f"{quoted_column} IS NULL OR NOT ({has_value})"
    typed = _from_json(quoted_table, quoted_column)
    key_value = _from_json(quoted_table, pk)
    stamp = entry.get("stamp")
    for row in entry["rows"]:
        key, value = row[0], row[1]
        params = [column, json.dumps(value), entry["primary_key"], json.dumps(key)]
        condition = f"{pk} = {key_value} AND ({empty})"
        if stamp:
            quoted_stamp = _q(connection, stamp)
            stamp_value = _from_json(quoted_table, quoted_stamp)
            condition += f" AND {quoted_stamp} IS NOT DISTINCT FROM {stamp_value}"
            params += [stamp, json.dumps(row[2])]
        cursor.execute(
            f"UPDATE {quoted_table} SET {quoted_column} = {typed} WHERE {condition}", params
        )
        if cursor.rowcount:
            report.restored[where] += 1
            continue
        # Why not: say which of the conditions failed.
        cursor.execute(
            f"SELECT {quoted_column} IS NOT DISTINCT FROM {typed}, ({empty}) "
            f"FROM {quoted_table} WHERE {pk} = {key_value}",
            [column, json.dumps(value), entry["primary_key"], json.dumps(key)],
        )
        found = cursor.fetchone()
        if found is None:
            reason = "the row was deleted since"
        elif found[0]:
            reason = "already restored"
        elif not found[1]:
            reason = "the column was set again since"
        else:
            reason = "the row was changed since"
        report.skipped[(where, reason)] += 1


def _from_json(quoted_table: str, quoted_column: str) -> str:
    """SQL taking params (column name, JSON value): the value read into that column's type."""
    return (
        f"(json_populate_record(NULL::{quoted_table}, json_build_object(%s, %s::json)))"
        f".{quoted_column}"
    )
