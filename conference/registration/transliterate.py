"""Latin spellings of names in other scripts, as door staff on a Latin keyboard type them.

``latin`` is the one spelling used for both the stored terms and the query (Unidecode:
"Ελένη" becomes "elene", "Юлия" "iuliia"). People type names as they are usually
written in passports and e-mail addresses, though: "Eleni", "Yulia". ``spellings``
adds those for Greek (ELOT 743, the passport standard) and Cyrillic (the common
English spelling), and only the stored terms get them, so a query in either form
meets one of the terms of the person.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

# Greek digraphs first (ELOT 743), then single letters.
_GREEK_PAIRS = {"ου": "ou", "αι": "ai", "ει": "ei", "οι": "oi", "γγ": "ng", "γκ": "gk"}
_GREEK = str.maketrans(
    {
        "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
        "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
        "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
        "ω": "o",
    }
)  # fmt: skip
# Cyrillic endings spelled the usual way ("Дмитрий" Dmitry, "Юлия" Yulia), then letters.
_CYRILLIC_ENDINGS = re.compile(r"(ий|ый|ия)\b")
_CYRILLIC_ENDING_SPELLING = {"ий": "y", "ый": "y", "ия": "ia"}
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g",
    }
)  # fmt: skip
# Letters that Unicode does not decompose into a base letter and an accent.
_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)
_APOSTROPHES = re.compile(r"['’ʼ]")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def latin(text: str) -> str:
    """Lower case, accents dropped, every script in Latin letters: the searched form."""
    # An apostrophe typed in a name separates words ("d'Évora"); one that Unidecode writes
    # for a soft sign ("Ol'ga") does not.
    if text.isascii():  # the same result, without the Unicode work (most emails and names)
        return _APOSTROPHES.sub(" ", text.lower())
    folded = _APOSTROPHES.sub(" ", _strip_accents(text.casefold()).translate(_SPECIAL_LETTERS))
    return _APOSTROPHES.sub("", unidecode(folded).lower())


def _usual_spelling(text: str) -> str:
    """Greek by ELOT 743 and Cyrillic the common way; other letters left as they are."""
    lowered = unicodedata.normalize("NFC", text.casefold())  # й and ё whole, not decomposed
    lowered = _CYRILLIC_ENDINGS.sub(lambda m: _CYRILLIC_ENDING_SPELLING[m.group(1)], lowered)
    lowered = _strip_accents(lowered.translate(_CYRILLIC))
    for pair, spelling in _GREEK_PAIRS.items():
        lowered = lowered.replace(pair, spelling)
    return lowered.translate(_GREEK)


def spellings(text: str) -> set[str]:
    """The Latin forms under which ``text`` is stored: the searched form and the usual one."""
    return {latin(text), latin(_usual_spelling(text))}
