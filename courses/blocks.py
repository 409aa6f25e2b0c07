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


class AnchorBlock(blocks.CharBlock):
    """A link target: structure, not text. wagtail-localize neither extracts it for translation
    nor lets a translator change it; translations keep the source's value (the quiz links to it)."""

    def get_translatable_segments(self, value):
        return []

    def restore_translated_segments(self, value, segments):
        return value


class TranslatableTypedTableBlock(TypedTableBlock):
    """TypedTableBlock whose caption, headings and cells wagtail-localize can translate.

    wagtail-localize 1.14 knows nothing of TypedTableBlock (not a StructBlock): without this the
    table would silently stay in the source language in every translation.
    Segment paths: ``caption``, ``heading.<col>``, ``cell.<row>.<col>``.
    """

    def get_translatable_segments(self, table):
        from wagtail_localize.segments import StringSegmentValue
        from wagtail_localize.segments.extract import StreamFieldSegmentExtractor

        extractor = StreamFieldSegmentExtractor(None)
        segments = []
        if table.caption:
            segments.append(StringSegmentValue("caption", table.caption))
        for c, column in enumerate(table.columns):
            if column["heading"]:
                segments.append(StringSegmentValue("", column["heading"]).wrap(str(c)).wrap("heading"))
        for r, row in enumerate(table.row_data):
            for c, (column, value) in enumerate(zip(table.columns, row["values"], strict=False)):
                for segment in extractor.handle_block(column["block"], value):
                    segments.append(segment.wrap(str(c)).wrap(str(r)).wrap("cell"))
        return segments

    def restore_translated_segments(self, table, segments):
        from collections import defaultdict

        from wagtail_localize.segments.ingest import StreamFieldSegmentsWriter

        writer = StreamFieldSegmentsWriter(None, None, None)
        cells = defaultdict(list)
        for segment in segments:
            head, rest = segment.unwrap()
            if head == "caption":
                table.caption = segment.render_text()
            elif head == "heading":
                c, rest = rest.unwrap()
                table.columns[int(c)]["heading"] = rest.render_text()
            elif head == "cell":
                r, rest = rest.unwrap()
                c, rest = rest.unwrap()
                cells[(int(r), int(c))].append(rest)
        for (r, c), cell_segments in cells.items():
            block = table.columns[c]["block"]
            values = table.row_data[r]["values"]
            values[c] = writer.handle_block(block, values[c], cell_segments)
        return table


class KeyMessageBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)
    anchor = AnchorBlock(
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
    anchor = AnchorBlock(
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
    table = TranslatableTypedTableBlock(
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
