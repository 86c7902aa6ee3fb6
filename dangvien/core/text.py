"""Vietnamese text: accent-insensitive search keys and Vietnamese-style name sorting."""

import unicodedata

# Vietnamese alphabet order; f, j, w, z appear in foreign names and sort as in Latin.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_PRIMARY = {ch: chr(ord("A") + i) for i, ch in enumerate(_ALPHABET)}
# Traditional tone order: level, grave, hook, tilde, acute, dot below.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_SHAPES = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_SHAPED = {
    ("a", "breve"): "ă",
    ("a", "circumflex"): "â",
    ("e", "circumflex"): "ê",
    ("o", "circumflex"): "ô",
    ("o", "horn"): "ơ",
    ("u", "horn"): "ư",
}


def clean_name(value: str) -> str:
    """NFC, single spaces, no stray whitespace: how names are stored."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def search_key(value: str) -> str:
    """Lower case without accents, đ as d: 'Nguyễn Văn Đức' -> 'nguyen van duc'."""
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def _letters(word: str) -> list[tuple[str, str]]:
    """Split a word into (letter, tone) pairs, letters keeping their Vietnamese shape."""
    out: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.combining(ch):
            if not out:
                continue
            base, tone = out[-1]
            if ch in _TONES:
                out[-1] = (base, _TONES[ch])
            elif ch in _SHAPES:
                out[-1] = (_SHAPED.get((base, _SHAPES[ch]), base), tone)
        else:
            out.append((ch, "0"))
    return out


def _word_key(word: str) -> tuple[str, str]:
    letters = _letters(word)
    primary = "".join(_PRIMARY.get(base, base) for base, _ in letters)
    tones = "".join(tone for _, tone in letters)
    return primary, tones


def name_parts(full_name: str) -> tuple[str, str, str]:
    """(family, middle, given) of a Vietnamese full name."""
    words = clean_name(full_name).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def sort_key(full_name: str) -> str:
    """Key that orders names Vietnamese-style: given name, then middle, then family.

    Letters compare first (a < ă < â < b … d < đ …), tones only to break ties.
    """
    family, middle, given = name_parts(full_name)
    primaries, tones = [], []
    for part in (given, middle, family):
        for word in part.split(" ") if part else []:
            p, t = _word_key(word)
            primaries.append(p)
            tones.append(t)
        primaries.append("")
    return " ".join(primaries) + "!" + "".join(tones)
