"""Evidence files (佐证文件) of the registers: a photo or scan uploaded on a fact's, an appraisal's or a guard's page,
checked by its content (JPEG, PNG, PDF), listed with a thumbnail, downloaded through an audited route; another
school's account answers 404 and writes nothing."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from emis.core import files as core_files
from emis.core.access import Role
from emis.core.models import AuditEvent, ObjectChange

from ..models import Evidence, SafetyFact
from .conftest import fact, guard, setup_buildings

pytestmark = pytest.mark.django_db


def jpeg(name="验收单.jpg", size=(40, 30)) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name="鉴定报告.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def upload_url(row, kind="safetyfact"):
    return reverse("safety:evidence_upload", args=[kind, row.pk])


def test_a_jpeg_is_stored_listed_and_downloaded(county, client):
    row = fact(county.school_a1, "alarm", dt.date(2024, 1, 1))
    school = county.users[Role.SCHOOL]  # school A1's account
    client.force_login(school)
    response = client.post(upload_url(row), {"files": [jpeg()]})
    assert response.status_code == 302
    (evidence,) = Evidence.objects.all()
    assert evidence.fact == row and evidence.school == county.school_a1
    assert evidence.content_type == "image/jpeg" and evidence.name == "验收单.jpg" and len(evidence.sha256) == 64
    assert evidence.file.startswith("safety/") and core_files.exists(evidence.file) and evidence.thumbnail
    assert evidence.uploaded_by == school
    assert ObjectChange.objects.filter(object_id=evidence.pk, content_type__model="evidence").exists()
    page = client.get(row.get_absolute_url()).content.decode()
    assert "验收单.jpg" in page and reverse("safety:evidence_thumbnail", args=[evidence.pk]) in page
    assert 'capture="environment"' in page
    before = AuditEvent.objects.filter(event="safety.evidence.downloaded").count()
    download = client.get(reverse("safety:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"".join(download.streaming_content)[:3] == b"\xff\xd8\xff"
    assert AuditEvent.objects.filter(event="safety.evidence.downloaded").count() == before + 1
    thumb = client.get(reverse("safety:evidence_thumbnail", args=[evidence.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_a_pdf_on_an_appraisal_and_a_photo_of_a_guard(county, client):
    buildings = setup_buildings(county)
    appraisal = buildings["W"].appraisals.first()
    man = guard(county.school_a1, "张保安")
    client.force_login(county.users[Role.ADMIN])
    assert client.post(upload_url(appraisal, "appraisal"), {"files": [pdf()]}).status_code == 302
    assert client.post(upload_url(man, "guard"), {"files": [jpeg("保安员证.jpg")]}).status_code == 302
    report = Evidence.objects.get(appraisal=appraisal)
    assert report.content_type == "application/pdf" and not report.thumbnail
    assert Evidence.objects.get(guard=man).name == "保安员证.jpg"
    tile = client.get(reverse("safety:evidence_thumbnail", args=[report.pk]))
    assert tile["Content-Type"] == "image/svg+xml"
    assert "鉴定报告.pdf" in client.get(appraisal.get_absolute_url()).content.decode()


@pytest.fixture
def own_folder(monkeypatch):
    """A folder of this test's own for the stored files (tests run in parallel share the storage)."""
    import uuid

    from emis.safety import services

    folder = f"safety-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(services, "EVIDENCE_FOLDER", folder)
    return folder


def test_a_file_named_jpg_that_is_not_an_image_is_refused(county, client, own_folder):
    row = fact(county.school_a1, "video", dt.date(2024, 1, 1))
    client.force_login(county.users[Role.SCHOOL])
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 this is a program, not a photo", content_type="image/jpeg")
    response = client.post(upload_url(row), {"files": [fake]}, follow=True)
    page = response.content.decode()
    assert "文件“照片.jpg”不是可接受的类型" in page
    assert not Evidence.objects.exists()
    assert not list(core_files.names(own_folder))


def test_a_gif_is_refused(county, client):
    """Photos (JPEG, PNG) and PDFs only."""
    from emis.core.writes import Refused
    from emis.safety.services import evidence_add

    row = fact(county.school_a1, "closed", dt.date(2024, 1, 1))
    gif = SimpleUploadedFile("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif")
    with pytest.raises(Refused, match="a.gif"):
        evidence_add(row=row, upload=gif, acting_user=county.users[Role.ADMIN])
    assert not Evidence.objects.exists()


