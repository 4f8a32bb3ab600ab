"""Capture a PostgreSQL schema from the catalogs, and say how two captures differ.

A capture covers what a migration can change: tables and their comments, columns (type,
default, nullability, identity, generated expression, comment), constraints (their full
definition from pg_get_constraintdef), indexes (pg_indexes.indexdef and validity), sequences,
views, triggers, functions not owned by an extension, and installed extensions. Column order
is not compared: dropping and re-adding a column changes it without changing the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEMAS = "n.nspname = ANY (current_schemas(false))"

QUERIES = {
    "tables": f"""
        SELECT c.relname,
               concat_ws(' ', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                                             WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                             ELSE 'foreign table' END,
                         'COMMENT ' || quote_literal(obj_description(c.oid, 'pg_class')))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    """,
    "columns": f"""
        SELECT c.relname || '.' || a.attname,
               concat_ws(' ', format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
                         'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid),
                         CASE a.attidentity WHEN 'a' THEN 'IDENTITY ALWAYS'
                                            WHEN 'd' THEN 'IDENTITY BY DEFAULT' END,
                         CASE WHEN a.attgenerated <> '' THEN 'GENERATED' END,
                         'COLLATE ' || nullif(co.collname, 'default'),
                         'COMMENT ' || quote_literal(col_description(c.oid, a.attnum)))
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE {SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped
    """,
    "constraints": f"""
        SELECT coalesce(c.relname, '-') || '.' || con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_namespace n ON n.oid = con.connamespace
        LEFT JOIN pg_class c ON c.oid = con.conrelid
        WHERE {SCHEMAS}
    """,
    "indexes": f"""
        SELECT ic.relname,
               pg_get_indexdef(i.indexrelid)
               || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = ic.relnamespace
        WHERE {SCHEMAS}
    """,
    "sequences": f"""
        SELECT c.relname, format_type(s.seqtypid, NULL) || ' ' || s.seqincrement
        FROM pg_sequence s
        JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {SCHEMAS}
    """,
    "views": f"""
        SELECT c.relname, pg_get_viewdef(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {SCHEMAS} AND c.relkind IN ('v', 'm')
    """,
    "triggers": f"""
        SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {SCHEMAS} AND NOT t.tgisinternal
    """,
    "functions": f"""
        SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {SCHEMAS} AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
          )
    """,
    "extensions": "SELECT extname, extversion FROM pg_extension",
}

# How each kind of object is named in a difference.
LABELS = {
    "tables": "table",
    "columns": "column",
    "constraints": "constraint",
    "indexes": "index",
    "sequences": "sequence",
    "views": "view",
    "triggers": "trigger",
    "functions": "function",
    "extensions": "extension",
}


@dataclass(frozen=True)
class Schema:
    objects: dict[str, dict[str, str]] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return len(self.objects.get(kind, {}))


def capture_schema(connection) -> Schema:
    """Return the schema of the database behind a Django connection."""
    objects = {}
    with connection.cursor() as cursor:
        for kind, sql in QUERIES.items():
            cursor.execute(sql)
            objects[kind] = {name: definition for name, definition in cursor.fetchall()}
    return Schema(objects)


def diff_schemas(expected: Schema, actual: Schema) -> list[str]:
    """Return one line per difference between two captures (empty when they are equal)."""
    lines = []
    for kind, label in LABELS.items():
        before = expected.objects.get(kind, {})
        after = actual.objects.get(kind, {})
        for name in sorted(before.keys() - after.keys()):
            lines.append(f"{label} {name} is missing ({before[name]})")
        for name in sorted(after.keys() - before.keys()):
            lines.append(f"{label} {name} is extra ({after[name]})")
        for name in sorted(before.keys() & after.keys()):
            if before[name] != after[name]:
                lines.append(
                    f"{label} {name} differs: expected {before[name]}, found {after[name]}"
                )
    return lines
