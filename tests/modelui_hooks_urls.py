"""A test ModelUI declaring every hook (tests/test_modelui_hooks.py), mounted under /hooks/ beside the site's URLs."""

from django import forms
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.urls import urlpatterns as site_urlpatterns
from emis.core import access
from emis.core.views import Action
from emis.core.writes import Refused
from emis.students.models import SchoolClass
from emis.students.ui import SchoolClassUI

CALLS: list[tuple] = []


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"))


def rename(obj, user, form):
    if form.cleaned_data["note"] == "refuse":
        obj.name = "partly written"
        obj.save()  # rolled back with the refusal
        raise Refused("不行", "也不行")
    obj.name = form.cleaned_data["note"]
    obj.save()
    return "renamed"


def approve(obj, user, form):
    CALLS.append(("approve", obj.pk, user.username))
    return "approved"


def upload(obj, user, form):
    CALLS.append(("upload", obj, form.cleaned_data["note"]))
    return "uploaded"


class HookUI(SchoolClassUI):
    model = None  # set below, after the class is made: kept out of the ModelUI registry
    namespace = "hooks"
    fieldsets = ((_("学校"), ("school", "school_year")), (_("班级"), ("grade", "name")))
    actions = (
        Action(
            "rename",
            "改名",
            rename,
            right=access.CHANGE,
            form_class=NoteForm,
            available=lambda obj, user: obj.name != "locked",
            refusal_on_page=True,
        ),
        Action("approve", "审核", approve, confirm="确定？"),
        Action("upload", "上传", upload, right=access.ADD, on_list=True, form_class=NoteForm),
    )

    @classmethod
    def save(cls, obj, user):
        CALLS.append(("save", obj.name, user.username))
        if obj.name == "refuse":
            raise Refused("名称被拒绝")
        obj.save()
        return obj

    @classmethod
    def delete(cls, obj, user):
        CALLS.append(("delete", obj.pk, user.username))
        raise Refused("不能删除")

    @classmethod
    def warnings(cls, obj, user):
        return ["名称较短"] if len(obj.name) < 3 else []

    @classmethod
    def detail_context(cls, obj, request):
        return {"extra_seen": True}


HookUI.model = SchoolClass


urlpatterns = [path("hooks/", include((HookUI.urls(), "hooks"))), *site_urlpatterns]
