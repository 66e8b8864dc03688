"""The engine's own pages beyond the generic lists and pages (ui.py): the checklist editor, a campaign's creation,
the inspection form on a phone, and a campaign's results as xlsx, Word report and printable page. Thin: each reads
through the user's scope (404 outside it) and writes through emis.inspections.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from emis.core.exports import xlsx_response
from emis.core.writes import Refused

from . import forms, reports, selectors, services
from .models import Inspection, ItemKind, Target, Template
from .ui import CampaignUI, _fill_step_allowed, may_edit


class EditorMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_edit(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class TemplateEditView(EditorMixin, View):
    """A template's editor: publishing makes a new version when the content changed (past inspections keep theirs)."""

    def _template(self, pk):
        return get_object_or_404(Template.objects.for_user(self.request.user), pk=pk) if pk else None

    def get(self, request, pk: int | None = None):
        template = self._template(pk)
        initial = {"target_kind": "school"}
        if template is not None:
            current = template.current
            content = services.version_content(current) if current else {"sections": []}
            initial = {
                "code": template.code,
                "name": template.name,
                "purpose": template.purpose,
                "target_kind": template.target_kind,
                "applies_to": template.applies_to,
                "note": template.note,
                "pass_score": content.get("pass_score"),
                "good_score": content.get("good_score"),
                "content": forms.format_content(content) if current else "",
            }
        form = forms.TemplateForm(initial=initial, existing=template)
        return self._render(request, form, template)

    def post(self, request, pk: int | None = None):
        template = self._template(pk)
        form = forms.TemplateForm(request.POST, existing=template, initial={"code": template.code} if template else {})
        if form.is_valid():
            data = form.cleaned_data
            code = template.code if template is not None else data["code"]
            if template is None and Template.objects.filter(code=code).exists():
                form.add_error("code", _("该代码已被其他检查表使用。"))
            else:
                try:
                    before = template.current if template is not None else None
                    current = services.version_content(before) if before is not None else None
                    sections = forms.keep_choice_values(data["content"], current)
                    version = services.template_publish(
                        code=code,
                        name=data["name"],
                        purpose=data["purpose"],
                        target_kind=data["target_kind"],
                        applies_to=data["applies_to"],
                        sections=sections,
                        pass_score=data["pass_score"],
                        good_score=data["good_score"],
                        note=data["note"],
                        acting_user=request.user,
                    )
                except Refused as exc:
                    form.add_error(None, exc.messages[0])
                else:
                    if before is not None and before.pk == version.pk:
                        messages.info(request, _("检查项目未改动，仍为第{n}版。").format(n=version.number))
                    else:
                        messages.success(request, _("已发布第{n}版。").format(n=version.number))
                    return HttpResponseRedirect(version.template.get_absolute_url())
        return self._render(request, form, template, status=400)

    def _render(self, request, form, template, status=200):
        return render(request, "inspections/template_form.html", {"form": form, "template": template}, status=status)


class CampaignCreateView(EditorMixin, View):
    def get(self, request):
        form = forms.CampaignForm(user=request.user)
        return render(request, "inspections/campaign_form.html", {"form": form})

    def post(self, request):
        form = forms.CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            kind = data["version"].template.target_kind
            schools = (
                form.chosen_schools(request.user) if kind == "school" else form.chosen_subjects(request.user, kind)
            )
            if not schools:
                form.add_error(
                    None, _("请选择至少一所学校。") if kind == "school" else _("所选范围内没有该类检查对象。")
                )
            else:
                try:
                    campaign = services.campaign_create(
                        name=data["name"],
                        kind=data["kind"],
                        version=data["version"],
                        targets=schools,
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                        inspectors=data["inspectors"],
                        note=data["note"],
                        acting_user=request.user,
                    )
                except Refused as exc:
                    form.add_error(None, exc.messages[0])
                else:
                    messages.success(request, _("已创建检查活动，共{n}个检查对象。").format(n=campaign.targets.count()))
                    return HttpResponseRedirect(campaign.get_absolute_url())
        return render(request, "inspections/campaign_form.html", {"form": form}, status=400)


