"""Data migrations that encrypt the ID numbers already stored (and their change records), in batches.

Written in plain SQL rather than with the historical models, so the same code serves every migration that
moves a column under encryption, on SQLite and PostgreSQL, and on an empty database (nothing to do).
"""

from django.db.migrations import RunPython

from . import crypto

BATCH = 5000


def batches_by_pk(cursor, select: str, batch: int = BATCH):
    """Run `select` (`... WHERE pk > %s ORDER BY pk`, the pk first) page by page on the key; yield each page."""
    last = 0
    while True:
        cursor.execute(f"{select} LIMIT {batch}", [last])
        rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def encrypt_columns(app_label: str, model_name: str, fields: dict[str, str | None]) -> RunPython:
    """RunPython that seals each of `fields` (attname → hash attname) in every row of the model, fills the
    hashes, and seals the same fields in the model's change records. Reversible: backwards decrypts."""

    def forward(apps, schema_editor):
        _rewrite(apps, schema_editor, app_label, model_name, fields, crypto.seal, with_hash=True)

    def backward(apps, schema_editor):
        _rewrite(apps, schema_editor, app_label, model_name, fields, crypto.reveal, with_hash=False)

    return RunPython(forward, backward, elidable=False)


def _rewrite(apps, schema_editor, app_label, model_name, fields, convert, *, with_hash):
    model = apps.get_model(app_label, model_name)
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    sources = list(fields)
    hashes = [h for h in fields.values() if h] if with_hash else []
    select = f"SELECT {pk}, {', '.join(quote(c) for c in sources)} FROM {table} WHERE {pk} > %s ORDER BY {pk}"
    assignments = ", ".join(f"{quote(c)} = %s" for c in [*sources, *hashes])
    update = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
    with connection.cursor() as cursor:
        for rows in batches_by_pk(cursor, select):
            batch = []
            for key, *values in rows:
                plain = [crypto.reveal(v) for v in values]
                new = [convert(v) for v in plain]
                if with_hash:
                    new += [crypto.blind_index(v) for v, h in zip(plain, fields.values(), strict=True) if h]
                batch.append((*new, key))
            cursor.executemany(update, batch)
    _rewrite_changes(apps, connection, app_label, model_name, set(fields), convert)


def _rewrite_changes(apps, connection, app_label, model_name, names, convert):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectChange = apps.get_model("core", "ObjectChange")
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name.lower()).first()
    if content_type is None:
        return
    changed = []
    for change in ObjectChange.objects.filter(content_type_id=content_type.pk).only("id", "changes").iterator():
        values = change.changes or {}
        if not names.intersection(values):
            continue
        change.changes = {
            name: [convert(crypto.reveal(v)) for v in pair] if name in names and isinstance(pair, list) else pair
            for name, pair in values.items()
        }
        changed.append(change)
        if len(changed) >= BATCH:
            write_changes(ObjectChange, changed, connection)
            changed = []
    if changed:
        write_changes(ObjectChange, changed, connection)


def write_changes(ObjectChange, changed, connection) -> None:
    """Store rewritten `changes` of change records. The change log refuses updates through the ORM (it is
    append-only for everyone else); re-encrypting its ID numbers is the one rewrite allowed, in plain SQL."""
    field = ObjectChange._meta.get_field("changes")
    quote = connection.ops.quote_name
    sql = f"UPDATE {quote(ObjectChange._meta.db_table)} SET {quote(field.column)} = %s WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(field.get_db_prep_save(c.changes, connection), c.pk) for c in changed])
