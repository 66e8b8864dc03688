"""Import of the staff roster (教职工名册): one row = one staff member at the school that employs them.

Natural key: 身份证件号. A new staff member gets a recruitment Posting. A row naming another school than the
one a staff member is active at is a transfer (调动) only when the importing user may write both schools: the
open posting at the old school is closed and a transfer posting at the new one is opened. A row naming anyone
outside the user's scope, in post or not, is rejected with one neutral message (emis.core.imports.scope), so
that one school can neither take over another's teachers by importing them nor learn where they are.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.common.idnumbers import check_id_consistency, validate_id_number
from emis.common.text import pinyin_initials
from emis.core import access
from emis.core.audit import record_changes_bulk
from emis.core.imports.cells import choice_parser, parse_text
from emis.core.imports.columns import id_number_column, person_columns
from emis.core.imports.engine import CHANGED, NEW, UNCHANGED, Column, ImportSpec, Row
from emis.core.imports.reader import FileRejected
from emis.core.imports.scope import OUT_OF_SCOPE_STAFF, pks_in_scope
from emis.core.models import ChangeAction
from emis.orgs.models import School

from .apps import DOMAIN
from .choices import Establishment, PostingKind, Qualification, Title
from .models import Posting, Staff

IN_BATCH = 900
STAFF_FIELDS = ("name", "gender", "birth_date", "establishment", "subject", "title", "qualification")


def _labels(choices) -> dict[str, str]:
    return {str(label): code for code, label in choices.choices} | {code: code for code in choices.values}


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _in_batches(values) -> list[list]:
    values = list(values)
    return [values[start : start + IN_BATCH] for start in range(0, len(values), IN_BATCH)]


def schools_for_staff(user):
    """Schools at which the user may add or change staff (the role may write the staff domain)."""
    if not access.role_may(user, DOMAIN, access.ADD):
        return School.objects.none()
    # Staff hang from their post school as the school itself does (Staff.scope follows School.scope), so the
    # schools a user may post staff at are the schools in the user's scope.
    return School.objects.for_user(user)


class StaffImport(ImportSpec):
    kind = "staff"
    label = gettext_lazy("教职工")
    model = Staff
    columns = [
        id_number_column(required=True, example="421224198005060012"),
        *person_columns(example_name="刘建国", example_birth="1980-05-06"),
        Column(
            "school_code",
            "学校标识码",
            ("school_code", "school id"),
            True,
            parse_text,
            note="任职学校。",
            example="2142000101",
        ),
        Column(
            "establishment",
            "编制类型",
            ("establishment",),
            True,
            choice_parser(_labels(Establishment), "编制类型"),
            note="在编、非在编或代课。",
            example="在编",
        ),
        Column("subject", "任教学科", ("subject",), False, parse_text, note="不填则保留原值。", example="语文"),
        Column(
            "title",
            "专业技术职务",
            ("title",),
            False,
            choice_parser(_labels(Title), "专业技术职务"),
            note="新教职工不填为“未定职级”；已有的不填则保留原值。",
            example="一级教师",
        ),
        Column(
            "qualification",
            "最高学历",
            ("qualification", "education"),
            True,
            choice_parser(_labels(Qualification), "最高学历"),
            example="本科",
        ),
    ]

    # Export (emis.core.exports). A row of the roster is a staff member in post: importing back the row of someone
    # no longer in post (在职 否) puts them back in post at that school.
    export_extras = (("school_name", "任职学校"), ("is_active", "在职"))

    def export_chunks(self, queryset, *, user, options):
        from emis.core.exports import CHUNK_SIZE, chunks

        labels = {
            name: {code: str(label) for code, label in Staff._meta.get_field(name).choices}
            for name in ("gender", "establishment", "title", "qualification")
        }
        fields = (
            "id_number",
            "name",
            "gender",
            "birth_date",
            "post_school__code",
            "establishment",
            "subject",
            "title",
            "qualification",
            "post_school__name",
            "is_active",
        )
        for chunk in chunks(queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)):
            yield [
                {
                    "id_number": id_number,
                    "name": name,
                    "gender": labels["gender"].get(gender, gender),
                    "birth_date": birth,
                    "school_code": school_code,
                    "establishment": labels["establishment"].get(establishment, establishment),
                    "subject": subject,
                    "title": labels["title"].get(title, title),
                    "qualification": labels["qualification"].get(qualification, qualification),
                    "school_name": school_name,
                    "is_active": is_active,
                }
                for id_number, name, gender, birth, school_code, establishment, subject, title, qualification, school_name, is_active in chunk  # noqa: E501
            ]

    def begin(self, ctx) -> None:
        user = ctx.user
        if not access.role_may(user, DOMAIN, access.ADD):
            raise FileRejected(_("您的角色无权导入教职工数据。"))
        ctx.cache["schools"] = {
            code: (pk, township)
            for pk, code, township in schools_for_staff(user).values_list("pk", "code", "township__code")
        }
        ctx.cache["school_ids"] = {pk for pk, _township in ctx.cache["schools"].values()}
        ctx.cache["today"] = timezone.localdate()

    # Checks

    def check_chunk(self, rows: list[Row], ctx) -> None:
        schools = ctx.cache["schools"]
        unknown = {row.values.get("school_code") for row in rows} - set(schools) - {None, ""}
        known_elsewhere = set()
        for batch in _in_batches(unknown):
            known_elsewhere.update(School.objects.filter(code__in=batch).values_list("code", flat=True))
        for row in rows:
            self._check_row(row, known_elsewhere, ctx)
        live = [row for row in rows if not row.rejected]
        existing = {}
        for batch in _in_batches(row.values["id_number"] for row in live):
            for values in Staff.objects.filter(id_number__in=batch).values_list(
                "id_number", "pk", *STAFF_FIELDS, "is_active", "post_school_id"
            ):
                existing[values[0]] = values[1:]
        # Matched across the county (the ID number is unique), but written only inside the user's scope.
        ctx.cache["in_scope"] = pks_in_scope(Staff, ctx.user, {values[0] for values in existing.values()})
        for row in live:
            self._classify(row, existing, ctx)

    def _check_row(self, row: Row, known_elsewhere: set, ctx) -> None:
        values = row.values
        code = values.get("school_code") or ""
        if code and code not in ctx.cache["schools"]:
            if code in known_elsewhere:
                row.error("学校标识码", _("该学校不在您的管辖范围内。"), code)
            else:
                row.error("学校标识码", _("学校标识码不存在。"), code)
        id_number = values.get("id_number") or ""
        if id_number:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                row.error("身份证件号", exc.messages[0], id_number)
            else:
                for field, message in check_id_consistency(
                    id_number, values.get("birth_date"), values.get("gender")
                ).items():
                    row.error("出生日期" if field == "birth_date" else "性别", message, id_number)
            if ("id_number", id_number) in ctx.seen_keys:
                row.error("身份证件号", _("身份证件号在文件中重复出现。"), id_number)
            else:
                ctx.seen_keys.add(("id_number", id_number))

    def _classify(self, row: Row, existing: dict, ctx) -> None:
        values = row.values
        school_id, township = ctx.cache["schools"][values["school_code"]]
        target = {name: values.get(name) or "" for name in STAFF_FIELDS}
        target["birth_date"] = values["birth_date"]
        target["title"] = values.get("title") or Title.NONE
        found = existing.get(values["id_number"])
        row.payload = {"target": target, "school_id": school_id, "township": township, "pk": None, "posting": None}
        if found is None:
            row.action = NEW
            row.payload["posting"] = PostingKind.RECRUITMENT
            return
        pk, *current, is_active, old_school_id = found
        if pk not in ctx.cache["in_scope"]:
            # In post elsewhere or not, the same words: a roster cannot take over, or locate, anyone else's staff.
            row.error("身份证件号", OUT_OF_SCOPE_STAFF, values["id_number"])
            return
        row.payload["pk"] = pk
        stored = dict(zip(STAFF_FIELDS, current, strict=True))
        for name in ("subject", "title"):  # an empty optional cell keeps the stored value
            if not values.get(name):
                target[name] = stored[name]
        changes = {
            name: [_json(old), _json(target[name])]
            for name, old in zip(STAFF_FIELDS, current, strict=True)
            if old != target[name]
        }
        if old_school_id != school_id:
            if is_active and old_school_id not in ctx.cache["school_ids"]:
                row.error("身份证件号", OUT_OF_SCOPE_STAFF, values["id_number"])
                return
            changes["post_school"] = [old_school_id, school_id]
            row.payload["posting"] = PostingKind.TRANSFER if is_active else PostingKind.RECRUITMENT
            row.payload["old_school_id"] = old_school_id
        if not is_active:
            changes["is_active"] = [False, True]
            if row.payload["posting"] is None:
                row.payload["posting"] = PostingKind.RECRUITMENT
        row.changes = changes
        row.action = CHANGED if changes else UNCHANGED

    # Writes

    def write_chunk(self, rows: list[Row], ctx) -> None:
        if not rows:
            return
        today = ctx.cache["today"]
        audit = []
        new, changed = [], []
        for row in rows:
            payload = row.payload
            staff = Staff(
                pk=payload["pk"],
                id_number=row.values["id_number"],
                post_school_id=payload["school_id"],
                is_active=True,
                **payload["target"],
            )
            staff.name_initials = pinyin_initials(staff.name)
            (new if payload["pk"] is None else changed).append((row, staff))
        Staff.objects.bulk_create([staff for _row, staff in new], batch_size=1000)
        for row, staff in new:
            row.payload["pk"] = staff.pk
            fields = {
                "id_number": staff.id_number,
                "post_school": staff.post_school_id,
                "is_active": True,
                **{name: _json(getattr(staff, name)) for name in STAFF_FIELDS},
            }
            audit.append(
                (
                    staff,
                    ChangeAction.CREATE,
                    {name: [None, value] for name, value in fields.items()},
                    (staff.post_school_id, row.payload["township"]),
                    staff.name,
                )
            )
        if changed:
            Staff.objects.bulk_update(
                [staff for _row, staff in changed],
                [*STAFF_FIELDS, "name_initials", "post_school", "is_active"],
                batch_size=1000,
            )
            for row, staff in changed:
                audit.append(
                    (
                        staff,
                        ChangeAction.UPDATE,
                        row.changes,
                        (staff.post_school_id, row.payload["township"]),
                        staff.name,
                    )
                )
        self._write_postings(rows, today, audit, schools_for_staff(ctx.user))
        record_changes_bulk(audit)

    def _write_postings(self, rows: list[Row], today, audit: list, schools) -> None:
        moving = {row.payload["pk"]: row for row in rows if row.payload.get("old_school_id")}
        closed = []
        for batch in _in_batches(moving):
            # Only postings at the user's schools: a secondment (借调) elsewhere is that school's to close.
            for pk, staff_id, school_id, start, township in Posting.objects.filter(
                staff_id__in=batch, end_date__isnull=True, school__in=schools
            ).values_list("pk", "staff_id", "school_id", "start_date", "school__township__code"):
                end = max(today, start)
                closed.append(
                    (
                        Posting(pk=pk, end_date=end),
                        {"end_date": [None, end.isoformat()]},
                        (school_id, township),
                        moving[staff_id].values["name"],
                    )
                )
        if closed:
            Posting.objects.bulk_update([posting for posting, *_rest in closed], ["end_date"], batch_size=1000)
            audit.extend(
                (posting, ChangeAction.UPDATE, changes, scope, name) for posting, changes, scope, name in closed
            )
        opened = []
        for row in rows:
            kind = row.payload["posting"]
            if kind is None:
                continue
            note = _("导入建档") if kind == PostingKind.RECRUITMENT else _("导入调动")
            opened.append(
                (
                    row,
                    Posting(
                        staff_id=row.payload["pk"],
                        school_id=row.payload["school_id"],
                        kind=kind,
                        start_date=today,
                        note=note,
                    ),
                )
            )
        Posting.objects.bulk_create([posting for _row, posting in opened], batch_size=1000)
        for row, posting in opened:
            fields = {
                "staff": posting.staff_id,
                "school": posting.school_id,
                "kind": posting.kind,
                "start_date": today.isoformat(),
                "end_date": None,
                "note": posting.note,
            }
            audit.append(
                (
                    posting,
                    ChangeAction.CREATE,
                    {name: [None, value] for name, value in fields.items()},
                    (posting.school_id, row.payload["township"]),
                    f"{row.values['name']} {posting.get_kind_display()}",
                )
            )
