"""emis restore FILE [--force]"""

from django.core.management.base import BaseCommand, CommandError

from emis.core import backup


class Command(BaseCommand):
    help = "从 emis backup 的归档恢复数据库和上传的文件（目标数据库须已迁移到同一版本）。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--force", action="store_true", help="目标数据库已有数据时也恢复（覆盖全部数据）")
        parser.add_argument("--database", default="default")

    def handle(self, *args, file, force, database, **options):
        try:
            manifest = backup.restore(file, using=database, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest.tables.values())
        tables = len(manifest.tables)
        self.stdout.write(f"已从 {file} 恢复：{tables} 张表 {rows:,} 行（备份时间 {manifest.created_at}）。")
