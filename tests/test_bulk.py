"""emis.core.bulk: keys handed out before a bulk insert."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Max

from emis.core.bulk import allocate_ids
from emis.core.models import ObjectChange


@pytest.mark.django_db
def test_allocated_keys_are_new_distinct_and_never_handed_out_again():
    highest = ObjectChange.objects.aggregate(top=Max("pk"))["top"] or 0
    keys = allocate_ids(ObjectChange, 500)
    assert len(set(keys)) == 500 and min(keys) > highest
    if connection.vendor == "postgresql":
        # Taken from the table's sequence: a second call (another writer) gets none of them.
        again = allocate_ids(ObjectChange, 500)
        assert len(set(again)) == 500 and not set(again) & set(keys)
