"""Find named catalog objects: where a migration's objects landed, and whether they still exist.

An object is a mapping with ``kind`` (relation, type, function, schema, extension, column, constraint, trigger,
policy), ``name``, ``schema`` (None: found through the search path) and ``table`` (for the kinds that belong to a
relation). All of them are looked up in one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from psycopg import sql
from psycopg.types.json import Jsonb

from tenantdb.db.session import Session

_SCHEMA_OF = """CASE o.kind
    WHEN 'relation' THEN (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.oid = to_regclass(o.qualified) AND c.relpersistence <> 't')
    WHEN 'type' THEN (SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                      WHERE t.oid = to_regtype(o.qualified))
    WHEN 'function' THEN (SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                          WHERE p.proname = o.name AND (n.nspname = o.schema
                                OR (o.schema IS NULL AND n.nspname = ANY (current_schemas(true))))
                          ORDER BY array_position(current_schemas(true), n.nspname) LIMIT 1)
    WHEN 'schema' THEN (SELECT nspname FROM pg_namespace WHERE nspname = o.name)
    WHEN 'extension' THEN (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                           WHERE e.extname = o.name)
    WHEN 'column' THEN (SELECT n.nspname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE a.attrelid = o.relid AND a.attname = o.name AND NOT a.attisdropped)
    WHEN 'constraint' THEN (SELECT n.nspname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE k.conrelid = o.relid AND k.conname = o.name)
    WHEN 'trigger' THEN (SELECT n.nspname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
                         JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE g.tgrelid = o.relid AND g.tgname = o.name)
    WHEN 'policy' THEN (SELECT n.nspname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE p.polrelid = o.relid AND p.polname = o.name)
END"""

_OBJECTS = """
    SELECT i, kind, name, schema,
           CASE WHEN schema IS NULL THEN quote_ident(name) ELSE quote_ident(schema) || '.' || quote_ident(name) END
               AS qualified,
           CASE WHEN "table" IS NULL THEN NULL
                WHEN schema IS NULL THEN to_regclass(quote_ident("table"))
                ELSE to_regclass(quote_ident(schema) || '.' || quote_ident("table")) END AS relid
    FROM jsonb_to_recordset({records}) AS r(i int, kind text, name text, schema text, "table" text)
"""

LOCATED_EFFECTS = sql.SQL(
    "(SELECT coalesce(jsonb_agg(CASE WHEN e.effect->>'action' = 'create' AND e.effect->>'schema' IS NULL"
    " AND NOT jsonb_exists(e.effect, 'search_path')"
    " THEN e.effect || jsonb_build_object('search_path', to_jsonb(current_schemas(false))) ELSE e.effect END"
    " ORDER BY e.i), '[]'::jsonb)"
    " FROM jsonb_array_elements(%(catalog_effects)s) WITH ORDINALITY AS e(effect, i))"
)
"""A SQL expression for a ledger row's catalog effects (the parameter ``catalog_effects``: the migration's effects
in order): a create of an unqualified name gets the search path it was created under (unless the file set its
own), so ``migrate verify`` finds it where PostgreSQL put it. No catalog is read here: a plan over the catalogs
would be planned again after every migration's DDL (about 2 ms each)."""

_LOCATE = sql.SQL("WITH o AS ({objects}) SELECT o.i, {schema_of} FROM o ORDER BY o.i").format(
    objects=sql.SQL(_OBJECTS).format(records=sql.Placeholder()), schema_of=sql.SQL(_SCHEMA_OF)
)


def locate_objects(session: Session, objects: Sequence[Mapping[str, str | None]]) -> list[str | None]:
    """For each object, the schema it exists in (for a schema: its name), or None when it does not exist."""
    if not objects:
        return []
    payload = [
        {"i": i, "kind": o["kind"], "name": o["name"], "schema": o.get("schema"), "table": o.get("table")}
        for i, o in enumerate(objects)
    ]
    rows = session.fetch_all(_LOCATE, (Jsonb(payload),))
    return [None if row[1] is None else str(row[1]) for row in rows]
