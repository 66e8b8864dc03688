"""emis aid roll --year Y --term autumn|spring --programme CODE --out FILE.csv [--save] [--as USERNAME]
emis aid totals --year Y --term autumn|spring [--programme CODE] [--format json|table] [--as USERNAME]

`--year 2020 --term spring` is the spring term of the 2020-2021 school year (2021 spring). `roll` writes the
programme's roll for the term: the stored rolls' lines when the term's rolls were generated, else the lines the
rules give now (`--save` generates and stores them first, as the county's staff would from the page). `totals`
counts 人次 and 金额 by programme, level, township and school: from the stored rolls, or, when the term has none,
from the rules (the JSON says which: "source": "rolls" or "computed"). Amounts in yuan with two decimals. Without
--as: all data and full ID numbers (an administrator's tool); with it, the user's scope and masking."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from emis.accounts.models import User
from emis.aid import rules, selectors, services
from emis.aid.models import Programme, Roll, RollLine, TermKind
from emis.core import access
from emis.core.writes import Refused
from emis.orgs.models import School
from emis.students.choices import Level
from emis.students.models import Student
from emis.work.scope import acting_role

HEADER = (
    "student_no",
    "id_number",
    "programme",
    "amount",
    "name",
    "school_code",
    "school",
    "grade",
    "level",
    "boarder",
    "categories",
    "tier",
    "state",
)


class Command(BaseCommand):
    help = "学生资助：按学期生成或导出某资助项目的名单（roll），统计人次和金额（totals）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        roll = sub.add_parser("roll", help="导出某项目某学期的资助名单（CSV）")
        totals = sub.add_parser("totals", help="某学期资助人次和金额（按项目、学段、乡镇、学校）")
        for p in (roll, totals):
            p.add_argument("--year", type=int, required=True, help="学年起始年份，如 2020 表示 2020-2021 学年")
            p.add_argument("--term", choices=TermKind.values, required=True, help="autumn 秋季学期，spring 春季学期")
            p.add_argument("--as", dest="username", default=None, help="以该用户的范围和权限执行")
        roll.add_argument("--programme", required=True, help="资助项目代码，如 compulsory_living_allowance")
        roll.add_argument("--out", required=True, help="输出的 CSV 文件")
        roll.add_argument("--save", action="store_true", help="先生成并保存名单（每校一份，开办件）")
        totals.add_argument("--programme", default="", help="只统计该项目")
        totals.add_argument("--format", choices=("json", "table"), default="json")

    def handle(self, *args, action, year, term, username, **options):
        user = self._user(username)
        try:
            found = services.term_for(year, term)
        except Refused as exc:
            raise CommandError(exc.messages[0]) from None
        if action == "roll":
            self._roll(found, user, options)
        else:
            self._totals(found, user, options)

    def _user(self, username):
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"用户 {username} 不存在或已停用。") from None

    def _programme(self, code):
        try:
            return Programme.objects.get(code=code)
        except Programme.DoesNotExist:
            codes = ", ".join(Programme.objects.values_list("code", flat=True))
            raise CommandError(f"没有资助项目 {code}（可选：{codes}）。") from None

    def _roll(self, term, user, options):
        programme = self._programme(options["programme"])
        path = Path(options["out"])
        if not path.parent.exists():
            raise CommandError(f"目录 {path.parent} 不存在。")
        if options["save"]:
            admins = User.objects.filter(Q(is_superuser=True) | Q(role=access.Role.ADMIN), is_active=True)
            actor = user or admins.order_by("pk").first()
            if actor is None or acting_role(actor) not in (access.Role.SECTION, access.Role.ADMIN):
                raise CommandError("生成名单须以县级学生资助管理人员或系统管理员身份执行（--as）。")
            try:
                result = services.generate_rolls(programme, term, acting_user=actor)
            except Refused as exc:
                raise CommandError(exc.messages[0]) from None
            self.stderr.write(
                f"已生成 {result.created} 份、重新生成 {result.regenerated} 份名单，{result.kept} 份已在审核中。"
            )
        rolls = Roll.objects.filter(programme=programme, term=term)
        if user is not None:
            rolls = rolls.filter(pk__in=Roll.objects.for_user(user).values("pk"))
        rows = self._stored(rolls, programme, user) if rolls.exists() else self._computed(programme, term, user)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        total = sum((Decimal(row[3]) for row in rows), Decimal("0.00"))
        self.stderr.write(f"已写入 {path}：{len(rows)} 人次，{total:.2f} 元。")

    def _id(self, user, value):
        return value or "" if user is None else access.display_id(user, value)

    def _stored(self, rolls, programme, user):
        lines = (
            RollLine.objects.filter(roll__in=rolls, removed=False)
            .select_related("student", "roll__school", "roll__case")
            .order_by("roll__school__code", "grade", "student__name_sort", "id")
        )
        return [
            [
                self._id(user, line.student.student_no),
                self._id(user, line.student.id_number),
                programme.code,
                f"{line.amount:.2f}",
                line.student.name,
                line.roll.school.code,
                line.roll.school.name,
                line.grade,
                line.level,
                "1" if line.boarder else "0",
                line.categories,
                line.tier,
                line.roll.case.state if line.roll.case_id else "",
            ]
            for line in lines.iterator(chunk_size=5000)
        ]

    def _computed(self, programme, term, user):
        school_ids = None if user is None else set(School.objects.for_user(user).values_list("pk", flat=True))
        lines = rules.compute_lines(programme, term, school_ids=school_ids)
        schools = School.objects.in_bulk({line.school_id for line in lines})
        students = {}
        ids = [line.student_id for line in lines]
        for start in range(0, len(ids), 5000):
            students.update(Student.objects.in_bulk(ids[start : start + 5000]))
        return [
            [
                self._id(user, students[line.student_id].student_no),
                self._id(user, students[line.student_id].id_number),
                programme.code,
                f"{line.amount:.2f}",
                students[line.student_id].name,
                schools[line.school_id].code,
                schools[line.school_id].name,
                line.grade,
                line.level,
                "1" if line.boarder else "0",
                line.categories,
                line.tier,
                "",
            ]
            for line in lines
        ]

    def _totals(self, term, user, options):
        code = options["programme"]
        if code:
            self._programme(code)
        if Roll.objects.filter(term=term).exists():
            data = selectors.totals(term, user, programme=code)
            data["source"] = "rolls"
        else:
            data = self._computed_totals(term, user, code)
        data = selectors.as_json(data)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        total = data["total"]
        self.stdout.write(
            f"{data['term']}（统计日期 {data['census_date']}）：{total['persons']} 人次，{total['amount']} 元"
        )
        for group in ("programme", "level", "township", "school"):
            for entry in data[group]:
                self.stdout.write(f"  {entry['name']}\t{entry['persons']}\t{entry['amount']}")

    def _computed_totals(self, term, user, code):
        school_ids = None if user is None else set(School.objects.for_user(user).values_list("pk", flat=True))
        programmes = Programme.objects.filter(code=code) if code else Programme.objects.all()
        schools = {s.pk: s for s in School.objects.select_related("township")}
        levels = dict(Level.choices)
        groups = {
            name: defaultdict(lambda: [0, Decimal("0.00"), ""]) for name in ("programme", "level", "township", "school")
        }
        persons, amount = 0, Decimal("0.00")
        for programme in programmes:
            for line in rules.compute_lines(programme, term, school_ids=school_ids):
                school = schools[line.school_id]
                school = schools.get(school.parent_id, school)
                for name, key, label in (
                    ("programme", programme.code, programme.name),
                    ("level", line.level, str(levels.get(line.level, line.level))),
                    ("township", school.township.code, school.township.name),
                    ("school", school.code, school.name),
                ):
                    entry = groups[name][key]
                    entry[0] += 1
                    entry[1] += line.amount
                    entry[2] = label
                persons += 1
                amount += line.amount
        data = {
            "term": str(term),
            "census_date": term.census_date.isoformat(),
            "source": "computed",
            "total": {"persons": persons, "amount": amount},
        }
        for name, entries in groups.items():
            data[name] = [
                {"code": key, "name": label, "persons": n, "amount": total}
                for key, (n, total, label) in sorted(entries.items())
            ]
        return data
