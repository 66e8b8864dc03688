"""The crawl of every role (issue 14, items 5 and 8), through the test client: every page the role's menu offers,
and the first record each list links to, answers 200 in Chinese (no developer text: emis.testing_crawl) and offers
no "---------". The menus offer only what the role can use. The browser's pass (console errors, screenshots) is
tests/browser/test_crawl.py.

The data: the small county of emis.testing with a published 中考 round and its appeal, three 整改通知书 and a
published indicator snapshot, so that every list has a record to open.
"""

from __future__ import annotations

import pytest
from django.test import Client

from emis.core.access import Role
from emis.testing import build_county, build_rounds, module_db
from emis.testing_crawl import ALLOWED_WORDS, EMPTY_CHOICE, NO_WORD_CHECK, english_words, first_record, menu_links

ROLES = (Role.ADMIN, Role.CITY, Role.PROVINCE, Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR)


def build():
    from emis.rectification.tests.test_access import make_notices

    county = build_county()
    build_rounds(county)
    make_notices(county)
    return county


@pytest.fixture(scope="module")
def crawl_data(django_db_setup, django_db_blocker):
    with module_db(django_db_blocker, build) as data:
        yield data


@pytest.fixture
def crawl_county(crawl_data, db):
    return crawl_data


def crawl(client: Client, allowed) -> tuple[list[tuple[str, str]], list[str], int]:
    """(menu, problems, pages visited) for the signed-in client."""
    from emis.testing_crawl import visible_text

    home = client.get("/")
    assert home.status_code == 200
    menu = menu_links(home.content.decode())
    problems: list[str] = []
    queue = [(label, url, True) for label, url in menu]
    seen: set[str] = set()
    while queue:
        label, url, is_menu = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{label} {url}: HTTP {response.status_code}")
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if not url.startswith(NO_WORD_CHECK):
            words = english_words(visible_text(html), allowed)
            if words:
                problems.append(f"{label} {url}: English words {words}")
            if EMPTY_CHOICE in html:
                problems.append(f"{label} {url}: a select offers “{EMPTY_CHOICE}”")
        if is_menu:
            record = first_record(html, url)
            if record:
                queue.append((f"{label} › 第一条", record, False))
    return menu, problems, len(seen)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_menu_answers_in_chinese(crawl_county, role):
    from emis.accounts.models import User

    client = Client()
    client.force_login(crawl_county.users[role])
    allowed = ALLOWED_WORDS | set(User.objects.values_list("username", flat=True))
    menu, problems, visited = crawl(client, allowed)
    assert visited > len(menu) // 2
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "absent"),
    [
        (
            Role.SCHOOL,
            {"行政区划", "审计日志", "划片招生测算", "招生片区", "招生计划", "中考录取", "录取申诉", "适龄人口登记"},
        ),
        (Role.INSPECTOR, {"行政区划", "审计日志", "数据导入", "划片招生测算", "中考录取"}),
        (Role.LEADER, {"数据导入", "接口文档", "我的令牌", "用户与权限"}),
        (Role.SECTION, {"接口文档", "我的令牌", "用户与权限"}),
    ],
)
def test_the_menu_offers_only_what_the_role_can_use(crawl_county, role, absent):
    client = Client()
    client.force_login(crawl_county.users[role])
    labels = {label for label, _url in menu_links(client.get("/").content.decode())}
    assert "修改密码" in labels and "首页" in labels
    assert not labels & absent, f"{role} is offered {labels & absent}"


def test_the_administrator_is_offered_the_api_pages_and_each_menu_page(crawl_county):
    client = Client()
    client.force_login(crawl_county.users[Role.ADMIN])
    labels = {label for label, _url in menu_links(client.get("/").content.decode())}
    assert {"接口文档", "我的令牌", "行政区划", "审计日志", "中考录取", "用户与权限", "数据导入"} <= labels


def test_the_header_names_the_user_once_and_links_to_the_password_page(crawl_county):
    client = Client()
    user = crawl_county.users[Role.SCHOOL]
    user.display_name = "迎宾路小学管理员"
    user.save()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'data-testid="current-user">迎宾路小学管理员</a>' in html
    assert "迎宾路小学管理员 · 学校管理员" not in html


def test_developer_text_is_found_and_product_names_pass():
    from emis.testing_crawl import visible_text

    allowed = ALLOWED_WORDS | {"school_a1"}
    assert english_words("导出 Excel · 学生学籍导入模板.xlsx · 操作人 school_a1 · G421224201803051031", allowed) == []
    assert english_words("预检 · students · 2020 · school · SHA-256", allowed) == ["SHA-256", "school", "students"]
    assert english_words("JUNIOR_STUDENTS · domain-rules 1.1 · c24-e107294", allowed) == [
        "JUNIOR_STUDENTS",
        "c24-e107294",
        "domain-rules",
    ]
    html = "<p>导入</p><details><summary>文件指纹</summary><code>abc digest</code></details><span hidden>x y</span>"
    assert english_words(visible_text(f"<html><body>{html}</body></html>")) == []


class _DjangoTables2Cell:
    """django-tables2's own way to a cell (BoundRow.get_cell), in place of emis.core.tables.CellDrawer."""

    def __init__(self, bound_column):
        self.bound_column = bound_column

    def draw(self, row):
        return row.get_cell(self.bound_column.name)


def test_every_list_draws_its_cells_as_django_tables2_draws_them(crawl_county, monkeypatch):
    """The `table_rows` tag draws each cell through CellDrawer, which works out once per column what django-tables2
    works out for every cell. Every list of the administrator's menu, and the tables on each list's first record, with
    records in them: the rows are the same, character for character, as those django-tables2's get_cell draws."""
    import re

    from emis.core.templatetags import emis as emis_tags

    def bodies(response) -> list[str]:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        return re.findall(r"<tbody[^>]*>.*?</tbody>", html, re.S)

    client = Client()
    client.force_login(crawl_county.users[Role.ADMIN])
    queue = [(url, True) for _label, url in menu_links(client.get("/").content.decode())]
    tables_seen = rows_seen = 0
    for url, is_menu in queue:
        drawn = client.get(url)
        if "html" not in drawn.get("Content-Type", ""):
            continue
        ours = bodies(drawn)
        if not ours:
            continue
        with monkeypatch.context() as patch:
            patch.setattr(emis_tags, "CellDrawer", _DjangoTables2Cell)
            assert ours == bodies(client.get(url)), url
        tables_seen += len(ours)
        rows_seen += sum(body.count("<tr") for body in ours)
        record = first_record(drawn.content.decode(), url) if is_menu else None
        if record:
            queue.append((record, False))
    assert tables_seen > 20 and rows_seen > 100, (tables_seen, rows_seen)
