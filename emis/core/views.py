"""Generic, scope-bound views: list, detail, create, edit, delete, export and named actions for any RegistryModel.

A domain app declares one `ModelUI` per model (model, FilterSet, table, form, export columns);
`ModelUI.urls()` yields the routes. Every view reads through `Model.objects.for_user(...)`,
so an object outside the user's scope answers 404 exactly like a missing one.

A domain changes what the pages do through the ModelUI's hooks, never by copying a view: `save` and `delete`
(the one write path, shared with the API), `warnings` (non-blocking notes after a save), the detail layout
(`fieldsets`, `detail_field`, `detail_context`, `detail_page_template`) and `actions` (named steps such as
submit, approve or publish: buttons on the detail or list page, each a POST to ObjectActionView).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from . import access, exports, registry
from .audit import readable_changes
from .deletion import delete_in_scope, delete_refused_message
from .models import ObjectChange
from .tables import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MIN_PAGE_SIZE, PAGE_SIZES, ListSettings
from .writes import Refused

REGISTRY: list[type[ModelUI]] = []

SHOWN_PROBLEMS = 20  # a refusal lists at most this many of its problems on a page


@dataclass(frozen=True)
class Action:
    """A named step on a model's rows (submit, approve, publish, load a file ...): a button, run by a POST.

    name        the URL segment, and the right checked: ``access.role_may(user, model.domain, right or name)``,
                and for a row-level action the row must be in ``for_user(user, right or name)`` (scope), else 404.
    label       the button's text.
    run         ``run(obj, user, form) -> str | None``: calls the domain's service and returns the success message
                (None: none shown). ``obj`` is None for a list-level action; ``form`` is the bound ``form_class``
                or None. Refuses by raising ``emis.core.writes.Refused``; it runs inside a transaction.
    right       the right to check when it is not ``name`` (steps any editor may take use ``access.CHANGE``).
    on_list     shown on the list page and run without a row (an upload that creates rows).
    available   ``available(obj, user) -> bool``: whether the row's state allows the step (the button shows and
                the POST runs only then). Default: always.
    confirm     the question asked before posting ("" for none).
    form_class  a Form shown inside the button's form and bound to the POST and its files (a file, a note).
    invalid     the message for an invalid form (default: the form's own errors).
    refusal_on_page  a refusal re-renders the detail page with ``refusal`` (messages, more) in its context, for
                long lists of problems shown in place; otherwise the messages are flashed and the page redirects.
    style       the button's CSS class.
    """

    name: str
    label: Any
    run: Callable[[Any, Any, Any], str | None]
    right: str | None = None
    on_list: bool = False
    available: Callable[[Any, Any], bool] | None = None
    confirm: Any = ""
    form_class: type[forms.Form] | None = None
    invalid: Any = ""
    refusal_on_page: bool = False
    style: str = "btn-outline-primary"

    @property
    def required_right(self) -> str:
        return self.right or self.name

    def is_available(self, obj, user) -> bool:
        return self.available is None or bool(self.available(obj, user))


class ModelUI:
    """Declaration of a model's pages. Subclasses set the attributes; the views do the rest.

    Attributes:
        model: the RegistryModel.
        filterset_class: the one FilterSet that serves page, API and export.
        table_class: django-tables2 table for the list page.
        form_class: a ScopedModelForm for create/edit (None: read-only model).
        select_related: joins for list, detail and export (keeps list pages free of N+1).
        detail_fields: field names shown on the detail page.
        fieldsets: ((title, (field names ...)), ...): the detail page's fields in titled sections (empty: one
            untitled section of detail_fields).
        related: (title, callable(obj, user) -> queryset, table_class) blocks on the detail page (other apps add
            theirs as panels in their plugin.py).
        actions: named steps (Action) shown as buttons on the detail page (or the list page, on_list=True).
        export_columns: callable(user) -> [(title, getter(obj))].
        export_prepare: callable(user, objects), called once per chunk of exported rows before their getters, to
            read what they need from elsewhere in one query per chunk rather than one per row.
        id_lookup_fields: fields holding an ID number (or a G 学籍号) that the POST-only exact lookup matches.
        oversight: a page for overseeing an area (the change log, catchment planning): the menu offers its list to
            accounts overseeing a township, a county or more only (access.oversees); the page itself stays
            readable within the scope, as every page is.

    Hooks (classmethods to override): save, delete, warnings, detail_field, detail_context, queryset.
    """

    model = None
    namespace = ""
    filterset_class = None
    table_class = None
    form_class = None
    select_related: Sequence[str] = ()
    detail_fields: Sequence[str] = ()
    related: Sequence[tuple[str, Callable, type]] = ()
    export_columns: Callable | None = None
    export_prepare: Callable | None = None
    fieldsets: Sequence[tuple[Any, Sequence[str]]] = ()
    actions: Sequence[Action] = ()
    detail_page_template = "generic/detail.html"  # the generic page, or one extending it (block detail_extra)
    id_lookup_fields: Sequence[str] = ()
    oversight = False
    related_per_page = 10  # rows per page of each related table on the detail page

    # The write path: pages, the API and (through the services' bulk forms) importers reach the same rule. --------

    @classmethod
    def save(cls, obj, user):
        """Write a validated, unsaved-or-changed row for `user`; returns the row saved (a service may return another,
        as an enrolment whose status changes is closed and a new one opened). Called inside a transaction by the
        edit page and the API, which then check the saved row is still in the user's scope and set many-to-many
        values. Override to call the domain's service; refuse with ``emis.core.writes.Refused``."""
        obj.save()
        return obj

    @classmethod
    def delete(cls, obj, user) -> None:
        """Delete a row for `user` (the page and the API). Raises ProtectedError/RestrictedError when other rows
        still need it, Refused when a rule forbids it."""
        delete_in_scope(obj, user)

    @classmethod
    def warnings(cls, obj, user) -> list[str]:
        """Non-blocking notes about a row just saved: shown after the save on the page, ``warnings`` in the API's
        answer. The row is saved all the same."""
        return []

    @classmethod
    def save_form(cls, form, user):
        """A page's save: the form's row through `save`, then its many-to-many values. While the ModelUI keeps the
        default `save`, the form's own ``save()`` runs (a form may still do more there; new code uses the hook)."""
        if getattr(cls.save, "__func__", None) is ModelUI.save.__func__:
            return form.save()
        saved = cls.save(form.save(commit=False), user)
        form.instance = saved
        form.save_m2m()
        return saved

    # The detail page's layout. -------------------------------------------------------------------------------------

    @classmethod
    def detail_sections(cls) -> list[tuple[Any, Sequence[str]]]:
        return list(cls.fieldsets) or [(None, cls.detail_fields)]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        """One label/value row of the detail page (override to format a value or drop a link)."""
        field = cls.model._meta.get_field(name)
        value = getattr(obj, name)
        if field.choices:
            value = getattr(obj, f"get_{name}_display")()
        elif name in getattr(cls.model, "sensitive_fields", ()):
            value = access.display_id(user, value)
        link = value.get_absolute_url() if hasattr(value, "get_absolute_url") else None
        return {"label": field.verbose_name, "value": value, "link": link, "boolean": isinstance(value, bool)}

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        """What the detail page shows besides fields, related tables, actions and history (for its own template)."""
        return {}

    @classmethod
    def action(cls, name: str) -> Action | None:
        return next((a for a in cls.actions if a.name == name), None)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.model is not None:
            REGISTRY.append(cls)

    @classmethod
    def model_name(cls) -> str:
        return cls.model._meta.model_name

    @classmethod
    def url_name(cls, action: str) -> str:
        return f"{cls.namespace}:{cls.model_name()}_{action}"

    @classmethod
    def queryset(cls, user, action: str = access.VIEW):
        return cls.model.objects.for_user(user, action).select_related(*cls.select_related)

    @classmethod
    def may(cls, user, action: str) -> bool:
        if action == access.VIEW:
            return access.role_may(user, getattr(cls.model, "domain", None), access.VIEW)
        return cls.form_class is not None and access.role_may(user, cls.model.domain, action)

    @classmethod
    def may_look_up(cls, user) -> bool:
        """Exact lookup by ID number: for roles that see ID numbers in full, on models that have them."""
        return bool(cls.id_lookup_fields) and cls.may(user, access.VIEW) and access.may_see_full_ids(user)

    @classmethod
    def lookup_urls(cls) -> list:
        if not cls.id_lookup_fields:
            return []
        name = cls.model_name()
        return [path(f"{name}/lookup/", IdLookupView.as_view(ui=cls), name=f"{name}_lookup")]

    @classmethod
    def urls(cls) -> list:
        name = cls.model_name()
        views = [
            *cls.lookup_urls(),
            path(f"{name}/", ObjectListView.as_view(ui=cls), name=f"{name}_list"),
            path(f"{name}/export/<str:fmt>/", ObjectExportView.as_view(ui=cls), name=f"{name}_export"),
            path(f"{name}/<int:pk>/", ObjectDetailView.as_view(ui=cls), name=f"{name}_detail"),
        ]
        if cls.form_class is not None:
            views += [
                path(f"{name}/add/", ObjectEditView.as_view(ui=cls), name=f"{name}_add"),
                path(f"{name}/<int:pk>/edit/", ObjectEditView.as_view(ui=cls), name=f"{name}_edit"),
                path(f"{name}/<int:pk>/delete/", ObjectDeleteView.as_view(ui=cls), name=f"{name}_delete"),
            ]
        if cls.actions:
            views += [
                path(f"{name}/action/<slug:action>/", ObjectActionView.as_view(ui=cls), name=f"{name}_list_action"),
                path(f"{name}/<int:pk>/action/<slug:action>/", ObjectActionView.as_view(ui=cls), name=f"{name}_action"),
            ]
        return views

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        """(label, url) of other pages the list page links to for ``user`` (a page of the app's own, say)."""
        return []

    @classmethod
    def detail_links(cls, obj, user) -> list[tuple[str, str]]:
        """(label, url) of other pages a row's page links to (a class's printable roster, say)."""
        return []

    @classmethod
    def search_hint(cls, user) -> str:
        """What the list's search box searches, for ``user``: the FilterSet's ``search_hint``, and the exact lookup
        by a whole ID number where the role has it (typed into the same box, it is posted to the lookup page)."""
        describe = getattr(cls.filterset_class, "describe_search", None)
        hint = describe() if describe is not None else ""
        if cls.may_look_up(user):
            return _("%(hint)s；或完整的身份证号、学籍号（精确查找）") % {"hint": hint}
        return hint

    @classmethod
    def prepare_search(cls, filterset, user) -> None:
        """Put the search hint in the box and, for roles with the exact lookup, where an ID number typed there goes
        (static/js/emis.js posts it to the lookup page: an ID number never travels in a URL)."""
        field = filterset.form.fields.get("q")
        if field is None:
            return
        attrs = field.widget.attrs
        attrs["placeholder"] = cls.search_hint(user)
        attrs["title"] = attrs["placeholder"]
        if cls.id_lookup_fields:
            attrs["data-id-search"] = reverse(cls.url_name("lookup")) if cls.may_look_up(user) else ""
            attrs["data-id-refused"] = _("您的角色看不到完整证件号，不能按证件号查找；请按姓名或拼音搜索。")

    @classmethod
    def list_actions(cls, user) -> list[dict]:
        """The list page's action buttons the user may use."""
        domain = getattr(cls.model, "domain", None)
        return [
            {"action": a, "url": reverse(cls.url_name("list_action"), args=[a.name]), "form": _unbound(a)}
            for a in cls.actions
            if a.on_list and access.role_may(user, domain, a.required_right) and a.is_available(None, user)
        ]

    @classmethod
    def object_actions(cls, obj, user) -> list[dict]:
        """The detail page's action buttons: rights, scope (one query per right) and the row's state."""
        domain = getattr(cls.model, "domain", None)
        in_scope: dict[str, bool] = {}
        shown = []
        for a in cls.actions:
            if a.on_list or not access.role_may(user, domain, a.required_right):
                continue
            if a.required_right not in in_scope:
                in_scope[a.required_right] = (
                    cls.model.objects.for_user(user, a.required_right).filter(pk=obj.pk).exists()
                )
            if in_scope[a.required_right] and a.is_available(obj, user):
                url = reverse(cls.url_name("action"), args=[obj.pk, a.name])
                shown.append({"action": a, "url": url, "form": _unbound(a)})
        return shown


