"""Before any school year exists (this module builds no data): the page says so, the download answers 404."""

from django.test import Client

from emis.testing import make_user


def test_page_without_school_years(db):
    user = make_user("lonely", "admin")
    client = Client()
    client.force_login(user)
    response = client.get("/reports/stats/")
    assert response.status_code == 200
    assert 'data-testid="table-' not in response.content.decode()
    assert client.get("/reports/stats/download/").status_code == 404
