"""emis purge_exports: delete exported files past EMIS_EXPORT_RETENTION_HOURS (run daily by cron; the worker also
runs it after each export) and mark exports a dead worker left running as failed."""

from django.core.management.base import BaseCommand

from emis.core.exports import purge_expired_exports


class Command(BaseCommand):
    help = "删除超过保留期限的导出文件，并把长时间未完成的导出任务标记为失败。"

    def handle(self, *args, **options):
        done = purge_expired_exports()
        self.stdout.write(
            f"deleted {done['expired_files']} expired export(s) and {done['orphan_files']} orphan file(s), "
            f"marked {done['stalled_jobs']} stalled export(s) failed"
        )