def _target(request, pk):
    return get_object_or_404(Target.objects.for_user(request.user).select_related("campaign__version"), pk=pk)


class FillView(LoginRequiredMixin, View):
    """The inspection form on a phone: item by item, camera photos; the draft is kept in the browser
    (static/inspections/fill.js, localStorage keyed by the target) with its client token until the send succeeds."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        target = _target(request, kwargs["pk"])
        inspection = Inspection.objects.filter(target=target).select_related("case").first()
        if request.method == "POST" and request.POST.get("client_token"):
            done = Inspection.objects.filter(client_token=request.POST["client_token"], target=target).first()
            if done is not None:  # the same send again (a retry on a poor connection): nothing more to do
                return HttpResponseRedirect(done.get_absolute_url())
        if services.may_fill(target, request.user):
            raise Http404
        if inspection is not None and inspection.case.state != "filling":
            return HttpResponseRedirect(inspection.get_absolute_url())
        if not _fill_step_allowed(target, inspection, request.user):
            raise Http404
        self.target, self.inspection = target, inspection
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk: int):
        return self._render(request)

    def post(self, request, pk: int):
        version = self.inspection.version if self.inspection else self.target.campaign.version
        items = services.items_of(version)
        answers = {item.code: request.POST.get(f"a-{item.code}", "") for item in items}
        notes = {item.code: request.POST.get(f"n-{item.code}", "") for item in items}
        photos = {item.code: request.FILES.getlist(f"p-{item.code}") for item in items}
        try:
            inspected_on = timezone.datetime.strptime(request.POST.get("inspected_on", ""), "%Y-%m-%d").date()
        except ValueError:
            return self._render(request, error=_("请填写检查日期。"), status=400)
        try:
            inspection = services.inspection_submit(
                target=self.target,
                answers=answers,
                photos=photos,
                notes=notes,
                summary=request.POST.get("summary", ""),
                client_token=request.POST.get("client_token", ""),
                inspected_on=inspected_on,
                acting_user=request.user,
            )
        except Refused as exc:
            return self._render(request, error=exc.messages[0], status=400)
        messages.success(request, _("检查记录已提交。"))
        return HttpResponseRedirect(inspection.get_absolute_url())

    def _render(self, request, error: str = "", status: int = 200):
        version = self.inspection.version if self.inspection else self.target.campaign.version
        items = services.items_of(version)
        sections = []
        for item in items:
            if not sections or sections[-1][0] != item.section:
                sections.append((item.section, []))
            sections[-1][1].append(item)
        return render(
            request,
            "inspections/fill.html",
            {
                "target": self.target,
                "inspection": self.inspection,
                "sections": sections,
                "count": len(items),
                "kinds": ItemKind,
                "error": error,
                "today": timezone.localdate(),
                "draft_key": f"inspection-draft-{self.target.pk}",
                "sent_back": self.inspection.case.steps.order_by("-number").first() if self.inspection else None,
            },
            status=status,
        )


def _campaign(request, pk):
    return get_object_or_404(CampaignUI.queryset(request.user), pk=pk)


class CampaignResultsExportView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        campaign = _campaign(request, pk)
        columns, rows = reports.results_table(campaign, request.user)
        return xlsx_response(campaign.name, _("检查结果"), columns, rows)


class CampaignReportView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        campaign = _campaign(request, pk)
        data = reports.campaign_docx(campaign, request.user)
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        from urllib.parse import quote

        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(campaign.name + '.docx')}"
        return response


class CampaignPrintView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        campaign = _campaign(request, pk)
        return render(
            request,
            "inspections/campaign_print.html",
            {
                "campaign": campaign,
                "progress": selectors.campaign_progress(campaign, request.user),
                "results": list(selectors.campaign_results(campaign, request.user)),
                "by_township": selectors.open_findings_by_township(campaign, request.user),
                "today": timezone.localdate(),
            },
        )
