"""Today's indicator rules as dated rows (design §6), valid from 1990 so that every year computes as before.

The values are written out here rather than read from rules.DEFAULT_RULES: a migration must keep loading what
was true when it was written, whatever the code's defaults become later.
"""

import datetime as dt

from django.db import migrations

SINCE = dt.date(1990, 9, 1)
STAFFING_2014 = "中央编办发〔2014〕72号（城乡统一的中小学教职工编制标准）；domain-rules 1.9"
PRESCHOOL_2020 = "县域学前教育普及普惠督导评估办法（2020）；domain-rules 1.2"
RETENTION_2020 = "国家中长期教育改革和发展规划纲要（2020 年目标）；domain-rules 1.4"
ROWS = [
    ("age_bands.preschool", [3, 5], "学前三年：3-5周岁；domain-rules 1.2"),
    ("age_bands.primary", [6, 11], "湖北六三学制，6周岁入学；domain-rules 1.3 [M]"),
    ("age_bands.junior", [12, 14], "湖北六三学制；domain-rules 1.3 [M]"),
    ("age_bands.upper_secondary", [15, 17], "高中阶段学龄15-17周岁（有的省为15-18）；domain-rules 1.5"),
    ("large_class_min", 56, "大班额：56人及以上；domain-rules 1.8"),
    ("super_large_class_min", 66, "超大班额：66人及以上；domain-rules 1.8"),
    ("staffing_ratios.preschool", "7", "《幼儿园教职工配备标准（暂行）》（2013），全日制1:7 [M]；仅用于分摊"),
    ("staffing_ratios.primary", "19", STAFFING_2014),
    ("staffing_ratios.junior", "13.5", STAFFING_2014),
    ("staffing_ratios.senior", "12.5", STAFFING_2014),
    ("staffing_ratios.vocational", "20", "《中等职业学校设置标准》1:20 [M]；仅用于分摊"),
    ("staffing_rounding", "ceil", "编制需求取整方式，省级规定 [M]"),
    ("thresholds.preschool_ger", ["≥", "85"], PRESCHOOL_2020),
    ("thresholds.inclusive_kg_coverage", ["≥", "80"], PRESCHOOL_2020),
    ("thresholds.public_kg_share", ["≥", "50"], PRESCHOOL_2020),
    ("thresholds.compulsory_retention", ["≥", "95"], RETENTION_2020),
    ("thresholds.compulsory_retention_aggregate", ["≥", "95"], RETENTION_2020),
    ("thresholds.large_class_ratio", ["≤", "5"], "国发〔2016〕40号（2020 年底目标）；domain-rules 1.8"),
    ("thresholds.super_large_class_ratio", ["≤", "2"], "国发〔2016〕40号（2018 年底目标）；domain-rules 1.8"),
    ("thresholds.upper_secondary_ger", ["≥", "90"], "高中阶段教育普及攻坚计划（2020 年目标）；domain-rules 1.5"),
]


def load(apps, schema_editor):
    rule = apps.get_model("indicators", "IndicatorRule")
    rule.objects.bulk_create(
        [rule(key=key, value=value, valid_from=SINCE, valid_to=None, source=source) for key, value, source in ROWS]
    )


def unload(apps, schema_editor):
    apps.get_model("indicators", "IndicatorRule").objects.filter(
        key__in=[key for key, _, _ in ROWS], valid_from=SINCE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_indicatorrule")]

    operations = [migrations.RunPython(load, unload)]
