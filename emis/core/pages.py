from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import registry


@login_required
def home(request):
    return render(request, "home.html", {"summary": registry.home_summary(request.user)})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@require_POST
def list_columns(request):
    """Store the columns a user shows on one generic list page (the column chooser of generic/list.html): the list
    is named by its URL name, the columns by name; unknown names are ignored, the first column always shows."""
    from .tables import ListSettings
    from .views import REGISTRY

    name = request.POST.get("list", "")
    ui = next((ui for ui in REGISTRY if ui.url_name("list") == name and ui.may(request.user, "view")), None)
    if ui is None:
        raise Http404
    names = ui.table_class([]).columns.names()  # in the order shown; the first is the row's link
    shown = set(request.POST.getlist("columns"))
    if request.POST.get("reset"):
        shown = set(names)
    ListSettings(request, name).save(hidden_columns=[column for column in names[1:] if column not in shown])
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse(name)
    return HttpResponseRedirect(back)
