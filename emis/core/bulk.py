"""Bulk writing for the big tables (imports, the demo loader, a round's applicants): plain INSERTs, UPDATEs and DELETEs
without model instances, so without change records: the callers write those (audit.record_changes_bulk)."""

import json
import math
from itertools import islice

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone

from . import crypto
from .stages import timed

# Field types whose Python values both database drivers take as they are (dates: Django registers an adapter
# for SQLite; psycopg adapts them itself).
_RAW_FIELDS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.ForeignKey,
)


def insert_rows(model, columns: tuple[str, ...], rows, *, chunk: int = 5000, prepared: tuple[str, ...] = ()) -> int:
    """INSERT many rows (executemany on SQLite, COPY on PostgreSQL): `columns` are attnames, each row a
    tuple in that order; `prepared` names columns whose values the caller already made database-ready
    (see db_value), so they are not converted row by row.

    Several times faster than bulk_create for the big tables, because no model instance is built and
    no per-field compiler runs. Fields not named take their default (auto_now fields: now), so a field
    added to the model later keeps working as long as it has a default.
    """
    with timed(f"insert {model._meta.db_table}"):
        return _insert_rows(model, columns, rows, chunk=chunk, prepared=prepared)


def _insert_rows(model, columns, rows, *, chunk, prepared) -> int:
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in by_attname]
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
    columns, rows, prepared = _encrypt_columns(model, columns, rows, prepared)
    extra = [f for f in fields if f.attname not in columns]
    extra_values = []
    for f in extra:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()
        extra_values.append(f.get_db_prep_save(value, connection))
    converters = []
    for c in columns:
        f = by_attname[c]
        plain_date = isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
        raw = isinstance(f, _RAW_FIELDS) or plain_date or f.primary_key or c in prepared
        converters.append(None if raw else (lambda v, f=f: f.get_db_prep_save(v, connection)))
    need_conversion = any(converters)
    quote = connection.ops.quote_name
    names = ", ".join(quote(by_attname[c].column) for c in columns) + "".join(f", {quote(f.column)}" for f in extra)
    placeholders = ", ".join(["%s"] * (len(columns) + len(extra)))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"
    tail = tuple(extra_values)
    if need_conversion:
        rows = (tuple(v if conv is None else conv(v) for v, conv in zip(row, converters, strict=True)) for row in rows)
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path; executemany would make one round trip per row.
            copy_sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    total += 1
            return total
        batch = []
        for row in rows:
            batch.append(row + tail)
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def update_rows(model, columns: tuple[str, ...], rows, *, chunk: int = 5000) -> int:
    """UPDATE many rows by primary key with one executemany: each row is (value, ..., pk), `columns` attnames.

    bulk_update builds one CASE expression per column through the ORM, which costs more than the write.
    `updated_at`-style auto_now fields are set to now.
    """
    with timed(f"update {model._meta.db_table}"):
        return _update_rows(model, columns, rows, chunk=chunk)


