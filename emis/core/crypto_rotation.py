"""`emis rotate_data_key`: every encrypted ID number under the newest data key, every hash under the hash key.

Run it after putting a new key first in EMIS_DATA_KEYS (keeping the old ones after it), and right after changing
EMIS_HASH_KEY; once it reports nothing left under an old key, the old key may leave EMIS_DATA_KEYS. It reads
each table in primary-key batches, decrypts each value with whichever key it names, and writes back only the
rows whose token is under an old key (or still unencrypted) or whose hash differs; the change records of
those models are re-encrypted the same way. Running it twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connections, transaction

from . import crypto
from .crypto_migrations import batches_by_pk, write_changes
from .fields import encrypted_fields

BATCH = 5000


@dataclass
class Rotated:
    table: str
    rows: int = 0
    resealed: int = 0
    rehashed: int = 0


def encrypted_models():
    return [m for m in apps.get_models() if not m._meta.proxy and encrypted_fields(m)]


def _stale(token, current: str) -> bool:
    return bool(token) and (not crypto.is_token(token) or crypto.token_key_id(token) != current)


def rotate(*, using: str = "default", dry_run: bool = False) -> list[Rotated]:
    current = crypto.current_key_id()
    results = []
    with transaction.atomic(using=using):
        for model in encrypted_models():
            results.append(_rotate_table(model, current, using, dry_run))
            results.append(_rotate_changes(model, current, using, dry_run))
        results.append(_rotate_import_reports(current, using, dry_run))
        if dry_run:
            transaction.set_rollback(True, using=using)
    return results


def _rotate_table(model, current: str, using: str, dry_run: bool) -> Rotated:
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = encrypted_fields(model)
    columns = [f.column for f in fields]
    hash_columns = [model._meta.get_field(f.hash_field).column if f.hash_field else None for f in fields]
    read = [c for pair in zip(columns, hash_columns, strict=True) for c in pair if c]
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    select = f"SELECT {pk}, {', '.join(quote(c) for c in read)} FROM {table} WHERE {pk} > %s ORDER BY {pk}"
    writes = [c for c in read]
    update = f"UPDATE {table} SET {', '.join(f'{quote(c)} = %s' for c in writes)} WHERE {pk} = %s"
    result = Rotated(model._meta.db_table)
    with connection.cursor() as cursor:
        for rows in batches_by_pk(cursor, select, BATCH):
            batch = []
            for key, *values in rows:
                result.rows += 1
                new, dirty, position = [], False, 0
                for hash_column in hash_columns:
                    token = values[position]
                    position += 1
                    plain = crypto.reveal(token)
                    if _stale(token, current):
                        token = crypto.encrypt(plain) if plain else plain
                        result.resealed += 1
                        dirty = True
                    new.append(token)
                    if hash_column:
                        stored = values[position]
                        position += 1
                        fresh = crypto.blind_index(plain)
                        if fresh != stored:
                            result.rehashed += 1
                            dirty = True
                        new.append(fresh)
                if dirty:
                    batch.append((*new, key))
            if batch and not dry_run:
                cursor.executemany(update, batch)
    return result


def _rotate_changes(model, current: str, using: str, dry_run: bool) -> Rotated:
    from django.contrib.contenttypes.models import ContentType

    from .models import ObjectChange

    names = {f.name for f in encrypted_fields(model)} | {f.attname for f in encrypted_fields(model)}
    content_type = ContentType.objects.db_manager(using).get_for_model(model, for_concrete_model=True)
    result = Rotated(f"{ObjectChange._meta.db_table} ({model._meta.label})")
    changed = []
    queryset = ObjectChange.objects.using(using).filter(content_type=content_type).only("id", "changes")
    for change in queryset.iterator(chunk_size=BATCH):
        result.rows += 1
        values = change.changes or {}
        stale = [
            name
            for name, pair in values.items()
            if name in names and isinstance(pair, list) and any(_stale(v, current) for v in pair)
        ]
        if not stale:
            continue
        result.resealed += 1
        for name in stale:
            values[name] = [crypto.encrypt(crypto.reveal(v)) if v else v for v in values[name]]
        changed.append(change)
        if len(changed) >= BATCH:
            if not dry_run:
                _write_changes(changed, using)
            changed = []
    if changed and not dry_run:
        _write_changes(changed, using)
    return result


def _rotate_import_reports(current: str, using: str, dry_run: bool) -> Rotated:
    """Import batch reports keep the numbers of their files sealed (emis.core.imports.masking.seal_report)."""
    from .imports.masking import reseal_report
    from .models import ImportBatch

    result = Rotated(f"{ImportBatch._meta.db_table} (report)")
    changed = []
    queryset = ImportBatch.objects.using(using).only("id", "report", "error_message").order_by("pk")
    for batch in queryset.iterator(chunk_size=500):
        result.rows += 1
        (report, error), rewritten = reseal_report([batch.report or {}, batch.error_message or ""], current)
        if not rewritten:
            continue
        result.resealed += 1
        batch.report, batch.error_message = report, error
        changed.append(batch)
        if len(changed) >= 500:
            if not dry_run:
                ImportBatch.objects.using(using).bulk_update(changed, ["report", "error_message"])
            changed = []
    if changed and not dry_run:
        ImportBatch.objects.using(using).bulk_update(changed, ["report", "error_message"])
    return result


def _write_changes(changed, using: str) -> None:
    from .models import ObjectChange

    write_changes(ObjectChange, changed, connections[using])
