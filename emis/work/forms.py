from emis.core.forms import ScopedModelForm

from .models import CalendarDay, CalendarYear


class CalendarDayForm(ScopedModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name")


class CalendarYearForm(ScopedModelForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "source")