def _unbound(action: Action):
    return action.form_class() if action.form_class is not None else None


class ModelUIView(LoginRequiredMixin, View):
    ui: type[ModelUI] = None
    action = access.VIEW

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.ui.may(request.user, self.action):
            # Not allowed at all for this role: the same answer as out of scope.
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra) -> dict:
        user = self.request.user
        meta = self.ui.model._meta
        return {
            "ui": self.ui,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "list_url": reverse(self.ui.url_name("list")),
            "may_add": self.ui.may(user, access.ADD),
            "may_change": self.ui.may(user, access.CHANGE),
            "may_delete": self.ui.may(user, access.DELETE),
            "may_look_up": self.ui.may_look_up(user),
            "list_actions": self.ui.list_actions(user) if self.ui.actions else [],
            "list_links": self.ui.list_links(user),
            **extra,
        }


class ObjectListView(ModelUIView):
    def get(self, request):
        queryset = self.ui.queryset(request.user)
        filterset = self.ui.filterset_class(request.GET or None, queryset=queryset, request=request)
        self.ui.prepare_search(filterset, request.user)
        table = self.ui.table_class(
            filterset.qs if filterset.is_bound else queryset,
            request=request,
            estimate_count=filterset.exact_count_limit() if filterset.is_bound else True,
        )
        # Rows per page and hidden columns, as this user left them on this list (emis.core.tables.ListSettings).
        settings = ListSettings(request, self.ui.url_name("list"))
        per_page = settings.per_page()
        settings.apply(table)
        RequestConfig(request, paginate={"per_page": per_page}).configure(table)
        table.settle_estimate()
        query = request.GET.copy()
        query.pop("page", None)
        sized = query.copy()
        sized.pop("per_page", None)
        context = self.context(
            table=table,
            filterset=filterset,
            querystring=query.urlencode(),
            sized_querystring=sized.urlencode(),
            per_page=per_page,
            page_sizes=PAGE_SIZES,
            columns=ListSettings.choosable(table),
            list_name=self.ui.url_name("list"),
        )
        template = "generic/_list_results.html" if request.htmx and not request.htmx.boosted else "generic/list.html"
        return render(request, template, context)

    @staticmethod
    def _per_page(request) -> int:
        """The size ?per_page= asks for (10 to 500), else 25, remembered nowhere: for list pages of their own (the
        work inbox); the generic lists read ListSettings."""
        try:
            return max(MIN_PAGE_SIZE, min(MAX_PAGE_SIZE, int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))))
        except ValueError:
            return DEFAULT_PAGE_SIZE


