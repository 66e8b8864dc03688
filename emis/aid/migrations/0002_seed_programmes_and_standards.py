"""The programmes and the 2019–2022 standards of domain-rules §5, with their sources (emis/aid/seed.py)."""

from django.db import migrations

from emis.aid.seed import FROM, PROGRAMMES, seed_reference


def seed(apps, schema_editor):
    seed_reference(apps.get_model("aid", "Programme"), apps.get_model("aid", "Standard"))


def unseed(apps, schema_editor):
    apps.get_model("aid", "Standard").objects.filter(valid_from=FROM).delete()
    apps.get_model("aid", "Programme").objects.filter(code__in=[p[0] for p in PROGRAMMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("aid", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
