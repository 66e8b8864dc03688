"""Model fields for ID numbers encrypted at rest (emis.core.crypto).

    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(source="id_number")

In Python the attribute is the plain number (pages, masking and exports are unchanged); the column holds an
AES-GCM token, and the hash column the keyed hash, kept in step whenever the attribute is set. Queries keep
their spelling: `filter(id_number=x)` and `filter(id_number__in=[...])` are rewritten to the hash column, and
any other lookup on the number (startswith, contains, ...) is refused, since a token cannot be searched.
Bulk writers that bypass the ORM write `crypto.seal(value)` and `crypto.blind_index(value)` themselves.
"""

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull
from django.db.models.query_utils import DeferredAttribute

from . import crypto

# Room for "<key id>$" plus base64 of nonce, the value and the tag.
TOKEN_LENGTH = 100


class _EncryptedAttribute(DeferredAttribute):
    """Setting the number also sets its hash, so unsaved instances validate their uniqueness by hash."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        if self.field.hash_field:
            instance.__dict__[self.field.hash_field] = crypto.blind_index(value)


class EncryptedCharField(models.CharField):
    """A short secret string: plain in Python, an AES-GCM token in the database. `max_length` is the plain
    value's (forms and validation); the column is wide enough for the token."""

    descriptor_class = _EncryptedAttribute

    def __init__(self, *args, hash_field: str | None = None, **kwargs):
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def db_type(self, connection):
        data = {**self.db_type_parameters(connection), "max_length": TOKEN_LENGTH}
        column_type = connection.data_types["CharField"]
        return column_type(data) if callable(column_type) else column_type % data

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def from_db_value(self, value, expression, connection):
        return crypto.reveal(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.seal(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("exact", "in", "isnull"):
            return None
        return {"exact": HashedExact, "in": HashedIn, "isnull": IsNull}[lookup_name]

    def get_transform(self, lookup_name):
        return None

    def hash_column(self):
        return self.model._meta.get_field(self.hash_field)


class _ToHash:
    """Compare the hash column with the hash of the value (or with another table's hash column)."""

    prepare_rhs = False

    def _hash_lhs(self):
        lhs = self.lhs
        if not isinstance(lhs, Col) or not isinstance(lhs.target, EncryptedCharField) or not lhs.target.hash_field:
            raise FieldError("ID numbers are matched only exactly, on the column itself")
        return Col(lhs.alias, lhs.target.hash_column())

    def _hash_rhs(self, rhs):
        if hasattr(rhs, "resolve_expression"):
            target = getattr(rhs, "target", None)
            if isinstance(rhs, Col) and isinstance(target, EncryptedCharField) and target.hash_field:
                return Col(rhs.alias, target.hash_column())
            raise FieldError("ID numbers are compared only with another ID number column or a value")
        return rhs


class HashedExact(_ToHash, Exact):
    def __init__(self, lhs, rhs):
        super().__init__(lhs, rhs)
        self.lhs = self._hash_lhs()
        self.rhs = self._hash_rhs(self.rhs)
        if not hasattr(self.rhs, "resolve_expression"):
            self.rhs = crypto.blind_index(self.rhs)


class HashedIn(_ToHash, In):
    def __init__(self, lhs, rhs):
        super().__init__(lhs, rhs)
        self.lhs = self._hash_lhs()
        if hasattr(self.rhs, "resolve_expression"):
            raise FieldError("ID numbers are matched with a list of values only")
        self.rhs = [h for h in crypto.blind_indexes(list(self.rhs)) if h is not None]


class HashField(models.CharField):
    """The keyed hash of another field (crypto.blind_index), for exact matching and uniqueness."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", crypto.HASH_LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("editable", False), ("null", True), ("blank", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        # Recomputed from the plain value on every save: the column follows the current hash key.
        value = crypto.blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def with_hashes(model, values: dict) -> dict:
    """Values for QuerySet.update() with the hash of each encrypted field added (update() skips save())."""
    values = dict(values)
    for field in encrypted_fields(model):
        for key in (field.name, field.attname):
            if key in values:
                plain = crypto.reveal(values[key])
                values[key] = plain
                if field.hash_field:
                    values[field.hash_field] = crypto.blind_index(plain)
    return values