class ObjectExportView(ModelUIView):
    """The list's rows, scoped and filtered as the page shows them, as xlsx or csv (emis.core.exports): the file
    itself for a small list, a background export with its progress for a large one."""

    def get(self, request, fmt: str):
        if fmt not in ("xlsx", "csv"):
            raise Http404
        table = exports.export_table(self.ui, request)
        total = table.count()
        in_page = bool(request.htmx) and not request.htmx.boosted
        if total > exports.sync_max_rows():
            try:
                job = exports.export_job_create(ui=self.ui, request=request, fmt=fmt, total=total)
            except exports.ExportRefused as exc:
                if in_page:
                    return render(request, "exports/_refused.html", {"message": str(exc)})
                messages.error(request, str(exc))
                return HttpResponseRedirect(reverse(self.ui.url_name("list")) + "?" + request.GET.urlencode())
            if in_page:  # the list page's export button: the progress card, in place; the page stays usable
                from .export_views import progress_context

                return render(request, "exports/_progress.html", progress_context(job))
            return HttpResponseRedirect(job.get_absolute_url())
        if in_page:
            # A small list: the browser fetches the file itself (an htmx request cannot save one).
            response = HttpResponse(status=204)
            response["HX-Redirect"] = request.get_full_path()
            return response
        exports.record_download(
            request.user, list_name=self.ui.url_name("list"), fmt=fmt, rows=total, query=request.GET.urlencode()
        )
        return exports.table_xlsx_response(table) if fmt == "xlsx" else exports.table_csv_response(table)


class IdLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号或全国学籍号"),
        max_length=19,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "class": "form-control"}),
    )


class IdLookupView(ModelUIView):
    """Find a person by a whole ID number or G 学籍号, posted (never in a URL) and rate-limited per user.

    Only roles that see ID numbers in full may use it (404 for the others, as for a page they do not have); the
    search runs in the user's scope, and "not found" reads the same whether the person exists elsewhere or not.
    One match redirects to its page (its URL holds the row's id only); several are listed.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.ui.may_look_up(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, *, rows=None, status=200):
        table = None
        if rows is not None:
            table = self.ui.table_class(rows, request=self.request, orderable=False)
        return render(self.request, "generic/id_lookup.html", self.context(form=form, table=table), status=status)

    def get(self, request):
        return self.render_form(IdLookupForm())

    def post(self, request):
        from .ratelimits import id_lookup_limited
        from .selectors import find_by_id_number

        form = IdLookupForm(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        if id_lookup_limited(request):
            form.add_error(None, _("证件号查找过于频繁，请稍后再试。"))
            return self.render_form(form, status=429)
        found = list(
            find_by_id_number(self.ui.queryset(request.user), self.ui.id_lookup_fields, form.cleaned_data["id_number"])[
                :50
            ]
        )
        if len(found) == 1:
            return HttpResponseRedirect(found[0].get_absolute_url())
        if not found:
            form.add_error("id_number", _("在您的管辖范围内没有找到该证件号。"))
            return self.render_form(form)
        return self.render_form(IdLookupForm(), rows=found)


def object_history(user, obj):
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return (
        ObjectChange.objects.for_user(user)
        .filter(content_type=content_type, object_id=obj.pk)
        .select_related("content_type")[:50]
    )


class ObjectDetailView(ModelUIView):
    def get(self, request, pk: int):
        return self.render_detail(get_object_or_404(self.ui.queryset(request.user), pk=pk))

    def render_detail(self, obj, **extra):
        """The detail page of `obj` (also re-rendered by an action that shows its refusal in place)."""
        request, user = self.request, self.request.user
        sections = [
            {"title": title, "fields": [self.ui.detail_field(obj, name, user) for name in names]}
            for title, names in self.ui.detail_sections()
        ]
        related = []
        # The model's own related tables, then the panels other apps add to this model's page (their plugin.py).
        panels = registry.panels_for(self.ui.model)
        blocks = [*self.ui.related, *((p.title, p.rows, p.table) for p in panels)]
        # A block's links ("打印花名册" on a school's classes), in its card's header.
        links = [None] * len(self.ui.related) + [p.links for p in panels]
        for index, (title, get_queryset, table_class) in enumerate(blocks):
            # Each related table pages on its own query parameter (r0-page, r1-page ...).
            table = table_class(get_queryset(obj, user), request=request, orderable=False, prefix=f"r{index}-")
            RequestConfig(request, paginate={"per_page": self.ui.related_per_page}).configure(table)
            related.append({"title": title, "table": table, "links": links[index](obj, user) if links[index] else []})
        changes = list(object_history(user, obj))
        history = [
            {"change": change, "rows": rows}
            for change, rows in zip(changes, history_rows(user, obj.__class__, changes), strict=True)
        ]
        return render(
            request,
            self.ui.detail_page_template,
            self.context(
                object=obj,
                sections=sections,
                fields=[field for section in sections for field in section["fields"]],
                related=related,
                history=history,
                object_actions=self.ui.object_actions(obj, user) if self.ui.actions else [],
                **self._row_rights(obj, user),
                detail_links=self.ui.detail_links(obj, user),
                **self.ui.detail_context(obj, request),
                **extra,
            ),
        )

    def _row_rights(self, obj, user) -> dict:
        """编辑 and 删除 only where the edit and delete pages would open: the role's right and this row inside the
        scope the user may change (a 股室 account reads the province's division but edits only its county's)."""
        may_change, may_delete = self.ui.may(user, access.CHANGE), self.ui.may(user, access.DELETE)
        if (may_change or may_delete) and not access.sees_everything(user):
            if not self.ui.model.objects.for_user(user, access.CHANGE).filter(pk=obj.pk).exists():
                may_change = may_delete = False
        return {"may_change": may_change, "may_delete": may_delete}


def change_rows(user, model, change: ObjectChange) -> list[dict]:
    """Field-by-field before/after rows of one change record, readable and masked for the user."""
    return history_rows(user, model, [change])[0]


def history_rows(user, model, changes: list[ObjectChange]) -> list[list[dict]]:
    """Readable before/after rows for several change records of one model.

    Values come from audit.readable_changes (restricted fields left out, ID numbers masked for the role).
    Choice codes become their labels, booleans 是/否, times "Y-m-d H:i", and foreign-key ids the related rows'
    names, looked up with one query per related model (not per row). A model may word its own values (codes
    without choices, JSON) with a classmethod ``history_value(name, value)`` (a case's state, a user's domains).
    """
    from django.core.exceptions import FieldDoesNotExist

    readable = readable_changes(user, changes)
    fields = {}
    wanted: dict[type, set] = {}
    for values in readable:
        for name, (before, after) in values.items():
            if name not in fields:
                try:
                    fields[name] = model._meta.get_field(name) if model else None
                except FieldDoesNotExist:  # a field since removed from the model
                    fields[name] = None
            field = fields[name]
            if field is not None and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(v for v in (before, after) if v is not None)
            elif field is not None and field.many_to_many:
                for value in (before, after):
                    wanted.setdefault(field.related_model, set()).update(value or ())
    names = {
        related: {obj.pk: str(obj) for obj in related._base_manager.filter(pk__in=ids)}
        for related, ids in wanted.items()
    }

    worded = getattr(model, "history_value", None)

    def show(field, value):
        if value is None or value == "":
            return None
        if worded is not None and field is not None:
            shown = worded(field.name, value)
            if shown is not NotImplemented:
                return shown
        if field is None:
            return value
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is None:
                return value
            return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "Y-m-d H:i")
        if field.many_to_one:
            return names.get(field.related_model, {}).get(value, value)
        if field.many_to_many:
            return "、".join(str(names.get(field.related_model, {}).get(v, v)) for v in value)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return value

    result = []
    for values in readable:
        rows = []
        for name, (before, after) in values.items():
            field = fields.get(name)
            if field is not None and not field.editable and not field.many_to_many:
                continue  # derived values (search keys, levels) repeat what the other fields say
            label = field.verbose_name if field is not None else name
            rows.append({"field": label, "before": show(field, before), "after": show(field, after)})
        result.append(rows)
    return result


class PermissionsViolation(Exception):
    """The saved object fell outside the user's scope; the transaction is rolled back."""


