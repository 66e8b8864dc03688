"""Finding a part of a name by an index on PostgreSQL (ADR 0018).

``icontains`` is a LIKE '%...%' no B-tree serves, so a province's pupils were read whole for every search by name.
A field with a GIN index of ``emis_name_grams(field)`` (its characters and pairs of characters, core migration
0010) is narrowed first by ``NameGramsContain``: the rows whose name holds every character pair of the query, which
the index finds; the LIKE then checks the order. On SQLite the condition is not added: a county's scan is quick.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value


class NameGramsContain(Func):
    """``emis_name_grams(field) @> emis_name_grams(query)``: the field holds every character and character pair of the
    query (a necessary condition of containing it, which the GIN index answers)."""

    output_field = BooleanField()

    def __init__(self, field: str, query: str):
        super().__init__(F(field), Value(query))

    def as_sql(self, compiler, connection, **extra_context):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        return f"emis_name_grams({field_sql}) @> emis_name_grams({query_sql})", [*field_params, *query_params]


def contains(field: str, value: str, *, indexed: bool) -> Q:
    """``field`` holds ``value`` (case-insensitive), through the field's character index where it has one
    (``indexed``) and the database is PostgreSQL."""
    condition = Q(**{f"{field}__icontains": value})
    if indexed and connection.vendor == "postgresql":
        condition &= Q(NameGramsContain(field, value))
    return condition
