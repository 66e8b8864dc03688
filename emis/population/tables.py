import django_tables2 as tables

from emis.core.tables import BaseTable, IdNumberColumn

from .models import OutsideEnrollment, PopulationRecord


class PopulationRecordTable(BaseTable):
    name = tables.Column(linkify=True)
    id_number = IdNumberColumn()

    class Meta(BaseTable.Meta):
        model = PopulationRecord
        fields = (
            "school_year",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "hukou_township",
            "hukou_village",
            "source",
        )


class OutsideEnrollmentTable(BaseTable):
    name = tables.Column(linkify=True)
    id_number = IdNumberColumn()

    class Meta(BaseTable.Meta):
        model = OutsideEnrollment
        fields = ("school_year", "name", "id_number", "hukou_township", "school_name", "region", "grade", "verified_on")
