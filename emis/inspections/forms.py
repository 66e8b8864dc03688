"""The engine's forms: the checklist editor (one line per item, in words a clerk types), a campaign's creation
(schools picked in bulk by category and township, or one by one by typing), and the sign-off / send-back steps.
Rules are the services'; these only collect values."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.forms import style_form
from emis.core.pickers import use_picker
from emis.orgs.choices import DivisionLevel, SchoolCategory
from emis.orgs.models import Division, School

from .models import ItemKind, Purpose, Severity, TemplateVersion
from .targets import kind_choices

# The editor's words: item kinds, severities and flags as the clerk types them.
KIND_WORDS = {"是否": ItemKind.YES_NO, "数值": ItemKind.NUMBER, "选项": ItemKind.CHOICE, "文字": ItemKind.TEXT}
KIND_WORDS["照片"] = ItemKind.PHOTO
WORD_OF_KIND = {kind: word for word, kind in KIND_WORDS.items()}
SEVERITY_WORDS = {"一般": Severity.GENERAL, "较重": Severity.SERIOUS, "严重": Severity.CRITICAL}
WORD_OF_SEVERITY = {value: word for word, value in SEVERITY_WORDS.items()}
FLAG_CRITICAL, FLAG_PHOTO, FLAG_OPTIONAL = "一票否决", "须拍照", "选填"
THRESHOLD = re.compile(r"^(>=|<=|==|>|<|≥|≤|=)\s*(-?\d+(?:\.\d+)?)$")
OPS = {"≥": ">=", "≤": "<=", "=": "=="}

EDITOR_HELP = _(
    "每个部分以“## 部分标题”开头；每个检查项目一行，各栏用“|”隔开："
    "编号 | 检查内容 | 类型（是否、数值、选项、文字、照片） | 分值 | 标准 | 其他。"
    "数值项的标准如“>=16”；选项项的标准列出选项，用“/”隔开，达标的选项后加“*”，"
    "如“按规定留样*/部分留样/未留样”。其他栏可写：一般、较重、严重（问题严重程度），"
    "一票否决，须拍照，选填，以及“要点：……”（检查要点，也作整改要求）。"
)


def parse_content(text: str) -> list[dict]:
    """The editor's text → sections for services.template_publish; a ValidationError names the line at fault."""
    sections: list[dict] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            sections.append({"title": line.lstrip("#").strip(), "items": []})
            continue
        if not sections:
            sections.append({"title": gettext("检查项目"), "items": []})
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise forms.ValidationError(gettext("第 {n} 行须至少有编号和检查内容。").format(n=number))
        item = {"code": cells[0], "text": cells[1], "kind": ItemKind.YES_NO}
        if len(cells) > 2 and cells[2]:
            if cells[2] not in KIND_WORDS:
                raise forms.ValidationError(
                    gettext("第 {n} 行的类型须为是否、数值、选项、文字或照片。").format(n=number)
                )
            item["kind"] = KIND_WORDS[cells[2]]
        if len(cells) > 3 and cells[3]:
            try:
                item["weight"] = Decimal(cells[3])
            except InvalidOperation:
                raise forms.ValidationError(gettext("第 {n} 行的分值须为数字。").format(n=number)) from None
        elif item["kind"] in (ItemKind.TEXT, ItemKind.PHOTO):
            item["weight"] = 0
        standard = cells[4] if len(cells) > 4 else ""
        if standard and item["kind"] == ItemKind.NUMBER:
            match = THRESHOLD.match(standard.replace(" ", ""))
            if not match:
                raise forms.ValidationError(gettext("第 {n} 行的标准须写成“>=16”这样。").format(n=number))
            item["threshold_op"] = OPS.get(match.group(1), match.group(1))
            item["threshold"] = Decimal(match.group(2))
        if item["kind"] == ItemKind.CHOICE:
            options = [o.strip() for o in standard.split("/") if o.strip()]
            if not options:
                raise forms.ValidationError(gettext("第 {n} 行的选项项须列出选项。").format(n=number))
            item["choices"] = [
                {"value": o.rstrip("*").strip(), "label": o.rstrip("*").strip(), "passes": o.endswith("*")}
                for o in options
            ]
        for flag in cells[5:]:
            for word in [w.strip() for w in re.split(r"[，,、]", flag) if w.strip()]:
                if word in SEVERITY_WORDS:
                    item["severity"] = SEVERITY_WORDS[word]
                elif word == FLAG_CRITICAL:
                    item["critical"] = True
                elif word == FLAG_PHOTO:
                    item["photo_required"] = True
                elif word == FLAG_OPTIONAL:
                    item["required"] = False
                elif word.startswith(("要点：", "要点:")):
                    item["guidance"] = word[3:].strip()
                else:
                    raise forms.ValidationError(
                        gettext("第 {n} 行有看不懂的内容：“{word}”。").format(n=number, word=word)
                    )
        sections[-1]["items"].append(item)
    return sections


def keep_choice_values(sections: list[dict], current: dict | None) -> list[dict]:
    """Options typed again keep the stored value they had in the current version (matched by item code and label),
    so that re-publishing an unchanged text makes no new version and past answers keep their meaning."""
    if not current:
        return sections
    known = {
        item["code"]: {c["label"]: c["value"] for c in item.get("choices") or []}
        for section in current["sections"]
        for item in section["items"]
    }
    for section in sections:
        for item in section["items"]:
            values = known.get(item["code"], {})
            for choice in item.get("choices") or []:
                choice["value"] = values.get(choice["label"], choice["value"])
    return sections


