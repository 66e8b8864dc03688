"""emis dropouts detect --year Y [--county CODE] [--township CODE] --out FILE.csv [--duplicates FILE.csv]

四查三比对 (emis.dropouts.detection) from the shell: one row per flagged child (UTF-8 with a BOM, so that Excel
reads the Chinese), the counts per category on the screen. ID numbers are written in full: the command is run by
the server's operator. Duplicate enrolments (a child on two rolls) go to the --duplicates file when asked; their
number is printed either way.
"""

from __future__ import annotations

import csv
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from emis.orgs.models import SchoolYear

from ...categories import Category
from ...detection import COLUMNS, DUPLICATE_COLUMNS, detect, duplicate_rows, flag_rows


def write_csv(path: str, columns, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


class Command(BaseCommand):
    help = "控辍保学：四查三比对（户籍、学籍、县外就读比对），写出疑似失学辍学儿童名单。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="detect")
        detect_parser = actions.add_parser(
            "detect",
            help="四查三比对",
            description="比对某学年的适龄人口（户籍）、学籍和县外就读核实记录，每名被标记的儿童写一行。",
        )
        detect_parser.add_argument("--year", required=True, type=int, help="学年（起始年份，如 2021）")
        detect_parser.add_argument("--county", default=None, help="县级区划代码（6 位）")
        detect_parser.add_argument("--township", default=None, help="乡镇区划代码（9 位）")
        detect_parser.add_argument("--out", required=True, help="输出文件 FILE.csv")
        detect_parser.add_argument("--duplicates", default=None, help="重复学籍名单输出文件（可选）")

    def handle(self, *args, action, **options):
        if action == "detect":
            self.detect(**options)

    def detect(self, *, year, county, township, out, duplicates, **options):
        school_year = SchoolYear.objects.filter(start_year=year).first()
        if school_year is None:
            raise CommandError(_("没有 %(year)s 学年。") % {"year": year})
        if township and county and not township.startswith(county):
            raise CommandError(_("乡镇 %(township)s 不在县 %(county)s 内。") % {"township": township, "county": county})
        started = time.perf_counter()
        result = detect(school_year, county_code=county, township_code=township, count_examined=True)
        seconds = time.perf_counter() - started
        write_csv(out, COLUMNS, flag_rows(result))
        if duplicates:
            write_csv(duplicates, DUPLICATE_COLUMNS, duplicate_rows(result))
        counts = result.counts()
        self.stdout.write(
            _("%(year)s 学年比对适龄儿童 %(n)s 人，用时 %(s).1f 秒；标记 %(flags)s 人：")
            % {"year": year, "n": result.examined, "s": seconds, "flags": len(result.flags)}
        )
        for code, label in Category.choices:
            self.stdout.write(f"  {label}（{code}）：{counts[code]}")
        self.stdout.write(_("  重复学籍：%(n)s 组") % {"n": len(result.duplicates)})
        self.stdout.write(_("已写出 %(path)s") % {"path": out})
