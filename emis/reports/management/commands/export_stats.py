"""emis export-stats --year YEAR --out FILE.xlsx [--as USERNAME]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from emis.accounts.models import User
from emis.orgs.models import SchoolYear
from emis.reports.stats import base_tables, table
from emis.reports.xlsx import write_workbook


class Command(BaseCommand):
    help = (
        "导出某学年的教育事业统计基础基表（学校、在校生、班额、教职工；全县合计及分乡镇，市、省为合计及分县）为 xlsx。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="学年起始年份，如 2020 表示 2020-2021 学年")
        parser.add_argument("--out", required=True, help="输出文件路径（.xlsx）")
        parser.add_argument(
            "--as", dest="username", default=None, help="以该用户的数据范围导出（默认：第一个系统管理员账号）"
        )

    def handle(self, *args, year, out, username, **options):
        user = self._user(username)
        try:
            report = base_tables(user, year)
        except SchoolYear.DoesNotExist:
            raise CommandError(f"没有 {year} 学年（或不在 {user.username} 的数据范围内）。") from None
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件应以 .xlsx 结尾。")
        if path.parent and not path.parent.exists():
            raise CommandError(f"目录 {path.parent} 不存在。")
        write_workbook(report, path)
        schools = table(report, "schools")["sections"][0]["rows"][0]["values"][0]
        pupils = table(report, "pupils")["sections"][0]["rows"][0]["values"][0]
        classes = table(report, "classes")["sections"][0]["rows"][0]["values"][0]
        staff = table(report, "staff")["sections"][0]["rows"][0]["values"][0]
        self.stdout.write(
            f"{report['title']}  统计范围：{report['scope']['label']}"
            f"（{len(report['parts'])} 个{report['part_label']}）\n"
            f"学校 {schools} 所，在校生 {pupils} 人，教学班 {classes} 个，教职工 {staff} 人"
        )
        self.stdout.write(self.style.SUCCESS(f"已写入 {path}"))

    def _user(self, username):
        if username:
            try:
                return User.objects.get(username=username, is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"用户 {username} 不存在或已停用。") from None
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有可用的系统管理员账号：请用 --as 指定用户。")
        return user
