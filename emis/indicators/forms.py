from emis.core.forms import ScopedModelForm

from .models import PlanTarget


class PlanTargetForm(ScopedModelForm):
    class Meta:
        model = PlanTarget
        fields = (
            "division_code",
            "plan_name",
            "indicator",
            "baseline_year",
            "target_year",
            "comparator",
            "value",
            "tolerance",
            "source",
        )