def _update_rows(model, columns, rows, *, chunk) -> int:
    connection = connections[router.db_for_write(model)]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    # The primary key rides last in each row: keep it there when hash columns are added.
    columns, rows, _ = _encrypt_columns(model, columns, rows, (), trailing=1)
    auto_now = [f for f in by_attname.values() if getattr(f, "auto_now", False) and f.attname not in columns]
    quote = connection.ops.quote_name
    assignments = [f"{quote(by_attname[c].column)} = %s" for c in columns]
    assignments += [f"{quote(f.column)} = %s" for f in auto_now]
    now_values = tuple(f.get_db_prep_save(timezone.now(), connection) for f in auto_now)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} WHERE {quote(model._meta.pk.column)} = %s"
    total = 0
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row[:-1] + now_values + row[-1:])
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def delete_rows(model, pks: list[int], *, chunk: int = 500) -> int:
    """DELETE rows by primary key without loading them: no model instance, no delete signal, so no change record
    (the caller records the changes, as it does for insert_rows and update_rows)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    sql = f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
    total = 0
    with connection.cursor() as cursor:
        for start in range(0, len(pks), chunk):
            part = pks[start : start + chunk]
            cursor.execute(sql + f"({', '.join(['%s'] * len(part))})", part)
            total += len(part)
    return total


def db_value(model, attname: str, value):
    """A value converted once for a column, for insert_rows(prepared=...)."""
    connection = connections[router.db_for_write(model)]
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return field.get_db_prep_save(value, connection)


def allocate_ids(model, count: int) -> list[int]:
    """Primary keys for `count` rows about to be inserted with insert_rows (with "id" among the columns).

    Knowing the keys in advance saves reading them back after the INSERT, which on a large import costs
    as much as the INSERT itself. PostgreSQL hands them out from the table's sequence (safe beside
    concurrent writers); SQLite has one writer at a time and the caller is inside a transaction begun
    IMMEDIATE (settings), so the next free numbers cannot be taken by anyone else before the INSERT.
    """
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once behind OFFSET 0: in the select list, pg_get_serial_sequence (STABLE, not
            # folded) would read the catalogue again for every key, five times the cost of the nextval calls.
            cursor.execute(
                "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) s "
                "CROSS JOIN generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")
        highest = cursor.fetchone()[0] or 0
        # AUTOINCREMENT never reuses the numbers of deleted rows; neither do we.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        start = max(highest, sequence[0] if sequence else 0) + 1
    return list(range(start, start + count))


def select_where_in(sql: str, params: list, using: str = "default") -> list[tuple]:
    """Run `sql` where each list in `params` fills an `IN %s` as a single parameter (other params as usual).

    The ORM's `__in` binds one parameter per value: with thousands of keys a chunk, building and planning
    those statements costs more than the lookup. Here each list travels as one array (PostgreSQL) or one
    JSON text expanded by json_each (SQLite), so a chunk of keys is one cheap query. Prefer one list per
    query: `a IN %s OR b IN %s` cannot become a join and scans the table.
    Values come back as the driver returns them (SQLite: dates as text, booleans as 0/1).
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        # `= ANY(array)` becomes an index scan per key on a unique index, as long as the planner knows the
        # table's size: importers ANALYZE the tables they grow (analyze_tables), since with statistics of a
        # nearly empty table PostgreSQL would scan it and compare every row with every key.
        parts = sql.split("IN %s")
        lists = [list(value) for value in params if isinstance(value, list | tuple | set)]
        if len(lists) != len(parts) - 1:
            raise ValueError("select_where_in: one list parameter per 'IN %s'")
        # Django's psycopg binds on the client, so the array's type must be spelt out.
        casts = ["bigint[]" if values and all(isinstance(v, int) for v in values) else "text[]" for values in lists]
        sql = "".join(
            part + (f"= ANY(%s::{cast})" if i < len(casts) else "")
            for i, (part, cast) in enumerate(zip(parts, [*casts, ""], strict=True))
        )
        params = [list(value) if isinstance(value, list | tuple | set) else value for value in params]
    else:
        sql = sql.replace("IN %s", "IN (SELECT value FROM json_each(%s))")
        params = [
            json.dumps(list(value), ensure_ascii=False) if isinstance(value, list | tuple | set) else value
            for value in params
        ]
    with timed("lookups"), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def analyze_tables(*models_to_analyze, using: str = "default") -> None:
    """Refresh PostgreSQL's planner statistics for tables a bulk write has just grown.

    Inside one import transaction autovacuum cannot see the new rows, so plans made for a nearly empty
    table would be kept for a million-row one. ANALYZE counts the transaction's own rows. SQLite: no-op.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_to_analyze:
            table = model._meta.db_table
            # A column given a finer statistics target (the pupils' pinyin keys, students migration 0009) makes
            # ANALYZE sample ten times the rows: it is left to autovacuum, its distribution barely moves with an import.
            cursor.execute(
                "SELECT attname, attstattarget > current_setting('default_statistics_target')::int "
                "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            found = cursor.fetchall()
            kept = [connection.ops.quote_name(name) for name, finer in found if not finer]
            columns = f" ({', '.join(kept)})" if len(kept) < len(found) else ""
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}{columns}")


def _encrypt_columns(model, columns: tuple, rows, prepared: tuple, *, trailing: int = 0):
    """ID numbers in bulk (emis.core.fields): each encrypted column's values become tokens, unless the caller
    named it in `prepared`, and its hash column is appended when the caller did not write it. One pass over
    the rows, with the keys read once."""
    from .fields import encrypted_fields

    todo = [(columns.index(f.attname), f) for f in encrypted_fields(model) if f.attname in columns]
    if not todo:
        return columns, rows, prepared
    seal_at = [i for i, f in todo if f.attname not in prepared]
    hash_from = [i for i, f in todo if f.hash_field and f.hash_field not in columns]
    if not seal_at and not hash_from:
        return columns, rows, prepared
    added = tuple(f.hash_field for i, f in todo if i in hash_from)
    needed = sorted(set(seal_at) | set(hash_from))

    def convert(rows):
        # Column by column over chunks of rows: one call per column and chunk instead of one per value.
        rows = iter(rows)
        while chunk := list(islice(rows, 2000)):
            with timed("encrypt"):
                columns_of = {i: [row[i] for row in chunk] for i in needed}
                hashes = [crypto.blind_indexes(columns_of[i]) for i in hash_from]
                sealed = {i: crypto.seal_many(columns_of[i]) for i in seal_at}
            for n, row in enumerate(chunk):
                row = list(row)
                for i in seal_at:
                    row[i] = sealed[i][n]
                extra = tuple(h[n] for h in hashes)
                if trailing:
                    yield tuple(row[:-trailing]) + extra + tuple(row[-trailing:])
                else:
                    yield tuple(row) + extra

    sealed_names = tuple(f.attname for i, f in todo if i in seal_at)
    return columns + added, convert(rows), tuple(prepared) + sealed_names + added


class IndexesSetAside:
    """A table's plain (non-unique) indexes dropped for a big load and built again once it is written; on PostgreSQL
    its foreign keys too, checked again in one pass.

    Kept up row by row, each index of a table that a load doubles costs a random write per row; built once at the
    end it is one sorted pass (ADR 0020: the bench's write floor 94 → 65 s for 1M rows on PostgreSQL). The unique
    indexes and those behind constraints stay, because the load's own lookups and duplicate checks read them. Both
    databases drop and create indexes inside the load's transaction, so a load that fails or is rolled back leaves
    every index as it was.

    A foreign key is checked by PostgreSQL once per written row, a lookup of the row it names (about 4 µs: 4 s for a
    million enrolments). Set aside and added again at the end, it is checked by one join over the whole table
    (ADR 0022); a row naming nothing fails the load there, as it would have at its commit. SQLite checks its keys
    as it writes each row, by rowid, and cannot drop one without rebuilding the table: its keys stay.

    A table is set aside only when it holds fewer rows than `fraction` × the rows coming (the setting
    EMIS_IMPORT_SET_ASIDE_INDEXES: above that, building again what is there costs more than it saves). On
    PostgreSQL DROP INDEX locks the table until the commit, so other users' reads of it wait for the load: its
    default fraction is small, a first load into a nearly empty table, as when a deployment is filled.
    """

    def __init__(self, using: str = "default"):
        self.connection = connections[using]
        self.saved: list[tuple[str, str]] = []  # (index name, the statement that creates it)
        self.saved_keys: list[tuple[str, str, str]] = []  # (table, constraint name, its definition)

    def set_aside(self, models_coming, coming: int) -> None:
        fraction = _set_aside_fraction(self.connection.vendor)
        if fraction <= 0 or coming <= 0:
            return
        postgresql = self.connection.vendor == "postgresql"
        with timed("set aside indexes"), self.connection.cursor() as cursor:
            quote = self.connection.ops.quote_name
            for model in models_coming:
                table = model._meta.db_table
                if not _fewer_rows_than(cursor, table, math.ceil(fraction * coming)):
                    continue
                found = _plain_indexes(cursor, self.connection.vendor, table)
                keys = _foreign_keys(cursor, table) if postgresql else []
                if (found or keys) and postgresql:
                    # Deferred foreign-key checks queued in this transaction forbid DDL on their tables.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name, create in found:
                    cursor.execute(f"DROP INDEX {name}")
                    self.saved.append((name, create))
                for name, definition in keys:
                    cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                    self.saved_keys.append((table, name, definition))
                if (found or keys) and postgresql:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def restore(self) -> None:
        if not self.saved and not self.saved_keys:
            return
        with timed("rebuild indexes"), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # Index builds sort in maintenance_work_mem; a key's check joins the two tables in work_mem.
                cursor.execute(
                    "SELECT set_config('maintenance_work_mem', %s, true), set_config('work_mem', %s, true)",
                    [settings.EMIS_IMPORT_INDEX_BUILD_MEMORY] * 2,
                )
            for _name, create in self.saved:
                cursor.execute(create)
        if self.saved_keys:
            quote = self.connection.ops.quote_name
            with timed("foreign keys"), self.connection.cursor() as cursor:
                for table, name, definition in self.saved_keys:
                    cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self.saved, self.saved_keys = [], []


def _set_aside_fraction(vendor: str) -> float:
    return float(settings.EMIS_IMPORT_SET_ASIDE_INDEXES.get(vendor, 0))


def _fewer_rows_than(cursor, table: str, limit: int) -> bool:
    # Counted up to the limit only: exact, and never longer than reading the rows the load is about to write.
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {cursor.db.ops.quote_name(table)} LIMIT %s) AS head", [limit])
    return cursor.fetchone()[0] < limit


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    """PostgreSQL: the foreign keys of `table` (those its inserts are checked against), with their definitions."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
        "ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


def _plain_indexes(cursor, vendor: str, table: str) -> list[tuple[str, str]]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1",
            [table],
        )
        return cursor.fetchall()
    # SQLite: the indexes a statement made (its own for UNIQUE columns have none), less the unique ones.
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
        "AND upper(sql) NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
        [table],
    )
    return [(f'"{name}"', sql) for name, sql in cursor.fetchall()]
