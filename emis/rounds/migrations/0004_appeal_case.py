"""Appeals become cases of the work engine (workflow ``admission_appeal``): each existing appeal gets its case, in the
state its status held, with the steps that are known (受理 on the received day; the decision when it was made), then
the status column goes."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

WORKFLOW = "admission_appeal"


def appeals_to_cases(apps, schema_editor):
    Appeal = apps.get_model("rounds", "Appeal")
    Case = apps.get_model("work", "Case")
    Step = apps.get_model("work", "Step")
    for appeal in Appeal.objects.select_related("applicant__round", "applicant__junior_school__township"):
        applicant = appeal.applicant
        school = applicant.junior_school
        division = school.township.code if school is not None else applicant.round.division_code
        decided = appeal.status != "received"
        case = Case.objects.create(
            workflow=WORKFLOW,
            title=f"{applicant.name}（考号 {applicant.exam_no}）录取申诉"[:200],
            state=appeal.status,
            version=2 if decided else 1,
            level="county",
            school=school,
            division_code=division,
            township_code=division[:9] if len(division) >= 9 else "",
            county_code=division[:6],
            data={"reason": appeal.reason, **({"decision": appeal.decision} if decided else {})},
            closed_at=appeal.decided_at if decided else None,
        )
        received_at = timezone.make_aware(dt.datetime.combine(appeal.received_on, dt.time.min))
        Step.objects.create(
            case=case,
            number=1,
            transition="receive",
            from_state="",
            to_state="received",
            at=received_at,
            on_day=appeal.received_on,
            values={"reason": appeal.reason},
        )
        if decided:
            at = appeal.decided_at or received_at
            Step.objects.create(
                case=case,
                number=2,
                transition=appeal.status,
                from_state="received",
                to_state=appeal.status,
                actor=appeal.decided_by,
                at=at,
                on_day=at.date(),
                comment=appeal.decision,
                values={"decision": appeal.decision},
            )
        appeal.case = case
        appeal.save(update_fields=["case"])


class Migration(migrations.Migration):
    dependencies = [
        ("rounds", "0003_admissionround_tie_break_help_in_words"),
        ("work", "0006_document_template"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="case",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="admission_appeal",
                to="work.case",
                verbose_name="办件",
            ),
        ),
        migrations.RunPython(appeals_to_cases, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appeal",
            name="case",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="admission_appeal",
                to="work.case",
                verbose_name="办件",
            ),
        ),
        migrations.RemoveField(model_name="appeal", name="status"),
    ]
