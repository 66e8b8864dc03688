"""emis indicators --year 2020 [--division 4212] [--by county] [--code preschool_ger] --format json|table|xlsx
[--out FILE] [--as USERNAME] [--language zh-hans|en]

--division narrows to any division (a province, a city, a county, a township); --county is its older name."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from emis.accounts.models import User
from emis.core import access
from emis.indicators.definitions import CODES
from emis.indicators.engine import evaluate
from emis.indicators.output import to_json, to_table, write_xlsx
from emis.indicators.queries import DIMENSIONS
from emis.orgs.models import SchoolYear


class Command(BaseCommand):
    help = "计算某学年统计时点的教育指标（本地区合计，可按县、乡镇、办学类型、办别、城乡、性别或学校分组）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="学年起始年份，如 2020 表示 2020-2021 学年")
        parser.add_argument(
            "--division",
            "--county",
            dest="division",
            default=None,
            help="区划代码：只计算该省、市、县或乡镇范围内的数据（--county 为旧名）",
        )
        parser.add_argument(
            "--by",
            action="append",
            default=[],
            choices=DIMENSIONS,
            help="分组维度，可重复：county、township、category、ownership、urban_rural、gender、school",
        )
        parser.add_argument("--code", action="append", default=None, choices=CODES, help="只计算这些指标，可重复")
        parser.add_argument("--format", choices=("json", "table", "xlsx"), default="table")
        parser.add_argument("--out", default=None, help="输出文件（xlsx 必须指定；其余默认输出到屏幕）")
        parser.add_argument("--as", dest="username", default=None, help="以该用户的数据范围计算（默认：全部数据）")
        parser.add_argument("--language", choices=("zh-hans", "en"), default="zh-hans", help="指标名称的语言")

    def handle(self, *args, year, division, by, code, format, out, username, language, **options):
        user = self._user(username)
        if division and not division.isdigit():
            raise CommandError(f"区划代码 {division} 无效。")
        if division and user is not None and not access.covers(user, division=division):
            raise CommandError(f"区划 {division} 不在用户 {username} 的管辖范围内。")
        if format == "xlsx" and not out:
            raise CommandError("xlsx 格式须用 --out 指定输出文件。")
        path = Path(out) if out else None
        if path is not None and not path.parent.exists():
            raise CommandError(f"目录 {path.parent} 不存在。")
        with translation.override(language):
            try:
                evaluation = evaluate(user, year, codes=code, by=by, division=division)
            except SchoolYear.DoesNotExist:
                raise CommandError(f"没有 {year} 学年。") from None
            if format == "xlsx":
                write_xlsx(evaluation, path)
                self.stderr.write(f"已写入 {path}")
                return
            text = to_json(evaluation) + "\n" if format == "json" else to_table(evaluation)
        if path is None:
            self.stdout.write(text, ending="")
        else:
            path.write_text(text, encoding="utf-8")
            self.stderr.write(f"已写入 {path}")

    def _user(self, username):
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户 {username} 不存在或已停用。") from None
