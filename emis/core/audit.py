"""The change log: every save and delete of a RegistryModel writes an ObjectChange.

It works the same in a request, an API call, an import, a task or a management command: the acting
user and source come from a context variable, set by AuditContextMiddleware for requests and by
`audit_context(...)` everywhere else. Unlike NetBox, a write outside a request is still recorded
(with source "command" or "system" when no context was set).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from dataclasses import dataclass

import orjson
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from . import access, crypto
from .bulk import db_value, insert_rows
from .fields import encrypted_fields
from .models import AuditEvent, ChangeAction, ChangeLogged, ChangeSource, ObjectChange
from .stages import timed


@dataclass
class AuditContext:
    user: object | None = None
    source: str = ChangeSource.SYSTEM
    request_id: str = ""
    request: object | None = None
    batch_id: int | None = None

    def acting_user(self):
        # DRF authenticates inside the view and copies the user onto the Django request,
        # so the user is read at write time rather than when the middleware ran.
        if self.request is not None:
            user = getattr(self.request, "user", None)
            return user if user is not None and user.is_authenticated else None
        return self.user


def _encode_changes(changes: dict) -> str:
    """Compact JSON for a bulk change row; orjson, because a million-row import encodes a million of them."""
    return orjson.dumps(changes, default=str).decode()


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("emis_audit_context", default=None)


def current_context() -> AuditContext:
    return _current.get() or AuditContext(source=ChangeSource.COMMAND)


@contextlib.contextmanager
def audit_context(*, user=None, source: str = ChangeSource.COMMAND, batch_id: int | None = None, request=None):
    token = _current.set(
        AuditContext(user=user, source=source, request_id=uuid.uuid4().hex, request=request, batch_id=batch_id)
    )
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@contextlib.contextmanager
def acting_as(user):
    """The audit context names the actor: a request already does; a command, task or test calling a service
    directly gets one with the actor, so the change records and audit events name who acted."""
    context = current_context()
    if context.acting_user() is not None:
        yield
        return
    with audit_context(user=user, source=context.source):
        yield


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = ChangeSource.API if request.path.startswith("/api/") else ChangeSource.WEB
        with audit_context(source=source, request=request):
            return self.get_response(request)


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def field_values(instance: ChangeLogged) -> dict[str, object]:
    """Concrete field values by name (foreign keys by id), excluding the model's audit_exclude."""
    values = {}
    for field in instance._meta.concrete_fields:
        # Non-editable fields (timestamps, search keys, derived levels) only repeat what others say.
        if field.primary_key or not field.editable or field.name in instance.audit_exclude:
            continue
        values[field.name] = _jsonable(getattr(instance, field.attname))
    return values


def sealed_changes(model, changes: dict) -> dict:
    """The change with encrypted fields' values as tokens (emis.core.crypto): the change log keeps no ID number
    in the clear. Values already sealed stay as they are; pages and rollback open them with crypto.reveal."""
    names = _encrypted_names(model)
    if not names or not names.intersection(changes):
        return changes
    return {
        name: [crypto.seal(v) for v in values] if name in names and isinstance(values, list | tuple) else values
        for name, values in changes.items()
    }


_ENCRYPTED: dict[type, frozenset] = {}


def _encrypted_names(model) -> frozenset:
    if model not in _ENCRYPTED:
        fields = encrypted_fields(model)
        _ENCRYPTED[model] = frozenset([f.name for f in fields] + [f.attname for f in fields])
    return _ENCRYPTED[model]


def diff_values(before: dict, after: dict) -> dict[str, list]:
    return {name: [before.get(name), after.get(name)] for name in after if before.get(name) != after.get(name)}


def last_change_id() -> int:
    """The number of the last change record: it moves with every write of the registry's data (each write path leaves
    a record: tests/test_write_paths.py). One read of the primary key's index."""
    return ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def record_change(instance: ChangeLogged, action: str, changes: dict) -> ObjectChange:
    context = current_context()
    user = context.acting_user()
    school_id, division_code = access.filed_under(instance)
    return ObjectChange.objects.create(
        user=user,
        username=getattr(user, "username", "") or "",
        source=context.source,
        request_id=context.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        changes=sealed_changes(type(instance), changes),
        school_id=school_id,
        division_code=division_code or "",
        batch_id=context.batch_id,
    )


def record_event(event: str, *, data: dict | None = None, school_id=None, division_code: str = "") -> AuditEvent:
    context = current_context()
    user = context.acting_user()
    return AuditEvent.objects.create(
        event=event,
        user=user,
        username=getattr(user, "username", "") or "",
        school_id=school_id,
        division_code=division_code,
        data=data or {},
    )


