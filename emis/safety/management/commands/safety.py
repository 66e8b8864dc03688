"""emis safety sweep --user NAME [--date YYYY-MM-DD]: open the expiry alerts whose lead date has come (daily, from
cron; safe to run twice: an alert is never opened twice).
emis safety seed_templates --user NAME: publish the 校园安全隐患排查表 (a new version only when it changed).
emis safety figures [--date YYYY-MM-DD]: print the county's 4个100%, D-grade area and bus figures."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: {value} is not YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "校园安全: the expiry-alert sweep, the safety checklist, the figures."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="sweep|seed_templates|figures")
        sweep = actions.add_parser("sweep", help="open the alerts of coming expiries")
        sweep.add_argument("--user", required=True, help="the county account that opens them (股室 or 管理员)")
        sweep.add_argument("--date", type=_date, default=None)
        seed = actions.add_parser("seed_templates", help="publish the 校园安全隐患排查表")
        seed.add_argument("--user", required=True)
        figures = actions.add_parser("figures", help="print the figures")
        figures.add_argument("--date", type=_date, default=None)
        figures.add_argument("--user", default="", help="read within this account's scope (default: an administrator)")

    def handle(self, *args, action, **options):
        from django.utils import timezone

        from emis.accounts.models import User
        from emis.core.audit import audit_context
        from emis.core.models import ChangeSource
        from emis.core.writes import Refused

        name = options.get("user") or ""
        user = (
            User.objects.filter(username=name).first()
            if name
            else User.objects.filter(role="admin", is_active=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError(f"no user {name}")
        today = options.get("date") or timezone.localdate()
        try:
            with audit_context(user=user, source=ChangeSource.COMMAND):
                if action == "sweep":
                    from emis.safety.services import expiry_sweep

                    opened = expiry_sweep(acting_user=user, today=today)
                    self.stdout.write(f"opened {len(opened)} expiry alerts")
                elif action == "seed_templates":
                    from emis.safety.checklists import publish_safety

                    version = publish_safety(user)
                    self.stdout.write(f"{version.template.name}: version {version.number}")
                else:
                    self._figures(user, today)
        except Refused as exc:
            raise CommandError("；".join(exc.messages)) from exc

    def _figures(self, user, today):
        from emis.safety import selectors

        result = selectors.compliance(user, today)
        area = selectors.d_area(user, on=today)
        self.stdout.write(f"4个100% on {today}: {result.schools} schools")
        for key, label in selectors.ITEMS.items():
            self.stdout.write(f"  {label}: {result.met[key]} ({result.percent[key]}%)")
        self.stdout.write(f"  一村一辅 guards in post: {result.village_posts}")
        self.stdout.write(f"D-grade area eliminated: {area.eliminated} m²; remaining {area.remaining} m²")
        for row in selectors.bus_counts(user, selectors.bus_years(user)):
            self.stdout.write(
                f"  {row['year']}: buses {row['buses']}, national {row['national']}, filed {row['filed']}"
            )
