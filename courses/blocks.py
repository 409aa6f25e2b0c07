from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "ol", "ul", "link"]


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