# A creation written in bulk (the importers) is recorded compactly: the change row names the batch and the row's
# key as any record does, and its `changes` only lists the fields, {COMPACT_KEY: [attname, ...]}. Their values at
# creation are the row's own values, read back through the later records' "before" values (creation_values): the
# log stays as exact as a full record, at a fraction of the write (ADR 0016).
COMPACT_KEY = "__row__"


def compact_creation(fields) -> dict:
    """The `changes` of a compact creation record of a row whose `fields` (attnames) it shows."""
    return {COMPACT_KEY: list(fields)}


def is_compact(change) -> bool:
    return change.action == ChangeAction.CREATE and COMPACT_KEY in (change.changes or {})


def creation_values(changes) -> dict[int, dict[str, list]]:
    """{record id: {field: [None, value at creation]}} for the compact creation records among `changes`.

    The value at creation of each field is the row's value now, taken back through every later change record of
    the row, newest first: an update gives back its "before" value, a deletion all of the row's values before it.
    Two queries per model (the rows, their later records), whatever the number of records."""
    groups: dict[int, list] = {}
    for change in changes:
        if is_compact(change):
            groups.setdefault(change.content_type_id, []).append(change)
    result: dict[int, dict[str, list]] = {}
    for content_type_id, group in groups.items():
        model = group[0].content_type.model_class()
        by_attname = {f.attname: f for f in model._meta.concrete_fields} if model else {}
        ids = {change.object_id for change in group}
        rows = {row.pk: row for row in model._base_manager.filter(pk__in=ids)} if model else {}
        later: dict[int, list] = {}
        for record in (
            ObjectChange.objects.filter(
                content_type_id=content_type_id, object_id__in=ids, id__gt=min(change.pk for change in group)
            )
            .order_by("-id")
            .values_list("id", "object_id", "action", "changes")
        ):
            later.setdefault(record[1], []).append(record)
        for change in group:
            keys = change.changes[COMPACT_KEY]
            # A key is written under its attname (school_id); a record made by a page names the field (school).
            aliases = {key: (key, by_attname[key].name) if key in by_attname else (key,) for key in keys}
            row = rows.get(change.object_id)
            state = {key: _jsonable(getattr(row, key, None)) for key in keys} if row is not None else {}
            for record_id, _object_id, action, values in later.get(change.object_id, ()):
                if record_id <= change.pk:
                    break
                values = values or {}
                if action == ChangeAction.DELETE:
                    state = {}
                for key in keys:
                    for alias in aliases[key]:
                        if alias in values and isinstance(values[alias], list | tuple):
                            state[key] = values[alias][0]
                            break
            result[change.pk] = {key: [None, state.get(key)] for key in keys}
    return result


def readable_changes(user, changes) -> list[dict[str, list]]:
    """Each change record's {field: [before, after]} as the user may read it, in the order given.

    The one place the change-log pages, the object histories, the API and the export take values from: fields
    the model restricts for the row and the user (ChangeLogged.change_log_restriction) are left out, and ID
    numbers are masked for roles that may not see them in full. One query per restricted model, not per record.
    """
    changes = list(changes)
    hidden: dict[int, frozenset[str]] = {}
    groups: dict[int, list] = {}
    for change in changes:
        groups.setdefault(change.content_type_id, []).append(change)
    models = {}
    for content_type_id, group in groups.items():
        model = models[content_type_id] = group[0].content_type.model_class()
        if model is None or not issubclass(model, ChangeLogged):
            continue
        restriction = model.change_log_restriction(user)
        if restriction is None:
            continue
        fields, rows = restriction
        ids = {change.object_id for change in group}
        # A row since deleted is not "outside the restriction": its values stay hidden.
        readable = set(model._base_manager.filter(pk__in=ids).exclude(rows).values_list("pk", flat=True))
        for change in group:
            if change.object_id not in readable:
                hidden[change.pk] = fields
    created = creation_values(changes)
    result = []
    for change in changes:
        model = models[change.content_type_id]
        sensitive = getattr(model, "sensitive_fields", ()) if model else ()
        skip = hidden.get(change.pk, ())
        result.append(
            {
                name: [access.display_id(user, before), access.display_id(user, after)]
                if name in sensitive
                else [before, after]
                for name, (before, after) in created.get(change.pk, change.changes or {}).items()
                if name not in skip
            }
        )
    return result


@receiver(pre_save)
def remember_values_before_save(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, ChangeLogged):
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        previous = type(instance)._base_manager.filter(pk=instance.pk).first()
        before = field_values(previous) if previous is not None else None
    instance._audit_before = before


