"""The demo county's roll changes (contributed by emis.students through the demo's hook): something for the school
and township accounts to read and undo, and the reason shown for one that may not be undone."""

import pytest

from emis.accounts.models import User
from emis.students.models import RollChange
from emis.students.rollchanges import undo_refusal

pytestmark = pytest.mark.django_db


def test_the_demo_accounts_have_roll_changes_to_undo(tongshan):
    school = User.objects.get(username="school")
    mine = list(RollChange.objects.for_user(school).order_by("id"))
    assert [c.kind for c in mine] == ["suspend", "resume"]
    assert "之后" in undo_refusal(mine[0], school)  # the 休学 has a 复学 after it
    assert undo_refusal(mine[1], school) is None
    township = User.objects.get(username="township")
    transfer = RollChange.objects.for_user(township).get(kind="transfer")
    assert undo_refusal(transfer, township) is None
    section = User.objects.get(username="section")
    assert RollChange.objects.for_user(section).count() == 3
