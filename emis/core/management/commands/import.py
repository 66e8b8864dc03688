"""emis import KIND FILE --year YEAR [--dry-run] [--as USERNAME]"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from emis.core.imports.engine import REJECTED, run_import
from emis.core.imports.registry import get_spec, kinds


class Command(BaseCommand):
    help = "导入国家系统导出文件或人口登记表（任一行被拒绝则不写入任何数据）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=kinds())
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True, help="学年起始年份，如 2020 表示 2020-2021 学年")
        parser.add_argument("--dry-run", action="store_true", help="只预检，不写入")
        parser.add_argument("--as", dest="username", default=None, help="以该用户的身份和数据范围导入")

    def handle(self, *args, kind, file, year, dry_run, username, **options):
        user = self._user(username)
        spec = get_spec(kind)
        tty = sys.stderr.isatty()

        def progress(done, total):
            if tty:
                sys.stderr.write(f"\r已处理 {done:,} 行")
                sys.stderr.flush()

        report = run_import(spec, file, user=user, school_year=year, dry_run=dry_run, progress=progress)
        if tty:
            sys.stderr.write("\n")
        self._print(report)
        if not report.ok:
            raise CommandError("导入被拒绝，未写入任何数据。")

    def _user(self, username):
        User = get_user_model()  # noqa: N806
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"用户 {username} 不存在。") from None
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有可用的系统管理员账号：请用 --as 指定用户。")
        return user

    def _print(self, report):
        out = self.stdout
        out.write(f"文件：{report.file_name}  SHA-256：{report.sha256}")
        if report.file_error:
            out.write(self.style.ERROR(f"文件被拒绝：{report.file_error}"))
            return
        c = report.counts
        out.write(
            f"共 {report.rows_total} 行：新增 {c['new']}，修改 {c['changed']}，未变 {c['unchanged']}，"
            f"拒绝 {c[REJECTED]}，警告 {c['warnings']}；耗时 {report.duration_seconds:.2f} 秒"
        )
        if report.unknown_columns:
            out.write(f"已忽略的未知列：{'、'.join(report.unknown_columns)}")
        for warning in report.file_warnings:
            out.write(f"提示：{warning}")
        for issue in report.issues[:50]:
            level = "错误" if issue.level == "error" else "警告"
            out.write(f"第 {issue.row} 行 [{issue.column}] {issue.value}：{issue.reason}（{level}）")
        if report.issue_total > 50:
            out.write(f"……另有 {report.issue_total - 50} 条问题，完整清单见网页上的错误报告。")
        for sample in report.samples[:10]:
            out.write(f"第 {sample['row']} 行变更：{sample['changes']}")
        if report.committed:
            out.write(self.style.SUCCESS("已导入。"))
        elif report.ok:
            out.write("预检通过（未写入）。")
