"""emis purge_imports: delete uploaded import files past EMIS_IMPORT_RETENTION_DAYS (run daily by cron; the
import worker also runs it after each batch) and mark batches a dead worker left running as failed."""

from django.core.management.base import BaseCommand

from emis.core.imports.service import purge_expired_imports


class Command(BaseCommand):
    help = "删除超过保留期限的导入原文件，并把长时间未完成的导入批次标记为失败。"

    def handle(self, *args, **options):
        done = purge_expired_imports()
        files, stalled = done["deleted_files"], done["stalled_batches"]
        self.stdout.write(f"deleted {files} expired upload(s), marked {stalled} stalled batch(es) failed")
