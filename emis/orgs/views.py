"""The 设立县区 page: the system administrator sets up a county (its divisions and school years) through the same
service as ``emis setup-county`` (emis.orgs.services.county_setup). Other roles get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.writes import Refused

from .forms import CountySetupForm
from .services import county_setup


@login_required
def county_setup_page(request):
    if not access.sees_everything(request.user):
        raise Http404
    form = CountySetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = county_setup(
                code=data["code"],
                name=data["name"],
                years=data["years"],
                current=data["current"],
                city_name=data["city_name"],
                province_name=data["province_name"],
                acting_user=request.user,
            )
        except Refused as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            for line in result.warnings:
                messages.warning(request, line)
            if result.changed:
                messages.success(
                    request,
                    _("县区 {code} {name} 已设立：{done}。").format(
                        code=result.code, name=data["name"], done="；".join(result.done)
                    ),
                )
            else:
                messages.info(
                    request,
                    _("县区 {code} {name} 和所列学年都已存在，没有改动。").format(code=result.code, name=data["name"]),
                )
            return redirect("orgs:division_list")
    return render(request, "orgs/county_setup.html", {"form": form})
