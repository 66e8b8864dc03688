"""`emis setup-county CODE --name NAME --years 2015-2021 [--current 2020] [--city-name ..] [--province-name ..]`:
set up a county (its division chain and school years) through emis.orgs.services.county_setup. Running it again
changes nothing and says so; with more years it only adds the missing ones (docs/deploy-your-county.md)."""

from django.core.management.base import BaseCommand, CommandError

from emis.common.schoolyear import parse_years
from emis.core.audit import audit_context
from emis.core.writes import Refused
from emis.orgs.services import county_setup


class Command(BaseCommand):
    help = "设立县区：建立省、市、县三级区划和所列学年（统计时点9月1日）。重复运行不会改动已有数据。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="县级区划代码，6位，如 421224")
        parser.add_argument("--name", required=True, help="县区名称，如 通山县")
        parser.add_argument("--years", required=True, help="学年起始年份：2015-2021、2020 或 2015,2018-2020")
        parser.add_argument(
            "--current", type=int, default=None, help="设为当前学年的起始年份（默认：尚无当前学年时取已开始的最近一年）"
        )
        parser.add_argument("--city-name", default="", help="市级区划名称（系统中尚无该市时；不填则以代码为名）")
        parser.add_argument("--province-name", default="", help="省级区划名称（默认按国家标准）")

    def handle(self, *args, code, name, years, current, city_name, province_name, **options):
        try:
            year_list = parse_years(years)
        except ValueError as exc:
            raise CommandError(f"--years 无法识别“{exc}”：应写作 2015-2021、2020 或 2015,2018-2020。") from None
        if not year_list:
            raise CommandError("--years 至少要有一个学年。")
        try:
            with audit_context():
                result = county_setup(
                    code=code,
                    name=name,
                    years=year_list,
                    current=current,
                    city_name=city_name,
                    province_name=province_name,
                )
        except Refused as exc:
            raise CommandError("\n".join(exc.messages)) from None
        for line in result.done:
            self.stdout.write(f"  {line}")
        for line in result.warnings:
            self.stdout.write(self.style.WARNING(f"注意：{line}"))
        if result.changed:
            self.stdout.write(self.style.SUCCESS(f"县区 {code} {name} 已设立。"))
        else:
            self.stdout.write(f"县区 {code} {name} 和所列学年都已存在，没有改动。")
