from emis.core.forms import ScopedModelForm

from .models import Posting, Staff


class StaffForm(ScopedModelForm):
    class Meta:
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

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()


class PostingForm(ScopedModelForm):
    class Meta:
        model = Posting
        fields = ("staff", "school", "kind", "start_date", "end_date", "note")
