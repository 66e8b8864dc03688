"""Pupils sorted by pinyin and found by full pinyin: the name's pinyin keys stored (filled here for the pupils already
stored, emis.common.text), their indexes, and the class's 班主任 for the printed 花名册."""

from django.db import migrations, models

BATCH = 5000


def fill_pinyin(apps, schema_editor):
    from emis.common.text import pinyin_key, pinyin_sort_key

    Student = apps.get_model("students", "Student")
    last = 0
    while True:
        batch = list(Student._base_manager.filter(pk__gt=last).order_by("pk").only("pk", "name")[:BATCH])
        if not batch:
            return
        for student in batch:
            student.name_pinyin = pinyin_key(student.name)
            student.name_sort = pinyin_sort_key(student.name)
        # No change records: derived search keys, like name_initials.
        Student._base_manager.bulk_update(batch, ["name_pinyin", "name_sort"], batch_size=1000)
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_initial"),
        ("students", "0005_roll_changes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="student",
            options={"ordering": ("name_sort", "name", "id"), "verbose_name": "学生", "verbose_name_plural": "学生"},
        ),
        migrations.AddField(
            model_name="schoolclass",
            name="head_teacher",
            field=models.CharField(blank=True, db_default="", default="", max_length=64, verbose_name="班主任"),
        ),
        migrations.AddField(
            model_name="student",
            name="name_pinyin",
            field=models.CharField(
                blank=True, db_default="", default="", editable=False, max_length=255, verbose_name="姓名拼音"
            ),
        ),
        migrations.AddField(
            model_name="student",
            name="name_sort",
            field=models.CharField(
                blank=True, db_default="", default="", editable=False, max_length=255, verbose_name="拼音排序"
            ),
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="student",
            index=models.Index(fields=["name_sort", "name", "id"], name="students_student_sort_idx"),
        ),
        migrations.AddIndex(
            model_name="student",
            index=models.Index(
                fields=["name_pinyin"], name="students_student_pinyin_idx", opclasses=("varchar_pattern_ops",)
            ),
        ),
    ]
