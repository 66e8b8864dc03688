"""`emis load_demo tongshan`: load the synthetic 通山县 demo county and print the demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from emis.demo import loader
from emis.demo.tongshan import COUNTY_CODE, FIGURES


class Command(BaseCommand):
    help = (
        "Load a demo county: schools, classes, pupils, staff and population registers whose totals equal the "
        "published figures, plus one demo account per role. Running it again only refreshes the accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("county", choices=["tongshan"], help="which demo county (only 通山县 for now)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the county's schools, pupils, staff and population registers first, then load again",
        )
        parser.add_argument("--seed", type=int, default=None, help="another random seed (the figures stay the same)")

    def handle(self, *args, county, reset, seed, **options):
        out = self.stdout
        if reset:
            out.write(f"Deleting the demo county {COUNTY_CODE} (通山县) ...")
            try:
                loader.wipe_tongshan(log=out.write)
            except IntegrityError as exc:
                raise CommandError(str(exc)) from exc
        if loader.tongshan_loaded():
            out.write(f"通山县 ({COUNTY_CODE}) is already loaded; nothing added. Use --reset to load it afresh.")
        elif loader.county_has_other_schools():
            raise CommandError(
                f"The county {COUNTY_CODE} already has schools that are not the demo's; the demo's totals would "
                "not match the published figures. Run with --reset to delete them first."
            )
        else:
            out.write(f"Loading the demo county 通山县 ({COUNTY_CODE}), school years 2015, 2020 (current), 2021:")
            loader.load_tongshan(seed=seed, log=out.write)
            out.write(
                self.style.SUCCESS(
                    f"Loaded. Autumn 2020: {FIGURES['kindergartens_2020']} kindergartens, "
                    f"{FIGURES['primary_schools_2020']} primary schools, {FIGURES['teaching_points_2020']} teaching "
                    f"points, {FIGURES['junior_schools_2020']} junior secondary schools; "
                    f"{FIGURES['children_2020']:,} children, {FIGURES['primary_pupils_2020']:,} primary pupils, "
                    f"{FIGURES['junior_students_2020']:,} junior and "
                    f"{FIGURES['senior_students_2020'] + FIGURES['vocational_students_2020']:,} "
                    "upper-secondary students."
                )
            )
        accounts = loader.ensure_demo_accounts()
        if loader.ensure_plan_targets():
            out.write("Plan targets for 2025 loaded (editable under 指标与规划 > 规划目标).")
        for year in loader.ensure_snapshots():
            out.write(f"Indicator snapshot {year} published.")
        out.write("")
        out.write("Demo logins:")
        for line in loader.accounts_table(accounts):
            out.write(line)
