from hypothesis import given
from hypothesis import strategies as st

from dangvien.core.text import clean_name, search_key, sort_key


def test_search_key_drops_accents_and_d_stroke():
    assert search_key("Nguyễn Văn Đức") == "nguyen van duc"
    assert search_key("  ĐẶNG   thị  Hương ") == "dang thi huong"


def test_search_key_is_the_same_for_nfc_and_nfd():
    import unicodedata

    name = "Trần Thị Thủy"
    assert search_key(unicodedata.normalize("NFD", name)) == search_key(name)


def test_names_sort_by_given_name_then_middle_then_family():
    names = ["Nguyễn Văn Bình", "Trần Thị An", "Lê Văn An", "Phạm Đức Anh", "Đỗ Thị Ánh"]
    ordered = sorted(names, key=sort_key)
    assert ordered == ["Trần Thị An", "Lê Văn An", "Phạm Đức Anh", "Đỗ Thị Ánh", "Nguyễn Văn Bình"]


def test_vietnamese_letters_sort_after_their_base_letters():
    # a < ă < â, d < đ, o < ô < ơ, u < ư; tone only breaks ties.
    given = ["Ơn", "Ôn", "On", "Đạt", "Dũng", "Ưng", "Uyên", "Ân", "Ăn", "An"]
    ordered = sorted((f"X {g}" for g in given), key=sort_key)
    assert [n.split()[1] for n in ordered] == [
        "An",
        "Ăn",
        "Ân",
        "Dũng",
        "Đạt",
        "On",
        "Ôn",
        "Ơn",
        "Uyên",
        "Ưng",
    ]


def test_tones_order_level_grave_hook_tilde_acute_dot():
    given = ["Mạ", "Má", "Mã", "Mả", "Mà", "Ma"]
    ordered = sorted((f"X {g}" for g in given), key=sort_key)
    assert [n.split()[1] for n in ordered] == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáạảãèéẹẻẽ ", max_size=30))
def test_clean_name_is_idempotent_and_search_key_has_no_accents(text):
    assert clean_name(clean_name(text)) == clean_name(text)
    assert search_key(text).isascii()
