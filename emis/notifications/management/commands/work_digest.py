"""emis work_digest [--day YYYY-MM-DD]: send each user the daily digest of what waits for them and is due soon or
overdue (daily, from cron; safe to run twice: one digest per user and day)."""

import datetime as dt

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Send each user the daily digest of cases due soon or overdue (at most once per user and day)."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=dt.date.fromisoformat, default=None, help="the digest of this day")

    def handle(self, *args, day=None, **options):
        from emis.notifications.digest import send_digests

        result = send_digests(day)
        self.stdout.write(" ".join(f"{name}={n}" for name, n in result.items()))
