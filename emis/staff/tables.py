import django_tables2 as tables

from emis.core.tables import BaseTable, IdNumberColumn

from .models import Posting, Staff


class StaffTable(BaseTable):
    name = tables.Column(linkify=True)
    id_number = IdNumberColumn()
    post_school = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Staff
        fields = (
            "name",
            "gender",
            "birth_date",
            "id_number",
            "post_school",
            "establishment",
            "subject",
            "title",
            "qualification",
            "is_active",
        )


class PostingTable(BaseTable):
    staff = tables.Column(linkify=True)
    school = tables.Column(linkify=True)
    kind = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Posting
        fields = ("staff", "school", "kind", "start_date", "end_date", "note")
