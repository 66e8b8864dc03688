"""emis report annual --year 2020 [--baseline 2015 | --no-baseline] --out report.docx [--annex annex.xlsx]
[--as USERNAME]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from emis.accounts.models import User
from emis.core.access import Role
from emis.orgs.models import SchoolYear
from emis.reports.annual.annex import write_annex
from emis.reports.annual.selectors import annual_draft, default_baseline
from emis.reports.annual.word import write_docx


class Command(BaseCommand):
    help = "起草报告。annual：根据数据起草年度工作报告（Word），可同时输出指标明细附件（xlsx）。"

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, title="报告类型", metavar="annual")
        annual = kinds.add_parser("annual", help="年度工作报告：本学年主要成就（数据稿）、统计表、图表和附件")
        annual.add_argument("--year", type=int, required=True, help="学年起始年份，如 2020 表示 2020-2021 学年")
        annual.add_argument(
            "--baseline", type=int, default=None, help="对比基准年（默认：前五年，如 2020 对比 2015，该学年存在时）"
        )
        annual.add_argument("--no-baseline", action="store_true", help="不与基准年比较")
        annual.add_argument("--out", required=True, help="输出的 Word 文件（.docx）")
        annual.add_argument("--annex", default=None, help="同时输出指标明细附件（.xlsx）")
        annual.add_argument(
            "--as",
            dest="username",
            default=None,
            help="以该用户的数据范围起草（默认：第一个系统管理员账号，即本系统的整个区域）",
        )

    def handle(self, *args, kind, **options):
        if kind == "annual":
            self.annual(**options)

    def annual(self, *, year, baseline, no_baseline, out, annex, username, **options):
        out_path = self._path(out, ".docx")
        annex_path = self._path(annex, ".xlsx") if annex else None
        user = self._user(username)
        if no_baseline:
            baseline = None
        elif baseline is None:
            baseline = default_baseline(user, year)
        elif baseline >= year:
            raise CommandError(f"对比基准年 {baseline} 应早于 {year}。")
        for wanted in (year, baseline):
            if wanted is not None and not SchoolYear.objects.for_user(user).filter(start_year=wanted).exists():
                raise CommandError(f"没有 {wanted} 学年。")
        draft = annual_draft(user, year, baseline=baseline)
        write_docx(draft, out_path)
        self.stdout.write(f"{draft.title}  {draft.meta_line}")
        self.stdout.write(self.style.SUCCESS(f"已写入 {out_path}"))
        if annex_path is not None:
            write_annex(draft, annex_path)
            self.stdout.write(self.style.SUCCESS(f"已写入 {annex_path}"))

    def _path(self, name: str, suffix: str) -> Path:
        path = Path(name)
        if path.suffix.lower() != suffix:
            raise CommandError(f"输出文件 {name} 应以 {suffix} 结尾。")
        if not path.parent.exists():
            raise CommandError(f"目录 {path.parent} 不存在。")
        return path

    def _user(self, username):
        if username:
            try:
                return User.objects.get(username=username, is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"用户 {username} 不存在或已停用。") from None
        user = (
            User.objects.filter(Q(is_superuser=True) | Q(role=Role.ADMIN), is_active=True)
            .order_by("-is_superuser", "pk")
            .first()
        )
        if user is None:
            raise CommandError("没有可用的系统管理员账号：请用 --as 指定用户。")
        return user
