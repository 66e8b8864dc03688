"""Bulk writing for the big tables (imports, the demo loader): plain INSERTs without model instances."""

from django.db import connections, models, router
from django.utils import timezone

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
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    by_attname = {f.attname: f for f in fields}
    unknown = [c for c in columns if c not in by_attname]
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
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
        raw = isinstance(f, _RAW_FIELDS) or plain_date or c in prepared
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
    connection = connections[router.db_for_write(model)]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
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


def db_value(model, attname: str, value):
    """A value converted once for a column, for insert_rows(prepared=...)."""
    connection = connections[router.db_for_write(model)]
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return field.get_db_prep_save(value, connection)