def _number(value) -> str:
    return str(Decimal(str(value)).normalize()) if value not in (None, "") else ""


def format_content(content: dict) -> str:
    """A version's content (services.version_content) as the editor's text."""
    lines = []
    for section in content["sections"]:
        lines.append(f"## {section['title']}")
        for item in section["items"]:
            standard = ""
            if item["kind"] == ItemKind.NUMBER and item.get("threshold") not in (None, ""):
                standard = f"{item['threshold_op']}{_number(item['threshold'])}"
            elif item["kind"] == ItemKind.CHOICE:
                standard = "/".join(c["label"] + ("*" if c["passes"] else "") for c in item["choices"])
            flags = []
            if item.get("severity", Severity.GENERAL) != Severity.GENERAL:
                flags.append(WORD_OF_SEVERITY[item["severity"]])
            if item.get("critical"):
                flags.append(FLAG_CRITICAL)
            if item.get("photo_required") and item["kind"] != ItemKind.PHOTO:
                flags.append(FLAG_PHOTO)
            if not item.get("required", True):
                flags.append(FLAG_OPTIONAL)
            if item.get("guidance"):
                flags.append(f"要点：{item['guidance']}")
            cells = [item["code"], item["text"], WORD_OF_KIND[item["kind"]], _number(item["weight"]), standard]
            if flags:
                cells.append("，".join(flags))
            lines.append(" | ".join(cells).rstrip(" |"))
        lines.append("")
    return "\n".join(lines).strip() + "\n"


class TemplateForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=64, help_text=_("英文字母、数字或连字符，如 opening-check。"))
    name = forms.CharField(label=_("名称"), max_length=200)
    purpose = forms.ChoiceField(label=_("用途"), choices=Purpose.choices)
    target_kind = forms.ChoiceField(label=_("检查对象"), choices=())
    applies_to = forms.MultipleChoiceField(
        label=_("适用办学类型"),
        choices=SchoolCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示各类学校均适用。"),
    )
    pass_score = forms.DecimalField(label=_("基本合格分"), required=False, min_value=0, max_value=100)
    good_score = forms.DecimalField(label=_("合格分"), required=False, min_value=0, max_value=100)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    content = forms.CharField(label=_("检查项目"), widget=forms.Textarea(attrs={"rows": 18}), help_text=EDITOR_HELP)

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_kind"].choices = kind_choices()
        if existing is not None:
            self.fields["code"].disabled = True
        style_form(self)

    def clean_content(self):
        return parse_content(self.cleaned_data["content"])


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200, help_text=_("如：2026年秋季开学工作专项督查。"))
    kind = forms.ChoiceField(label=_("类型"), choices=Purpose.choices)
    version = forms.ModelChoiceField(
        label=_("检查表"), queryset=TemplateVersion.objects.none(), empty_label=_("请选择")
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    categories = forms.MultipleChoiceField(
        label=_("按办学类型选学校"),
        help_text=_("检查对象为机构的检查表：所选乡镇（不选为全县）的该类机构全部列为检查对象。"),
        choices=SchoolCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    townships = forms.ModelMultipleChoiceField(
        label=_("限于乡镇"),
        queryset=Division.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全县。"),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("逐所添加学校"), queryset=School.objects.none(), required=False, help_text=_("输入校名查找。")
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("检查人员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from emis.accounts.models import User

        from .selectors import current_versions

        self.fields["version"].queryset = current_versions()
        self.fields["version"].label_from_instance = lambda v: f"{v.template.name}（第{v.number}版）"
        self.fields["townships"].queryset = Division.objects.for_user(user).filter(level=DivisionLevel.TOWNSHIP)
        self.fields["schools"].queryset = School.objects.for_user(user).select_related("township").order_by("code")
        self.fields["inspectors"].queryset = User.objects.filter(
            role__in=(Role.INSPECTOR, Role.SECTION), is_active=True
        ).order_by("role", "display_name")
        self.fields["inspectors"].label_from_instance = lambda u: (
            f"{u.display_name or u.username}（{u.get_role_display()}）"
        )
        use_picker(self.fields["schools"])
        style_form(self)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", gettext("结束日期不能早于开始日期。"))
        return data

    def chosen_schools(self, user):
        data = self.cleaned_data
        chosen = {school.pk: school for school in data.get("schools") or []}
        if data.get("categories"):
            found = School.objects.for_user(user).filter(category__in=data["categories"], closed_on__isnull=True)
            if data.get("townships"):
                found = found.filter(township__in=data["townships"])
            for school in found.select_related("township"):
                chosen.setdefault(school.pk, school)
        return sorted(chosen.values(), key=lambda s: s.code)

    def chosen_subjects(self, user, code: str) -> list:
        """Every row of a registered kind in the user's scope (in the townships chosen), for its checklists."""
        from .targets import target_kind

        kind = target_kind(code)
        if kind is None or kind.queryset_for is None:
            return []
        townships = [t.code for t in self.cleaned_data.get("townships") or []]
        rows = list(kind.queryset_for(user))
        if townships:
            rows = [row for row in rows if any(kind.division_code_of(row).startswith(t) for t in townships)]
        return rows


class StepForm(forms.Form):
    # The version of the inspection's case the page showed: a step against another is refused (and an empty post
    # moves nothing).
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": _("页面已过期，请刷新后再办理。")}
    )


class ReasonForm(StepForm):
    comment = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 2}))
