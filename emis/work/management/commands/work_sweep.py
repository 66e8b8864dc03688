"""emis work_sweep [--day YYYY-MM-DD]: mark due-soon and overdue cases and escalate overdue ones (daily, from cron;
safe to run twice)."""

import datetime as dt

from django.core.management.base import BaseCommand

from emis.core.audit import audit_context
from emis.core.models import ChangeSource


class Command(BaseCommand):
    help = "Mark due-soon and overdue cases and escalate overdue ones (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=dt.date.fromisoformat, default=None, help="sweep as of this day")

    def handle(self, *args, day=None, **options):
        from emis.work.deadlines import sweep

        with audit_context(source=ChangeSource.SYSTEM):
            counts = sweep(day)
        self.stdout.write(" ".join(f"{name}={n}" for name, n in counts.items()))
