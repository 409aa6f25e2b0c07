"""Text that people type about themselves and that others read (names, workplace).

Markup in it is harmless (every page, PDF and export shows it as text); invisible characters are
not: a control character or a right-to-left override makes a name look, in the admin, a register
or an attestation, different from what is stored ("‮ettaM" shows as "Matte"), and makes two
different names look alike. They are refused, with the typed value kept in the form to correct.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Bidirectional marks, embeddings, overrides and isolates (Unicode "Bidi_Control", all of them).
BIDI_CONTROLS = frozenset(
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)

# Letters and symbols that draw nothing (Unicode has no property for them): a name of these
# looks blank, or like another name.
BLANK_CHARACTERS = frozenset(
    "\u115f\u1160"  # HANGUL CHOSEONG and JUNGSEONG FILLER
    "\u3164\uffa0"  # HANGUL FILLER, HALFWIDTH HANGUL FILLER
    "\u2800"  # BRAILLE PATTERN BLANK
)

INVISIBLE_CHARACTERS_MESSAGE = _(
    "Remove the invisible characters (control, zero-width or text-direction characters): they "
    "can make the text look different from what it is. Type or paste it again as plain text."
)


def _refused(character: str) -> bool:
    # Cc: C0, DEL and C1 controls. Cf: format characters, the zero-width ones (U+200B to U+200D,
    # U+2060, U+FEFF), the soft hyphen and every bidirectional control among them.
    return unicodedata.category(character) in ("Cc", "Cf") or character in BLANK_CHARACTERS


def refused_characters(value: str) -> list[str]:
    """The control, format (zero-width, text-direction) and blank-looking characters in
    ``value``, in order."""
    return [c for c in value or "" if _refused(c) or c in BIDI_CONTROLS]


def visible_text(value: str) -> str:
    """``value`` without surrounding whitespace, or "" when nothing in it can be seen (only
    spaces and invisible characters): for a reason or a note that must be given, "\u200b" is
    none."""
    text = (value or "").strip()
    return text if any(not c.isspace() and not _refused(c) for c in text) else ""


def validate_visible_text(value: str) -> None:
    """Refuse control and bidirectional-control characters (see the module's docstring)."""
    if refused_characters(value):
        raise ValidationError(INVISIBLE_CHARACTERS_MESSAGE, code="invisible_characters")
