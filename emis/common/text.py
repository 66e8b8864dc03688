"""Text helpers: pinyin search keys for Chinese person names."""

from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """张三丰 -> zsf; latin letters and digits pass through in lower case."""
    if not text:
        return ""
    # FIRST_LETTER gives one letter per Chinese character; runs of other characters come back whole.
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower()


def pinyin_full(text: str) -> str:
    """张三丰 -> zhangsanfeng."""
    if not text:
        return ""
    return "".join(lazy_pinyin(text, errors="default")).lower()
