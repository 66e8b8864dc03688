"""The demo county's 整改通知书 (contributed by emis.rectification through the demo's hook): every state of the
workflow, some overdue, numbered notices, and the demo accounts see what their role should."""

import pytest

from emis.accounts.models import User
from emis.rectification.models import Notice
from emis.rectification.selectors import summary
from emis.rectification.workflows import RECTIFICATION
from emis.work.selectors import waiting_for

pytestmark = pytest.mark.django_db


def test_notices_in_every_state_some_overdue(tongshan):
    notices = Notice.objects.select_related("case")
    states = {notice.case.state for notice in notices}
    assert states == RECTIFICATION.state_codes
    overdue = [n for n in notices if n.case.urgency == "overdue" and n.case.closed_at is None]
    assert len(overdue) >= 2
    issued = [n for n in notices if n.case.state != "draft"]
    assert all(n.document_number.startswith("通教督整〔") for n in issued)
    assert len({n.document_number for n in issued}) == len(issued)
    assert all(n.case.attachments.filter(kind="document").count() == 1 for n in issued)


def test_the_demo_accounts_see_their_notices(tongshan):
    section = User.objects.get(username="section")
    assert "rectification" in section.domains
    data = summary(section)
    assert data["total"]["open"] >= 6 and data["total"]["overdue"] >= 2 and data["total"]["avg_close_days"] > 0
    assert waiting_for(section).filter(workflow="rectification").exists()  # reports to verify
    school = User.objects.get(username="school")
    assert Notice.objects.for_user(school).exists()
    # The school's own notice waits for its answer (its 待办 is not empty); so do the township's schools'.
    assert waiting_for(school).filter(workflow="rectification", state="rectifying").exists()


def test_loading_again_adds_nothing(tongshan):
    from emis.demo import loader

    before = Notice.objects.count()
    loader.load_contributions(loader.TONGSHAN)
    assert Notice.objects.count() == before
