"""Text that people type about themselves and that others read (names, workplace).

Markup in it is harmless (every page, PDF and export shows it as text); invisible characters are
not: a control character or a right-to-left override makes a name look, in the admin, a register
or an attestation, different from what is stored ("‮ettaM" shows as "Matte"), and makes two
different names look alike. They are refused, with the typed value kept in the form to correct.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that draw
# nothing (zero-width, joiners, variation selectors, fillers, invisible operators, and every
# bidirectional mark, embedding, override and isolate). Python's
# unicodedata has no such property, so the ranges are listed here.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Symbols that draw nothing either, though Unicode does not call them ignorable.
BLANK_CHARACTERS = frozenset("\u2800")  # BRAILLE PATTERN BLANK

INVISIBLE_CHARACTERS_MESSAGE = _(
    "Remove the invisible characters (control, zero-width or text-direction characters): they "
    "can make the text look different from what it is. Type or paste it again as plain text."
)


def _ignorable(character: str) -> bool:
    code = ord(character)
    return any(low <= code <= high for low, high in DEFAULT_IGNORABLE)


def _refused(character: str) -> bool:
    # Cc: C0, DEL and C1 controls. Cf: format characters (zero-width, soft hyphen, every
    # bidirectional control). Cn: unassigned. Zl, Zp: line and paragraph separators.
    return (
        unicodedata.category(character) in ("Cc", "Cf", "Cn", "Zl", "Zp")
        or character in BLANK_CHARACTERS
        or _ignorable(character)
    )


def refused_characters(value: str) -> list[str]:
    """The control, format (zero-width, text-direction) and blank-looking characters in
    ``value``, in order."""
    return [c for c in value or "" if _refused(c)]


def visible_text(value: str) -> str:
    """``value`` without surrounding whitespace, or "" when nothing in it can be seen (only
    spaces and invisible characters): for a reason or a note that must be given, "\u200b" is
    none."""
    text = (value or "").strip()
    return text if any(not c.isspace() and not _refused(c) for c in text) else ""


def validate_visible_text(value: str) -> None:
    """Refuse invisible characters (``refused_characters``; see the module's docstring)."""
    if refused_characters(value):
        raise ValidationError(INVISIBLE_CHARACTERS_MESSAGE, code="invisible_characters")
