"""Text helpers: pinyin search keys for Chinese person names."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def _initial(character: str) -> str:
    parts = lazy_pinyin(character, style=Style.FIRST_LETTER, errors="default")
    return parts[0][:1].lower() if parts and parts[0] else ""


def pinyin_initials(text: str) -> str:
    """张三丰 -> zsf; latin letters and digits pass through in lower case.

    Names are keyed character by character (cached), which is what imports of a million names need;
    a name's characters are read with their most common reading.
    """
    if not text:
        return ""
    return "".join(_initial(character) if not character.isascii() else character.lower() for character in text)


def pinyin_full(text: str) -> str:
    """张三丰 -> zhangsanfeng."""
    if not text:
        return ""
    return "".join(lazy_pinyin(text, errors="default")).lower()
