import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable, IdNumberColumn

from .models import Programme, Recognition, Roll, Standard, Term
from .workflows import AID_ROLL


class ProgrammeTable(BaseTable):
    name = tables.Column(linkify=True)
    levels = tables.Column(accessor="levels_display", verbose_name=_("适用学段"), orderable=False)

    class Meta(BaseTable.Meta):
        model = Programme
        fields = ("name", "levels", "basis")


class StandardTable(BaseTable):
    programme = tables.Column(linkify=lambda record: record.get_absolute_url())
    series = tables.Column(accessor="series_label", verbose_name=_("类别/档次"), orderable=False)
    who = tables.Column(accessor="categories_display", verbose_name=_("资助对象"), orderable=False)
    per_term = tables.Column(accessor="per_term", verbose_name=_("每学期（元）"), orderable=False)

    class Meta(BaseTable.Meta):
        model = Standard
        fields = ("programme", "level", "series", "who", "amount_per_year", "per_term", "valid_from", "source")


class RecognitionTable(BaseTable):
    name = tables.Column(linkify=True)
    id_number = IdNumberColumn()

    class Meta(BaseTable.Meta):
        model = Recognition
        fields = ("name", "id_number", "category", "recognised_on", "source", "township_code")


class RollTable(BaseTable):
    school = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("学校"))
    township = tables.Column(accessor="school__township__name", verbose_name=_("乡镇"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))

    class Meta(BaseTable.Meta):
        model = Roll
        fields = ("term", "programme", "school", "township", "persons", "amount", "state")

    def render_state(self, record):
        return AID_ROLL.state_label(record.case.state) if record.case_id else "—"


class TermTable(BaseTable):
    term = tables.Column(accessor="pk", verbose_name=_("学期"), linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = Term
        fields = ("term", "census_date", "publicity_days")

    def render_term(self, record):
        return str(record)
