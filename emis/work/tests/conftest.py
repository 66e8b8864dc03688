"""The test workflow registered for every test here, and a few users beyond the county's one per role."""

import pytest
from django.core.files.base import ContentFile

from emis.core import registry
from emis.core.access import Role
from emis.testing import make_user
from emis.work import attachments, declaration
from emis.work.models import AttachmentKind

from .workflows import DOMAIN, TEST_REGISTRATION, TEST_WORKFLOW


@pytest.fixture(autouse=True, scope="module")
def test_workflow():
    # Module-scoped (and autouse, so set up before the module's other module-scoped fixtures): the access
    # matrix's data (matrix_expected) opens cases of this workflow before any test runs.
    with declaration.override(TEST_WORKFLOW), registry.override(TEST_REGISTRATION):
        yield TEST_WORKFLOW


@pytest.fixture
def actors(county):
    """role-ish name -> user: the county's users plus a 股室 account for the test domain and users of township B."""
    users = dict(county.users)
    users["section_work"] = make_user("section_work", Role.SECTION, divisions=[county.county], domains=[DOMAIN])
    users["township_b"] = make_user("township_b", Role.TOWNSHIP, divisions=[county.township_b])
    users["school_b1"] = make_user("school_b1", Role.SCHOOL, schools=[county.school_b1])
    users["school_a2"] = make_user("school_a2", Role.SCHOOL, schools=[county.school_a2])
    return users


def add_notice(case):
    """The generated notice the 下发 step requires (the .docx generator comes in the next round)."""
    return attachments.store(
        case, ContentFile(b"PK notice", name="notice.docx"), kind=AttachmentKind.DOCUMENT, document="notice"
    )


def jpeg_bytes(size=(40, 30), color=(200, 60, 30)) -> bytes:
    """A real (tiny) JPEG photo: evidence is checked by content, and photos must decode."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def photo(name="photo.jpg"):
    return ContentFile(jpeg_bytes(), name=name)