def test_one_bad_file_among_several_writes_nothing(county, client, own_folder):
    row = fact(county.school_a1, "patrol", dt.date(2024, 1, 1))
    client.force_login(county.users[Role.SCHOOL])
    fake = SimpleUploadedFile("假.png", b"not a png at all", content_type="image/png")
    page = client.post(upload_url(row), {"files": [jpeg(), fake]}, follow=True).content.decode()
    assert "文件“假.png”不是可接受的类型" in page
    assert not Evidence.objects.exists() and not list(core_files.names(own_folder))


def test_too_large_is_refused(county, client, settings):
    settings.SAFETY_EVIDENCE_MAX_BYTES = 100
    row = fact(county.school_a1, "closed", dt.date(2024, 1, 1))
    client.force_login(county.users[Role.SCHOOL])
    page = client.post(upload_url(row), {"files": [jpeg("大.jpg", size=(200, 200))]}, follow=True).content.decode()
    assert "文件“大.jpg”大小为" in page and not Evidence.objects.exists()


def test_another_schools_account_answers_404(county, client):
    from emis.safety.services import evidence_add

    row = fact(county.school_b1, "closed", dt.date(2024, 1, 1))
    (evidence,) = evidence_add(row=row, upload=jpeg(), acting_user=county.users[Role.ADMIN])
    client.force_login(county.users[Role.SCHOOL])  # school A1's account
    assert client.post(upload_url(row), {"files": [jpeg()]}).status_code == 404
    assert client.get(reverse("safety:evidence_download", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("safety:evidence_thumbnail", args=[evidence.pk])).status_code == 404
    assert client.post(reverse("safety:evidence_delete", args=[evidence.pk])).status_code == 404
    assert Evidence.objects.count() == 1


def test_the_uploader_side_deletes(county, client):
    from emis.safety.services import evidence_add

    row = fact(county.school_a1, "closed", dt.date(2024, 1, 1))
    (evidence,) = evidence_add(row=row, upload=jpeg(), acting_user=county.users[Role.SCHOOL])
    stored = evidence.file
    client.force_login(county.users[Role.SCHOOL])

    response = client.post(reverse("safety:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 302 and not Evidence.objects.exists()
    assert stored  # the stored file goes after the commit (emis.core.files.delete_with_rows)


def test_a_reader_sees_the_files_but_no_upload_form(county, client):
    from emis.safety.services import evidence_add

    row = fact(county.school_a1, "closed", dt.date(2024, 1, 1))
    evidence_add(row=row, upload=jpeg(), acting_user=county.users[Role.ADMIN])
    client.force_login(county.users[Role.LEADER])
    page = client.get(row.get_absolute_url()).content.decode()
    assert "验收单.jpg" in page and 'data-testid="evidence-upload"' not in page
    assert client.post(upload_url(row), {"files": [jpeg()]}).status_code == 404


def test_the_county_table_counts_the_evidence_of_the_facts_in_force(county, client, django_assert_max_num_queries):
    from emis.safety.selectors import compliance
    from emis.safety.services import evidence_add

    from .conftest import setup_compliance

    setup_compliance(county)
    admin = county.users[Role.ADMIN]
    a1 = county.school_a1
    old_alarm = SafetyFact.objects.get(school=a1, kind="alarm", effective_on=dt.date(2024, 1, 1))
    closed = SafetyFact.objects.get(school=a1, kind="closed")
    evidence_add(row=closed, upload=jpeg(), acting_user=admin)
    evidence_add(row=closed, upload=pdf(), acting_user=admin)
    evidence_add(row=old_alarm, upload=jpeg(), acting_user=admin)  # superseded on 2024-10-01
    rows = {row["school"].pk: row["evidence"] for row in compliance(admin, dt.date(2024, 12, 31)).rows}
    assert rows[a1.pk] == 2 and rows[county.school_a2.pk] == 0
    rows = {row["school"].pk: row["evidence"] for row in compliance(admin, dt.date(2024, 6, 30)).rows}
    assert rows[a1.pk] == 3
    client.force_login(admin)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("safety:compliance"), {"on": "2024-12-31"}).content.decode()
    assert 'data-testid="evidence-count"' in page
