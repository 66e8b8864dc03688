"""Generic, scope-bound views: list, detail, create, edit, delete and export for any RegistryModel.

A domain app declares one `ModelUI` per model (model, FilterSet, table, form, export columns);
`ModelUI.urls()` yields the seven routes. Every view reads through `Model.objects.for_user(...)`,
so an object outside the user's scope answers 404 exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from . import access, registry
from .audit import readable_changes
from .deletion import delete_in_scope, delete_refused_message
from .exports import csv_response, export_rows, xlsx_response
from .models import ObjectChange

REGISTRY: list[type[ModelUI]] = []


class ModelUI:
    """Declaration of a model's pages. Subclasses set the attributes; the views do the rest.

    Attributes:
        model: the RegistryModel.
        filterset_class: the one FilterSet that serves page, API and export.
        table_class: django-tables2 table for the list page.
        form_class: a ScopedModelForm for create/edit (None: read-only model).
        select_related: joins for list, detail and export (keeps list pages free of N+1).
        detail_fields: field names shown on the detail page.
        related: (title, callable(obj, user) -> queryset, table_class) blocks on the detail page.
        export_columns: callable(user) -> [(title, getter(obj))].
        id_lookup_fields: fields holding an ID number (or a G 学籍号) that the POST-only exact lookup matches.
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
    detail_page_template = "generic/detail.html"  # the generic page, or one extending it (block detail_extra)
    id_lookup_fields: Sequence[str] = ()

    @classmethod
    def extra_detail_context(cls, obj, user) -> dict:
        return {}

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
        return views


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
            **extra,
        }


class ObjectListView(ModelUIView):
    def get(self, request):
        queryset = self.ui.queryset(request.user)
        filterset = self.ui.filterset_class(request.GET or None, queryset=queryset, request=request)
        table = self.ui.table_class(filterset.qs if filterset.is_bound else queryset, request=request)
        RequestConfig(request, paginate={"per_page": self._per_page(request)}).configure(table)
        query = request.GET.copy()
        query.pop("page", None)
        context = self.context(table=table, filterset=filterset, querystring=query.urlencode())
        template = "generic/_list_results.html" if request.htmx and not request.htmx.boosted else "generic/list.html"
        return render(request, template, context)

    @staticmethod
    def _per_page(request) -> int:
        try:
            return max(10, min(200, int(request.GET.get("per_page", 25))))
        except ValueError:
            return 25


class ObjectExportView(ModelUIView):
    def get(self, request, fmt: str):
        if fmt not in ("xlsx", "csv"):
            raise Http404
        queryset = self.ui.queryset(request.user)
        filterset = self.ui.filterset_class(request.GET or None, queryset=queryset, request=request)
        queryset = filterset.qs if filterset.is_bound else queryset
        columns = self.ui.export_columns(request.user)
        title = str(self.ui.model._meta.verbose_name_plural)
        rows = export_rows(queryset.order_by("pk"), columns)
        if fmt == "xlsx":
            return xlsx_response(title, title, columns, rows)
        return csv_response(title, columns, rows)


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
        obj = get_object_or_404(self.ui.queryset(request.user), pk=pk)
        fields = []
        for name in self.ui.detail_fields:
            field = self.ui.model._meta.get_field(name)
            value = getattr(obj, name)
            if field.choices:
                value = getattr(obj, f"get_{name}_display")()
            elif name in getattr(self.ui.model, "sensitive_fields", ()):
                value = access.display_id(request.user, value)
            link = value.get_absolute_url() if hasattr(value, "get_absolute_url") else None
            fields.append(
                {"label": field.verbose_name, "value": value, "link": link, "boolean": isinstance(value, bool)}
            )
        related = []
        # The model's own related tables, then the panels other apps add to this model's page (their plugin.py).
        blocks = [*self.ui.related, *((p.title, p.rows, p.table) for p in registry.panels_for(self.ui.model))]
        for index, (title, get_queryset, table_class) in enumerate(blocks):
            # Each related table pages on its own query parameter (r0-page, r1-page ...).
            table = table_class(get_queryset(obj, request.user), request=request, orderable=False, prefix=f"r{index}-")
            RequestConfig(request, paginate={"per_page": 10}).configure(table)
            related.append({"title": title, "table": table})
        changes = list(object_history(request.user, obj))
        history = [
            {"change": change, "rows": rows}
            for change, rows in zip(changes, history_rows(request.user, obj.__class__, changes), strict=True)
        ]
        return render(
            request,
            self.ui.detail_page_template,
            self.context(
                object=obj,
                fields=fields,
                related=related,
                history=history,
                **self.ui.extra_detail_context(obj, request.user),
            ),
        )


def change_rows(user, model, change: ObjectChange) -> list[dict]:
    """Field-by-field before/after rows of one change record, readable and masked for the user."""
    return history_rows(user, model, [change])[0]


def history_rows(user, model, changes: list[ObjectChange]) -> list[list[dict]]:
    """Readable before/after rows for several change records of one model.

    Values come from audit.readable_changes (restricted fields left out, ID numbers masked for the role).
    Choice codes become their labels, booleans 是/否, and foreign-key ids the related rows' names, looked up
    with one query per related model (not per row).
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

    def show(field, value):
        if value is None or value == "":
            return None
        if field is None:
            return value
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
                    saved = form.save()
                    if not self.ui.queryset(request.user, self.action).filter(pk=saved.pk).exists():
                        raise PermissionsViolation
            except PermissionsViolation:
                form.add_error(None, _("保存后的记录将超出您的管辖范围，未保存。"))
            else:
                messages.success(request, _("已保存：%(object)s") % {"object": saved})
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
        try:
            with transaction.atomic():
                delete_in_scope(obj, request.user)
        except ProtectedError as exc:
            messages.error(request, delete_refused_message(obj, exc))
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("已删除：%(object)s") % {"object": obj})
        return HttpResponseRedirect(reverse(self.ui.url_name("list")))
