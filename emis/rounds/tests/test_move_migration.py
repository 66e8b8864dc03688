"""The rounds moved from the admissions app with their tables: rounds 0001 relabels the content types, so that the
change log written before the move (pointing at admissions.applicant ...) stays each row's history. The migration
itself was run on SQLite and PostgreSQL databases migrated on main with a round in them (docs/admissions.md)."""

import importlib
import types

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from emis.core.models import ChangeAction, ObjectChange
from emis.rounds.models import Applicant

migration = importlib.import_module("emis.rounds.migrations.0001_initial")
SCHEMA_EDITOR = types.SimpleNamespace(connection=connection)


def test_the_content_types_of_a_database_migrated_before_the_move_are_relabelled(county):
    from emis.testing import build_rounds

    build_rounds(county)
    applicant = county.applicants["李雷"]
    # As a database migrated on main has it: the content types under admissions, the change log pointing at them.
    ContentType.objects.filter(app_label="rounds", model__in=migration.MOVED).update(app_label="admissions")
    ContentType.objects.clear_cache()
    old = ContentType.objects.get(app_label="admissions", model="applicant")
    change = ObjectChange.objects.create(
        source="web", action=ChangeAction.UPDATE, content_type=old, object_id=applicant.pk, object_repr="before"
    )

    migration.relabel_content_types(apps, SCHEMA_EDITOR)
    ContentType.objects.clear_cache()

    assert ContentType.objects.get_for_model(Applicant).pk == old.pk
    assert not ContentType.objects.filter(app_label="admissions", model__in=migration.MOVED).exists()
    assert ObjectChange.objects.get(pk=change.pk).content_type.model_class() is Applicant
    migration.restore_content_types(apps, SCHEMA_EDITOR)  # and back
    assert ContentType.objects.filter(app_label="admissions", model__in=migration.MOVED).count() == 5
    ContentType.objects.clear_cache()


def test_a_fresh_database_keeps_the_content_types_it_has(county):
    before = dict(ContentType.objects.filter(model__in=migration.MOVED).values_list("pk", "app_label"))
    migration.relabel_content_types(apps, SCHEMA_EDITOR)
    assert dict(ContentType.objects.filter(model__in=migration.MOVED).values_list("pk", "app_label")) == before
    assert set(before.values()) == {"rounds"}