class ObjectEditView(ModelUIView):
    def dispatch(self, request, *args, **kwargs):
        self.action = access.CHANGE if "pk" in kwargs else access.ADD
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, pk):
        if pk is None:
            return None
        return get_object_or_404(self.ui.queryset(self.request.user, access.CHANGE), pk=pk)

    def get(self, request, pk: int | None = None):
        obj = self.get_object(pk)
        form = self.ui.form_class(instance=obj, user=request.user, initial=request.GET.dict() if obj is None else None)
        return render(request, "generic/form.html", self.context(form=form, object=obj))

    def post(self, request, pk: int | None = None):
        obj = self.get_object(pk)
        form = self.ui.form_class(request.POST, instance=obj, user=request.user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = self.ui.save_form(form, request.user)
                    if not self.ui.queryset(request.user, self.action).filter(pk=saved.pk).exists():
                        raise PermissionsViolation
            except PermissionsViolation:
                form.add_error(None, _("保存后的记录将超出您的管辖范围，未保存。"))
            except Refused as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已保存：%(object)s") % {"object": saved})
                for warning in self.ui.warnings(saved, request.user):
                    messages.warning(request, warning)
                return HttpResponseRedirect(saved.get_absolute_url())
        return render(request, "generic/form.html", self.context(form=form, object=obj), status=200)


class ObjectDeleteView(ModelUIView):
    action = access.DELETE

    def get_object(self, pk):
        return get_object_or_404(self.ui.queryset(self.request.user, access.DELETE), pk=pk)

    def get(self, request, pk: int):
        return render(request, "generic/confirm_delete.html", self.context(object=self.get_object(pk)))

    def post(self, request, pk: int):
        obj = self.get_object(pk)
        label = str(obj)
        try:
            with transaction.atomic():
                self.ui.delete(obj, request.user)
        except ProtectedError as exc:
            messages.error(request, delete_refused_message(obj, exc))
            return HttpResponseRedirect(obj.get_absolute_url())
        except Refused as exc:
            flash_refusal(request, exc)
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("已删除：%(object)s") % {"object": label})
        return HttpResponseRedirect(reverse(self.ui.url_name("list")))


