"""emis meals open --month YYYY-MM --user NAME: open the month's reports (monthly, from cron, on the first working
day of the next month; safe to run twice).
emis meals totals --year Y [--period year|school_year|autumn|spring] [--format json|text]: the period's figures."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01" if len(value) == 7 else value).replace(day=1)
    except ValueError as exc:
        raise CommandError(f"--month: {value} is not YYYY-MM") from exc


class Command(BaseCommand):
    help = "营养改善计划: open a month's school reports, or print a period's beneficiaries and funds."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="open|totals")
        opening = actions.add_parser("open", help="open the month's report of every participating school")
        opening.add_argument("--month", required=True, type=_month)
        opening.add_argument("--user", required=True, help="the county account that opens them (股室 or 管理员)")
        totals = actions.add_parser("totals", help="beneficiaries and funds of a period")
        totals.add_argument("--year", required=True, type=int)
        totals.add_argument("--period", default="year", choices=("year", "school_year", "autumn", "spring"))
        totals.add_argument("--format", default="text", choices=("text", "json"))
        totals.add_argument("--user", default="", help="read within this account's scope (default: everything)")

    def handle(self, *args, action, **options):
        from emis.accounts.models import User
        from emis.core.writes import Refused

        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']}")
        if action == "open":
            from emis.meals.services import reports_open

            try:
                opened = reports_open(month=options["month"], acting_user=user)
            except Refused as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(f"opened={len(opened)}")
            return
        from emis.meals import selectors

        if user is None:
            user = (
                User.objects.filter(is_superuser=True).order_by("pk").first()
                or User.objects.filter(role="admin").first()
            )
        result = selectors.totals(user, selectors.period_months(options["period"], options["year"]))
        data = {
            "year": options["year"],
            "period": options["period"],
            "beneficiaries": result.beneficiaries,
            "amount": f"{result.amount:.2f}",
            "pupil_days": result.pupil_days,
            "townships": [
                {
                    "code": t["key"],
                    "name": t["label"],
                    "beneficiaries": t["beneficiaries"],
                    "amount": f"{t['amount']:.2f}",
                }
                for t in result.townships
            ],
            "months": [
                {"month": m["label"], "beneficiaries": m["beneficiaries"], "amount": f"{m['amount']:.2f}"}
                for m in result.by_month
            ],
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"beneficiaries={data['beneficiaries']} amount={data['amount']} pupil_days={data['pupil_days']}"
            )
