"""Drawing a list's rows: the pupils' list of the demo county, 25 rows, as a 局领导 sees it.

    make demo   # once: the demo database var/emis.sqlite3
    .venv/bin/python bench/lists/draw.py [--rows 25] [--repeat 40] [--user leader]

Prints the CPU milliseconds per table of two ways to draw the same rows, measured in the same run:

- baseline: django-tables2's own bootstrap5 template (its loop over ``row.items()``, a cell found by its column's
  name, a template per date), as every list drew before the ``table_rows`` tag;
- table_rows: the tag the site draws with (emis.core.templatetags.emis), each cell through
  emis.core.tables.CellDrawer;

and their ratio. The rows are read once, before timing: only the drawing is measured. Nothing is asserted; the test
``test_every_list_draws_its_cells_as_django_tables2_draws_them`` checks that the two give the same cells.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--user", default="leader")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
    import django

    django.setup()
    from django.template import Context
    from django.template.loader import get_template
    from django.test import RequestFactory

    from emis.accounts.models import User
    from emis.core.templatetags.emis import table_rows
    from emis.students.tables import StudentTable
    from emis.students.ui import StudentUI

    user = User.objects.filter(username=args.user).first()
    if user is None:
        sys.exit(f"no user {args.user!r}: load the demo first (make demo)")
    request = RequestFactory().get("/students/student/")
    request.user = user
    rows = list(StudentUI.queryset(user).select_related("current_school__township").order_by("name_sort")[: args.rows])
    if not rows:
        sys.exit("no pupils: load the demo first (make demo)")
    template = get_template("django_tables2/bootstrap5-responsive.html")

    def table():
        drawn = StudentTable(rows, request=request)
        drawn.paginate(per_page=args.rows)
        return drawn

    def baseline() -> str:
        html = template.render({"table": table(), "request": request})
        return re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S).group(1)

    def ours() -> str:
        return table_rows(Context({"request": request}), table())

    def cells(html: str) -> list[str]:
        return [" ".join(cell.split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]

    if cells(baseline()) != cells(ours()):
        sys.exit("the two ways drew different cells")

    def cpu_ms(draw) -> float:
        batches = []
        for _ in range(5):
            began = time.process_time()
            for _ in range(args.repeat):
                draw()
            batches.append((time.process_time() - began) / args.repeat * 1000)
        return statistics.median(batches)

    load = open("/proc/loadavg").read().split()[:3]
    base, tag = cpu_ms(baseline), cpu_ms(ours)
    print(f"{len(rows)} rows x {len(table().columns)} columns, {args.repeat} tables x 5 batches, load {load}")
    print(f"  django-tables2's template  {base:7.2f} ms CPU per table")
    print(f"  table_rows (CellDrawer)    {tag:7.2f} ms CPU per table   ({tag / base:.2f} of the baseline)")


if __name__ == "__main__":
    main()
