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


# Surnames read differently from the same character in a word (单 shàn, not dān; 曾 zēng, not céng): the first
# character of a name, when it is one of these, takes this reading in the sort key.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "黑": "he",
    "种": "chong",
    "秘": "bi",
    "尉": "yu",
}
PINYIN_KEY_LENGTH = 255


@lru_cache(maxsize=65536)
def _reading(character: str) -> str:
    if character.isascii():
        return character.lower()
    parts = lazy_pinyin(character, errors="default")
    return parts[0].lower() if parts else character


@lru_cache(maxsize=262144)
def pinyin_key(text: str) -> str:
    """The sort and full-pinyin search key of a name: its syllables in lower case, one space between them
    (张三丰 -> "zhang san feng", 单田芳 -> "shan tian fang").

    The space sorts before every letter, so names sort syllable by syllable as in a dictionary (李玉 "li yu" before
    刘洋 "liu yang"), the same on every database (plain byte order of ASCII text: no collation involved). Latin
    letters and digits stay together as one part ("李A1" -> "li a1"). Search compares the key without its spaces.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if _holds_phrase(text):
        parts = [part.lower() for part in lazy_pinyin(text, errors="default")]
    else:
        parts, run = [], ""
        for character in text:
            if character.isascii() and character.isalnum():
                run += character.lower()
                continue
            if run:
                parts.append(run)
                run = ""
            if not character.isspace():
                parts.append(_reading(character))
        if run:
            parts.append(run)
    if text[0] in SURNAME_READINGS and parts:
        parts[0] = SURNAME_READINGS[text[0]]
    return " ".join(part for part in parts if part.strip())[:PINYIN_KEY_LENGTH]
