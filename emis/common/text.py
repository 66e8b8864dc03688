"""Text helpers: pinyin search keys for Chinese person names."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT


@lru_cache(maxsize=65536)
def _initial(character: str) -> str:
    if character.isascii():
        return character.lower()
    parts = lazy_pinyin(character, style=Style.FIRST_LETTER, errors="default")
    return parts[0][:1].lower() if parts and parts[0] else ""


def _holds_phrase(text: str) -> bool:
    n = len(text)
    return any(text[i:j] in PHRASES_DICT for i in range(n) for j in range(i + 2, n + 1))


@lru_cache(maxsize=262144)
def pinyin_initials(text: str) -> str:
    """张三丰 -> zsf; latin letters and digits pass through in lower case ("李A1" -> "la1").

    A name none of whose substrings is a pypinyin phrase is read character by character (what pypinyin
    itself does then), from a per-character cache; imports and the demo loader key a million names so.
    """
    if not text:
        return ""
    if _holds_phrase(text):
        return "".join(
            part[:1].lower() if not part.isascii() or len(part) == 1 else part.lower()
            for part in _phrase_initials(text)
        )
    return "".join(_initial(character) for character in text)


def _phrase_initials(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")


def pinyin_full(text: str) -> str:
    """张三丰 -> zhangsanfeng."""
    if not text:
        return ""
    return "".join(lazy_pinyin(text, errors="default")).lower()