@receiver(post_save)
def log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, ChangeLogged):
        return
    after = field_values(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record_change(instance, ChangeAction.CREATE, {name: [None, value] for name, value in after.items()})
        return
    changes = diff_values(before, after)
    if changes:
        record_change(instance, ChangeAction.UPDATE, changes)


@receiver(post_delete)
def log_delete(sender, instance, **kwargs):
    if not isinstance(instance, ChangeLogged):
        return
    record_change(
        instance, ChangeAction.DELETE, {name: [value, None] for name, value in field_values(instance).items()}
    )


@receiver(m2m_changed)
def log_m2m_change(sender, instance, action, pk_set, reverse=False, **kwargs):
    """Record additions to and removals from many-to-many fields (for example a user's scope)."""
    if reverse or not isinstance(instance, ChangeLogged) or action not in ("post_add", "post_remove", "post_clear"):
        return
    field = next(
        (f for f in instance._meta.many_to_many if f.remote_field.through is sender),
        None,
    )
    if field is None:
        return
    after = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    if action == "post_add":
        before = sorted(set(after) - set(pk_set or ()))
    elif action == "post_remove":
        before = sorted(set(after) | set(pk_set or ()))
    else:
        before = None
    record_change(instance, ChangeAction.UPDATE, {field.name: [before, after]})


# The columns of a change record written in bulk, in the order record_changes_bulk builds its rows.
CHANGE_COLUMNS = (
    "time",
    "user_id",
    "username",
    "source",
    "request_id",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "school_id",
    "division_code",
    "batch_id",
)


def record_changes_bulk(entries: list[tuple]) -> None:
    """Change records for rows written in bulk: [(instance or (model, pk), action, changes[, scope[, repr]])].

    bulk_create/bulk_update send no signals, so bulk writers call this themselves. Passing the scope and
    repr avoids queries per row; the rows go in as plain INSERTs (COPY on PostgreSQL), because an import of a
    million rows writes a million change records and the ORM's per-field preparation would dominate its time.
    """
    if not entries:
        return
    with timed("change records"):
        rows = _change_rows(entries)
    insert_rows(ObjectChange, CHANGE_COLUMNS, rows, prepared=("time", "changes"))


def _change_rows(entries: list[tuple]) -> list[tuple]:
    context = current_context()
    user = context.acting_user()
    username = getattr(user, "username", "") or ""
    user_id = getattr(user, "pk", None)
    now = db_value(ObjectChange, "time", timezone.now())
    encode = _encode_changes
    content_types: dict[type, int] = {}
    rows = []
    sealed = _seal_in_bulk(entries)
    # Compact creations share one `changes` dict per writer: encoded once.
    encoded: dict[int, str] = {}
    for index, entry in enumerate(entries):
        instance, action, changes = entry[:3]
        changes = sealed.get(index, changes)
        if COMPACT_KEY in changes:
            text = encoded.get(id(changes))
            if text is None:
                text = encoded[id(changes)] = encode(changes)
        else:
            text = encode(changes)
        # Bulk writers that never built model instances pass (model class, pk) instead.
        model, pk = instance if isinstance(instance, tuple) else (type(instance), instance.pk)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
        school_id, division_code = entry[3] if len(entry) > 3 else access.filed_under(instance)
        rows.append(
            (
                now,
                user_id,
                username,
                context.source,
                context.request_id,
                action,
                content_types[model],
                pk,
                (entry[4] if len(entry) > 4 else str(instance))[:200],
                text,
                school_id,
                division_code or "",
                context.batch_id,
            )
        )
    return rows


def _seal_in_bulk(entries: list[tuple]) -> dict[int, dict]:
    """{entry index: its changes with ID numbers sealed}, encrypting all of them in one crypto.seal_many call."""
    places, values = [], []
    for index, entry in enumerate(entries):
        instance, changes = entry[0], entry[2]
        if COMPACT_KEY in changes:
            continue  # no values to seal
        model = instance[0] if isinstance(instance, tuple) else type(instance)
        names = _encrypted_names(model)
        if not names:
            continue
        for name in names.intersection(changes):
            pair = changes[name]
            if isinstance(pair, list | tuple):
                places.append((index, name, len(pair)))
                values.extend(pair)
    if not values:
        return {}
    tokens = iter(crypto.seal_many(values))
    result: dict[int, dict] = {}
    for index, name, size in places:
        changes = result.setdefault(index, dict(entries[index][2]))
        changes[name] = [next(tokens) for _ in range(size)]
    return result
