"""The 中考 round models move to the rounds app (emis.rounds): they leave this app's state only. Their tables stay
as they are, with their names and data; emis/rounds/migrations/0001_initial.py takes them over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("admissions", "0003_encrypt_id_numbers"),
        ("rounds", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                    migrations.RemoveField(
                        model_name="roundschool",
                        name="round",
                    ),
                    migrations.RemoveField(
                        model_name="applicant",
                        name="round",
                    ),
                    migrations.RemoveField(
                        model_name="quotaallocation",
                        name="round",
                    ),
                    migrations.RemoveField(
                        model_name="appeal",
                        name="applicant",
                    ),
                    migrations.RemoveField(
                        model_name="appeal",
                        name="decided_by",
                    ),
                    migrations.RemoveField(
                        model_name="applicant",
                        name="junior_school",
                    ),
                    migrations.RemoveField(
                        model_name="applicant",
                        name="result_school",
                    ),
                    migrations.RemoveField(
                        model_name="quotaallocation",
                        name="junior_school",
                    ),
                    migrations.RemoveField(
                        model_name="quotaallocation",
                        name="school",
                    ),
                    migrations.RemoveField(
                        model_name="roundschool",
                        name="school",
                    ),
                    migrations.DeleteModel(
                        name="AdmissionRound",
                    ),
                    migrations.DeleteModel(
                        name="Appeal",
                    ),
                    migrations.DeleteModel(
                        name="Applicant",
                    ),
                    migrations.DeleteModel(
                        name="QuotaAllocation",
                    ),
                    migrations.DeleteModel(
                        name="RoundSchool",
                    ),
            ],
            database_operations=[],
        ),
    ]
