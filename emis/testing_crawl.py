"""The crawl's rules (issue 14, items 5 and 8): which pages a role's menu offers, and what counts as developer text on
them. Shared by the test-client crawl of every role (tests/test_crawl.py) and the browser's pass for console errors
and screenshots (tests/browser/test_crawl.py).

A page passes when it answers 200, shows no English word outside ``ALLOWED_WORDS`` (product and format names, units,
the authenticator apps the two-step page names; users' login names are data and are allowed by the tests), and no
select offers "---------" (every filter's unset choice reads 「全部」).
"""

from __future__ import annotations

import re

ALLOWED_WORDS = frozenset(
    {
        "API",
        "Excel",
        "Word",
        "WPS",
        "PDF",
        "CSV",
        "ID",
        "IP",
        "UTF-8",
        "GBK",
        "KB",
        "MB",
        "xlsx",
        "xls",
        "csv",
        "docx",
        "jpg",
        "png",
        "Google",
        "Microsoft",
        "Authenticator",
        "FreeOTP",
    }
)
# A word starts with a letter that follows no letter or digit ("8b1f…", a key's first characters, is no word).
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9_+\-]*(?:\.[A-Za-z0-9]+)*")
# Not words: a 全国学籍号 (G + ID number), a masked ID's X check digit, a two-step secret in base32 shown to be typed.
# A hexadecimal key or request number (a token's first characters, a request's id) is no word either.
NOT_WORDS = (
    re.compile(r"^G\d{6,}[\dX]*$"),
    re.compile(r"^X$"),
    re.compile(r"^[A-Z2-7]{16,}$"),
    re.compile(r"^(?=[0-9a-f]*\d)[0-9a-f]{4,}$"),
)
# The Swagger page is the API's own tool (English by design, offered to the API's roles only, with a way back).
NO_WORD_CHECK = ("/api/",)
EMPTY_CHOICE = "---------"


def english_words(text: str, allowed=ALLOWED_WORDS) -> list[str]:
    """The English words of a page's visible text that are not allowed, each once, sorted."""
    found = set()
    for word in WORD.findall(text):
        bare = word.strip(".-_")
        if "." in bare and bare.rsplit(".", 1)[1] in allowed:
            continue  # a file's name (an upload, a template): data, its type allowed
        if bare in allowed or any(pattern.match(bare) for pattern in NOT_WORDS):
            continue
        found.add(bare)
    return sorted(found)


def visible_text(html: str) -> str:
    """The text a reader sees on a page (lxml, no browser): without scripts, styles, the head, hidden elements and
    the inside of closed <details> (its <summary> stays); every <option> of a select counts (it shows when opened)."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    for element in root.xpath("//script|//style|//template|//noscript|//head|//*[@hidden]|//*[@aria-hidden='true']"):
        element.drop_tree()
    for element in root.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' d-none ')]"):
        element.drop_tree()
    for details in root.xpath("//details[not(@open)]"):
        for child in list(details):
            if child.tag != "summary":
                child.drop_tree()
    return " ".join(root.itertext())


def menu_links(html: str) -> list[tuple[str, str]]:
    """(label, url) of the sidebar's entries, in order."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    return [
        (" ".join(a.text_content().split()), a.get("href")) for a in root.xpath("//*[@id='sidebar-menu']//a[@href]")
    ]


def first_record(html: str, list_url: str) -> str | None:
    """The first link into a record in the page's table (not a sort or page link of the list itself)."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    for href in root.xpath("//table//tbody//a/@href"):
        if href.startswith("/") and not href.startswith(list_url + "?") and href != list_url:
            return href
    return None
