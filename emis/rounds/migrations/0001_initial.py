"""The 中考 round models, moved here from the admissions app with their tables and data.

The tables were created by admissions 0002 and 0003 and keep their names (``Meta.db_table``), so this migration
changes the state only; admissions 0004 removes the models from that app's state. The content types are
relabelled (admissions.applicant → rounds.applicant ...) so that the change log, which points at them, keeps the
rows' history. A fresh database runs the same path: admissions creates the tables, this takes them over."""

import django.core.validators
import django.db.models.deletion
import emis.core.fields
import emis.core.models
import emis.rounds.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

MOVED = ("admissionround", "roundschool", "quotaallocation", "applicant", "appeal")


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not content_types.filter(app_label=new, model=model).exists():
            content_types.filter(app_label=old, model=model).update(app_label=new)


def relabel_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, "admissions", "rounds")


def restore_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, "rounds", "admissions")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('admissions', '0003_encrypt_id_numbers'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('orgs', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AdmissionRound',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('name', models.CharField(max_length=64, verbose_name='批次名称')),
                        ('division_code', models.CharField(default=emis.rounds.models.default_division_code, editable=False, max_length=12, verbose_name='所属区划代码')),
                        ('status', models.CharField(choices=[('draft', '草稿'), ('allocated', '已分配指标'), ('solved', '已录取待发布'), ('published', '已发布')], default='draft', max_length=16, verbose_name='状态')),
                        ('quota_share', models.CharField(default='2/3', help_text='优质高中计划中指标到校名额的比例，如 2/3、0.7 或 70%。', max_length=16, verbose_name='指标到校比例')),
                        ('quota_rule', models.CharField(choices=[('applicants', '按各初中报考人数分配'), ('graduates', '按各初中九年级在读人数分配'), ('manual', '手工填报')], default='applicants', max_length=16, verbose_name='指标分配办法')),
                        ('preference_count', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(30)], verbose_name='可填志愿数')),
                        ('tie_break', models.CharField(default='total,chinese+math+english,math,chinese,english,exam_no', help_text='可用 total、chinese+math+english、math、chinese、english、exam_no。', max_length=120, verbose_name='同分排序规则')),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='发布时间')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发布人')),
                        ('school_year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='admission_rounds', to='orgs.schoolyear', verbose_name='招生学年')),
                    ],
                    options={
                        'verbose_name': '中考录取批次',
                        'verbose_name_plural': '中考录取批次',
                        'db_table': 'admissions_admissionround',
                        'ordering': ('-school_year__start_year', 'name'),
                    },
                    bases=(emis.core.models.ChangeLogged, models.Model),
                ),
                migrations.CreateModel(
                    name='Applicant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('exam_no', models.CharField(max_length=32, verbose_name='考号')),
                        ('name', models.CharField(blank=True, max_length=64, verbose_name='姓名')),
                        ('name_initials', models.CharField(blank=True, editable=False, max_length=64, verbose_name='姓名拼音首字母')),
                        ('id_number', emis.core.fields.EncryptedCharField(blank=True, hash_field='id_number_hash', max_length=18, verbose_name='身份证号')),
                        ('id_number_hash', emis.core.fields.HashField(max_length=22, source='id_number', verbose_name='身份证号')),
                        ('total', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='总分')),
                        ('chinese', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='语文')),
                        ('math', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='数学')),
                        ('english', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='外语')),
                        ('preferences', models.JSONField(blank=True, default=list, verbose_name='志愿')),
                        ('eligible', models.BooleanField(default=True, verbose_name='具备指标生资格')),
                        ('result_phase', models.CharField(blank=True, choices=[('quota', '指标到校'), ('open', '统招')], max_length=8, verbose_name='录取批次类别')),
                        ('result_preference_rank', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='录取志愿序号')),
                        ('explanation', models.TextField(blank=True, editable=False, verbose_name='录取说明')),
                        ('junior_school', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.school', verbose_name='毕业初中')),
                        ('result_school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.school', verbose_name='录取学校')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='applicants', to='rounds.admissionround', verbose_name='录取批次')),
                    ],
                    options={
                        'verbose_name': '考生',
                        'verbose_name_plural': '考生',
                        'db_table': 'admissions_applicant',
                        'ordering': ('round_id', 'exam_no'),
                    },
                    bases=(emis.core.models.ChangeLogged, models.Model),
                ),
                migrations.CreateModel(
                    name='Appeal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('received_on', models.DateField(verbose_name='受理日期')),
                        ('reason', models.TextField(verbose_name='申诉理由')),
                        ('status', models.CharField(choices=[('received', '已受理'), ('upheld', '申诉成立'), ('dismissed', '申诉不成立')], default='received', max_length=16, verbose_name='处理状态')),
                        ('decision', models.TextField(blank=True, verbose_name='处理意见')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='处理人')),
                        ('applicant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='rounds.applicant', verbose_name='考生')),
                    ],
                    options={
                        'verbose_name': '录取申诉',
                        'verbose_name_plural': '录取申诉',
                        'db_table': 'admissions_appeal',
                        'ordering': ('-received_on', '-id'),
                    },
                    bases=(emis.core.models.ChangeLogged, models.Model),
                ),
                migrations.CreateModel(
                    name='QuotaAllocation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('seats', models.PositiveIntegerField(verbose_name='指标名额')),
                        ('admitted', models.PositiveIntegerField(blank=True, null=True, verbose_name='录取人数')),
                        ('cutoff', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='指标到校录取线')),
                        ('junior_school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.school', verbose_name='初中学校')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quota_allocations', to='rounds.admissionround', verbose_name='录取批次')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.school', verbose_name='高中学校')),
                    ],
                    options={
                        'verbose_name': '指标到校分配',
                        'verbose_name_plural': '指标到校分配',
                        'db_table': 'admissions_quotaallocation',
                        'ordering': ('round', 'school', 'junior_school'),
                    },
                    bases=(emis.core.models.ChangeLogged, models.Model),
                ),
                migrations.CreateModel(
                    name='RoundSchool',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('open_seats', models.PositiveIntegerField(verbose_name='统招名额')),
                        ('quota_seats', models.PositiveIntegerField(default=0, help_text='优质高中分配指标时按比例由招生计划总数重算。', verbose_name='指标到校名额')),
                        ('quota_min_score', models.DecimalField(blank=True, decimal_places=2, help_text='留空为不设控制线。', max_digits=6, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='指标生最低控制线')),
                        ('is_quality', models.BooleanField(default=False, help_text='优质高中拿出指标到校名额分配到初中。', verbose_name='优质高中')),
                        ('quota_admitted', models.PositiveIntegerField(blank=True, null=True, verbose_name='指标到校录取人数')),
                        ('open_capacity', models.PositiveIntegerField(blank=True, help_text='统招名额加上未录满而转入统招的指标名额。', null=True, verbose_name='统招实际名额')),
                        ('open_admitted', models.PositiveIntegerField(blank=True, null=True, verbose_name='统招录取人数')),
                        ('open_cutoff', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='统招录取线')),
                        ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='schools', to='rounds.admissionround', verbose_name='录取批次')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='admission_plans', to='orgs.school', verbose_name='高中学校')),
                    ],
                    options={
                        'verbose_name': '高中招生计划',
                        'verbose_name_plural': '高中招生计划',
                        'db_table': 'admissions_roundschool',
                        'ordering': ('round', 'school'),
                    },
                    bases=(emis.core.models.ChangeLogged, models.Model),
                ),
                migrations.AddConstraint(
                    model_name='admissionround',
                    constraint=models.UniqueConstraint(fields=('school_year', 'name'), name='admissions_round_unique_name_per_year', violation_error_message='该学年已有同名录取批次。'),
                ),
                migrations.AddIndex(
                    model_name='applicant',
                    index=models.Index(fields=['round', 'result_school'], name='adm_applicant_result_idx'),
                ),
                migrations.AddIndex(
                    model_name='applicant',
                    index=models.Index(fields=['name_initials'], name='adm_applicant_initials_idx'),
                ),
                migrations.AddConstraint(
                    model_name='applicant',
                    constraint=models.UniqueConstraint(fields=('round', 'exam_no'), name='admissions_applicant_unique_exam_no', violation_error_message='该批次已有这个考号。'),
                ),
                migrations.AddConstraint(
                    model_name='quotaallocation',
                    constraint=models.UniqueConstraint(fields=('round', 'school', 'junior_school'), name='admissions_quota_unique_pool', violation_error_message='该批次已有这所高中对这所初中的指标分配。'),
                ),
                migrations.AddConstraint(
                    model_name='roundschool',
                    constraint=models.UniqueConstraint(fields=('round', 'school'), name='admissions_roundschool_unique_school', violation_error_message='该录取批次已有这所学校的招生计划。'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
