"""emis rotate_data_key [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from emis.core import crypto
from emis.core.crypto_rotation import rotate


class Command(BaseCommand):
    help = (
        "把所有加密的身份证号和学籍号改用 EMIS_DATA_KEYS 的第一个密钥加密，并按 EMIS_HASH_KEY 重算检索哈希"
        "（更换密钥后运行；见 docs/security.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计需要改写的行，不写入")
        parser.add_argument("--database", default="default")

    def handle(self, *args, dry_run, database, **options):
        try:
            results = rotate(using=database, dry_run=dry_run)
        except crypto.DecryptionError as exc:
            raise CommandError(f"有数据无法解密（缺少旧密钥？），未做任何改动：{exc}") from exc
        verb = "需改写" if dry_run else "已改写"
        for r in results:
            self.stdout.write(f"{r.table}：{r.rows:,} 行，{verb}密文 {r.resealed:,} 行，哈希 {r.rehashed:,} 行")
        self.stdout.write(f"当前数据密钥：{crypto.current_key_id()}")
