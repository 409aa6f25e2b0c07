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

INVISIBLE_CHARACTERS_MESSAGE = _(
    "Remove the invisible control or text-direction characters: they can make the text look "
    "different from what it is. Type or paste it again as plain text."
)


def refused_characters(value: str) -> list[str]:
    """The control (C0, DEL, C1) and bidirectional-control characters in ``value``, in order."""
    return [c for c in value or "" if unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS]


def validate_visible_text(value: str) -> None:
    """Refuse control and bidirectional-control characters (see the module's docstring)."""
    if refused_characters(value):
        raise ValidationError(INVISIBLE_CHARACTERS_MESSAGE, code="invisible_characters")
