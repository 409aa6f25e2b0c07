from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "ol", "ul", "link"]

# Ids the page templates around a lesson body already use: a link target must not repeat them.
RESERVED_ANCHORS = frozenset(
    {"main", "content", "form-errors", "progress-heading", "quiz-heading", "history-heading"}
)
ANCHORED_BLOCKS = ("key_message", "checklist")


class KeyMessageBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)
    anchor = blocks.CharBlock(
        label=_("Link target"),
        max_length=60,
        required=False,
        validators=[validate_slug],
        help_text=_(
            "Short name the quiz links to (letters, digits, hyphens), e.g. “hlh-signs”. "
            "Use the same name in every language version."
        ),
    )

    class Meta:
        icon = "warning"
        label = _("Key message")
        template = "courses/blocks/key_message.html"


class ChecklistBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    items = blocks.ListBlock(blocks.CharBlock(label=_("Item")), label=_("Items"))
    anchor = blocks.CharBlock(
        label=_("Link target"),
        max_length=60,
        required=False,
        validators=[validate_slug],
        help_text=_(
            "Short name the quiz links to (letters, digits, hyphens), e.g. “hlh-signs”. "
            "Use the same name in every language version."
        ),
    )

    class Meta:
        icon = "tasks"
        label = _("What to do")
        template = "courses/blocks/checklist.html"


class CitationBlock(blocks.StructBlock):
    source_title = blocks.CharBlock(label=_("Title of the source"), max_length=300)
    sender = blocks.CharBlock(label=_("Sender"), max_length=200)
    date = blocks.DateBlock(label=_("Date"))
    authority = blocks.CharBlock(label=_("Authority"), max_length=300, required=False)
    section = blocks.CharBlock(label=_("Part of the source"), max_length=300, required=False)

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "courses/blocks/citation.html"


class LessonBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Rich text"), features=RICH_TEXT_FEATURES)
    key_message = KeyMessageBlock()
    checklist = ChecklistBlock()
    table = TypedTableBlock(
        [
            ("text", blocks.CharBlock(label=_("Text"))),
            ("rich_text", blocks.RichTextBlock(label=_("Rich text"), features=["bold", "italic", "link"])),
        ],
        label=_("Table"),
        icon="table",
    )
    image = ImageBlock(label=_("Image"))
    citation = CitationBlock()

    def clean(self, value):
        """Link targets become ids in the page: each may appear once and not clash with the page's own."""
        value = super().clean(value)
        seen = set()
        errors = {}
        for index, child in enumerate(value):
            anchor = child.value.get("anchor") if child.block_type in ANCHORED_BLOCKS else ""
            if not anchor:
                continue
            if anchor in RESERVED_ANCHORS:
                message = _("“%(anchor)s” is used by the page itself: choose another link target.")
            elif anchor in seen:
                message = _("“%(anchor)s” is already the link target of another block in this lesson.")
            else:
                seen.add(anchor)
                continue
            errors[index] = StructBlockValidationError(
                block_errors={"anchor": ValidationError(message % {"anchor": anchor})}
            )
        if errors:
            raise StreamBlockValidationError(block_errors=errors)
        return value


def body_anchors(body) -> set:
    """The link targets (ids) that a lesson body renders."""
    return {
        child.value.get("anchor")
        for child in body
        if child.block_type in ANCHORED_BLOCKS and child.value.get("anchor")
    }
