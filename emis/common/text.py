"""Text helpers: pinyin search keys for Chinese person names."""

from functools import lru_cache

# pypinyin (its phrase tables take about a second to load) is imported by the functions that use it, not with
# the models: a process that keys no name, such as `emis admissions solve` on a million applicants, never loads it.


@lru_cache(maxsize=65536)
def _initial(character: str) -> str:
    from pypinyin import Style, lazy_pinyin

    if character.isascii():
        return character.lower()
    parts = lazy_pinyin(character, style=Style.FIRST_LETTER, errors="default")
    return parts[0][:1].lower() if parts and parts[0] else ""


def _holds_phrase(text: str) -> bool:
    from pypinyin.constants import PHRASES_DICT

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
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")


def pinyin_full(text: str) -> str:
    """张三丰 -> zhangsanfeng."""
    from pypinyin import lazy_pinyin

    if not text:
        return ""
    return "".join(lazy_pinyin(text, errors="default")).lower()


# Surnames read differently from the same character in a word (单 shàn, not dān; 曾 zēng, not céng): the first
# character of a name, when it is one of these, takes this reading in the pinyin keys.
SURNAME_READINGS = {
    "单": "shan4",
    "曾": "zeng1",
    "解": "xie4",
    "仇": "qiu2",
    "朴": "piao2",
    "查": "zha1",
    "区": "ou1",
    "盖": "ge3",
    "乐": "yue4",
    "缪": "miao4",
    "覃": "qin2",
    "翟": "zhai2",
    "黑": "he4",
    "种": "chong2",
    "秘": "bi4",
    "尉": "yu4",
}
PINYIN_KEY_LENGTH = 255


@lru_cache(maxsize=65536)
def _reading(character: str) -> str:
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(character, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    return parts[0].lower() if parts else character


def _syllables(text: str) -> list[tuple[str, str]]:
    """(syllable, tone digit) for each character of a name; a run of latin letters or digits is one part with the
    tone "0" (below every tone: "li3 a0" sorts before "li3 an1")."""
    from pypinyin import Style, lazy_pinyin

    latin = "\x00"  # marks a run of latin letters or digits, which has no tone
    if _holds_phrase(text):
        readings = [
            p.lower() if not p.isascii() or p.islower() else latin + p.lower()
            for p in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True)
        ]
    else:
        readings, run = [], ""
        for character in text:
            if character.isascii():
                if character.isalnum():
                    run += character.lower()
                continue
            if run:
                readings.append(latin + run)
                run = ""
            readings.append(_reading(character))
        if run:
            readings.append(latin + run)
    if text[:1] in SURNAME_READINGS and readings:
        readings[0] = SURNAME_READINGS[text[0]]
    parts = []
    for reading in readings:
        plain = "".join(ch for ch in reading if ch.isascii() and ch.isalnum())
        if not plain:
            continue
        if not reading.startswith(latin) and plain[-1] in "12345" and plain[:-1].isalpha():
            parts.append((plain[:-1], plain[-1]))
        else:
            parts.append((plain, "0"))
    return parts


@lru_cache(maxsize=262144)
def pinyin_key(text: str) -> str:
    """A name's full pinyin, the search key of "zhangsan" typed into a search box: 张三丰 -> "zhangsanfeng",
    单田芳 -> "shantianfang" (surnames read as surnames)."""
    text = (text or "").strip()
    return "".join(syllable for syllable, _tone in _syllables(text))[:PINYIN_KEY_LENGTH] if text else ""


@lru_cache(maxsize=262144)
def pinyin_sort_key(text: str) -> str:
    """A name's place in pinyin order, as a dictionary orders it: syllable by syllable, each followed by its tone's
    digit (张三丰 -> "zhang1san1feng1", 李玉 -> "li3yu4", 刘洋 -> "liu2yang2").

    The digit after each syllable sorts before every letter, so 李玉 comes before 刘洋 (the first syllables differ:
    "li" ends where "liu" goes on), and of two same syllables the lower tone comes first (黎 li2 before 李 li3). Only
    lower-case letters and digits: the order is the same under SQLite's byte order and any PostgreSQL collation
    (none ignores letters or digits, as linguistic collations ignore spaces).
    """
    text = (text or "").strip()
    return "".join(syllable + tone for syllable, tone in _syllables(text))[:PINYIN_KEY_LENGTH] if text else ""