def flash_refusal(request, exc: Refused) -> None:
    shown = exc.messages[:SHOWN_PROBLEMS]
    for message in shown:
        messages.error(request, message)
    if exc.more or len(exc.messages) > len(shown):
        messages.error(request, _("……另有更多问题未列出。"))


class ObjectActionView(ObjectDetailView):
    """POST-only: run one of the ModelUI's named actions on a row (or, for a list action, without one).

    The role must hold the action's right on the model's domain and the row must be in the user's scope for that
    right (else 404, as for a page the user does not have); a row whose state does not allow the step, an invalid
    form and a refusal from the service answer with messages on the row's page (or the list).
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        self.step = self.ui.action(kwargs.get("action", ""))
        if self.step is None or self.step.on_list != ("pk" not in kwargs):
            raise Http404
        domain = getattr(self.ui.model, "domain", None)
        if request.user.is_authenticated and not access.role_may(request.user, domain, self.step.required_right):
            raise Http404
        return super(ModelUIView, self).dispatch(request, *args, **kwargs)

    def post(self, request, action: str, pk: int | None = None):
        step, user = self.step, request.user
        obj = None
        if pk is not None:
            obj = get_object_or_404(self.ui.queryset(user, step.required_right), pk=pk)
        back = obj.get_absolute_url() if obj is not None else reverse(self.ui.url_name("list"))
        if not step.is_available(obj, user):
            messages.error(request, _("当前状态下不能执行“%(action)s”。") % {"action": step.label})
            return HttpResponseRedirect(back)
        form = None
        if step.form_class is not None:
            form = step.form_class(request.POST, request.FILES)
            if not form.is_valid():
                if step.invalid:
                    messages.error(request, step.invalid)
                else:
                    for errors in form.errors.values():
                        for error in errors:
                            messages.error(request, error)
                return HttpResponseRedirect(back)
        try:
            with transaction.atomic():
                message = step.run(obj, user, form)
        except Refused as exc:
            if step.refusal_on_page and obj is not None:
                obj = get_object_or_404(self.ui.queryset(user), pk=pk)  # as it is after the rollback
                shown = exc.messages[:SHOWN_PROBLEMS]
                refusal = {"action": step.name, "messages": shown, "more": exc.more or len(exc.messages) > len(shown)}
                return self.render_detail(obj, refusal=refusal)
            flash_refusal(request, exc)
            return HttpResponseRedirect(back)
        if message:
            messages.success(request, message)
        return HttpResponseRedirect(back)
