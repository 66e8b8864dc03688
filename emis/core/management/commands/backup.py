"""emis backup --out FILE [--no-media] [--no-encrypt]"""

from django.core.management.base import BaseCommand, CommandError

from emis.core import backup


class Command(BaseCommand):
    help = "备份整个数据库和上传的文件到一个归档文件（恢复用 emis restore）。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="归档文件路径，如 emis-2025-09-01.emisbak")
        parser.add_argument("--no-media", action="store_true", help="不包括上传的文件")
        parser.add_argument(
            "--no-encrypt", action="store_true", help="不加密归档（默认用由数据密钥派生的密钥加密，恢复时需要该密钥）"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, out, no_media, no_encrypt, database, **options):
        try:
            manifest = backup.backup(out, using=database, include_media=not no_media, encrypt=not no_encrypt)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"已备份到 {out}：{manifest.engine}，{len(manifest.tables)} 张表 {rows:,} 行，"
            f"{manifest.media_files} 个上传文件。"
        )
        if "key_id" in manifest.extra:
            self.stdout.write(f"归档已加密，恢复时 EMIS_DATA_KEYS 须含密钥 {manifest.extra['key_id']}。")
