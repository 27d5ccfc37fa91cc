"""Pinyin initials of names (members' and organisations' search keys): the fast path over
runs of characters gives exactly what pypinyin's full conversion gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from zhtj_tui.domain.pinyin import _char_initial, _initials, forget, initials, stored_initials

#: Common and heteronym characters, phrases (重庆, 银行, 长沙), digits, Latin letters, spaces,
#: punctuation, a CJK character outside the basic block and 〇 (Chinese to pypinyin).
_ALPHABET = list("临床医学专业级班团支部计算机学院委员会张王李赵钱长重行乐银单解仇朴曾石河子大中国人民庆沙") + list(
    "0123456789abcXYZ -()（）。·\t") + ["〇", "\u3400", "\u9fa5", "𠀀", "Ω", "é"]


@settings(max_examples=examples(400), deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), min_size=1, max_size=14))
def test_initials_match_the_full_conversion(text):
    assert initials(text) == _initials(text)


def test_stored_initials_are_cut_to_the_column_and_never_empty():
    assert initials("临床医学专业2026级1班团支部") == "lcyxzy2j1btzb"  # a run of digits: one letter
    assert initials("MBA中心团支部") == "mzxtzb" and initials("重庆银行") == "cqyh"
    assert stored_initials("计算机学院团委", 3) == "jsj"
    assert stored_initials("", 30) == "-"


def test_every_character_alone_has_the_initial_of_the_full_conversion():
    # The initial of each character pypinyin knows in the blocks a name is written in, read
    # from its dictionaries directly, is what the full conversion of that character gives.
    from pypinyin.pinyin_dict import pinyin_dict

    chars = [chr(c) for c in range(0x3400, 0xA000) if c in pinyin_dict]
    assert len(chars) > 20_000
    forget()
    wrong = [(ch, _char_initial(ch), _initials(ch)) for ch in chars if _char_initial(ch) != _initials(ch)]
    assert wrong == []
    assert _char_initial("〇") is None and _char_initial("a") is None and _char_initial("\u4dc0") is None


def test_names_holding_a_word_of_the_phrase_dictionary_read_as_the_full_conversion():
    # 张文华, 陈海燕: a name holding a word of pypinyin's phrase dictionary is cut by
    # pypinyin's segmenter and read from the word's entry. Every eighth word of the
    # dictionary, alone and inside names as rosters write them, reads as the full conversion.
    from pypinyin.constants import PHRASES_DICT

    words = [w for w in PHRASES_DICT if all("\u3400" <= c <= "\u9fff" for c in w)][::8]
    assert len(words) > 5_000
    forget()
    wrong = []
    for w in words:
        for text in (w, "张" + w, "欧阳" + w + "伟", "热依拉·" + w + "2"):
            initials.cache_clear()
            if initials(text) != _initials(text):
                wrong.append((text, initials(text), _initials(text)))
    assert wrong == []
    assert initials("张文华") == "zwh" and initials("陈海燕") == "chy"
