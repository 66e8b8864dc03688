"""Give change records, import batches and import events filed under a school but no division the school's
township (issue 10, finding 13): imports used to file the classes they created, and a school user's batches,
with an empty division, which no township or county user could then open.

Only the filing (division_code) is filled in; what a record says is not touched.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def forwards(apps, schema_editor):
    School = apps.get_model("orgs", "School")
    township = Coalesce(
        Subquery(School.objects.filter(pk=OuterRef("school_id")).values("township__code")[:1]), Value("")
    )
    for name in ("ObjectChange", "ImportBatch", "AuditEvent"):
        # The historical models have Django's plain manager: the audit models' refusing queryset is not used.
        model = apps.get_model("core", name)
        model.objects.filter(division_code="", school_id__isnull=False).update(division_code=township)
    AuditEvent = apps.get_model("core", "AuditEvent")
    ImportBatch = apps.get_model("core", "ImportBatch")
    for event in AuditEvent.objects.filter(
        event__in=("import.committed", "import.rolled_back"), division_code="", school_id__isnull=True
    ):
        batch = ImportBatch.objects.filter(pk=(event.data or {}).get("batch")).first()
        if batch is not None:
            AuditEvent.objects.filter(pk=event.pk).update(school_id=batch.school_id, division_code=batch.division_code)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_objectchange_fewer_indexes"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
