"""`emis load_demo`: load the synthetic demo counties (通山县 and 崇阳县, in 咸宁市) and print the demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from emis.demo import loader
from emis.demo.tongshan import FIGURES


class Command(BaseCommand):
    help = (
        "Load the demo counties: 通山县, whose totals equal its published figures, and a smaller synthetic 崇阳县 "
        "beside it (both in 咸宁市), plus the demo accounts. Running it again only refreshes the accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "county",
            nargs="?",
            default="all",
            choices=["all", *loader.DEMO_COUNTIES],
            help="which demo county: all (default: 通山县 and 崇阳县), tongshan or chongyang",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the counties' schools, pupils, staff and population registers first, then load again",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="another random seed for each county (the figures stay the same)"
        )

    def handle(self, *args, county, reset, seed, **options):
        counties = list(loader.DEMO_COUNTIES.values()) if county == "all" else [loader.DEMO_COUNTIES[county]]
        if reset:
            # All first, then load: a county's ID numbers are drawn around those already stored (loader.DemoCounty).
            for demo in reversed(counties):
                self.wipe(demo)
        for demo in counties:
            self.load(demo, seed=seed)
        accounts = loader.ensure_demo_accounts()
        for demo in counties:
            if loader.county_loaded(demo):
                loader.load_contributions(demo, log=self.stdout.write)
        for demo in counties:
            if loader.county_loaded(demo):
                if loader.ensure_plan_targets(demo):
                    self.stdout.write(
                        f"{demo.name}: plan targets for 2025 loaded (editable under 指标与规划 > 规划目标)."
                    )
                for year in loader.ensure_snapshots(demo):
                    self.stdout.write(f"{demo.name}: indicator snapshot {year} published.")
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        for line in loader.accounts_table(accounts):
            self.stdout.write(line)

    def wipe(self, county: loader.DemoCounty) -> None:
        self.stdout.write(f"Deleting the demo county {county.code} ({county.name}) ...")
        try:
            loader.wipe_county(county, log=self.stdout.write)
        except IntegrityError as exc:
            raise CommandError(str(exc)) from exc

    def load(self, county: loader.DemoCounty, *, seed: int | None) -> None:
        out = self.stdout
        if loader.county_loaded(county):
            out.write(f"{county.name} ({county.code}) is already loaded; nothing added. Use --reset to load it afresh.")
            return
        if loader.county_has_other_schools(county):
            raise CommandError(
                f"The county {county.code} already has schools that are not the demo's; the demo's totals would "
                "not match its figures. Run with --reset to delete them first."
            )
        out.write(f"Loading the demo county {county.name} ({county.code}), school years 2015, 2020 (current), 2021:")
        counts = loader.load_county(county, seed=seed, log=out.write)
        if county is loader.TONGSHAN:
            summary = (
                f"Autumn 2020: {FIGURES['kindergartens_2020']} kindergartens, "
                f"{FIGURES['primary_schools_2020']} primary schools, {FIGURES['teaching_points_2020']} teaching "
                f"points, {FIGURES['junior_schools_2020']} junior secondary schools; "
                f"{FIGURES['children_2020']:,} children, {FIGURES['primary_pupils_2020']:,} primary pupils, "
                f"{FIGURES['junior_students_2020']:,} junior and "
                f"{FIGURES['senior_students_2020'] + FIGURES['vocational_students_2020']:,} "
                "upper-secondary students."
            )
        else:
            summary = (
                f"{counts['schools']} schools, {counts['students']:,} pupils, {counts['staff']:,} staff (synthetic)."
            )
        out.write(self.style.SUCCESS(f"Loaded {county.name}. {summary}"))
