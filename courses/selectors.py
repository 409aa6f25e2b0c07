"""Read-only questions about programmes and a learner's progress through them."""

import html
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import get_language, gettext
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import DraftStateMixin, Locale, Page, WorkflowState

from .models import ContentChange, LessonOpened, LessonPage, LessonProgress, ProgrammePage

WORDS_PER_MINUTE = 200
_WORD = re.compile(r"\w+(?:['’‐-]\w+)*")


@dataclass(frozen=True)
class ProgrammeProgress:
    """``lessons`` are shown in the page's language; ``required_keys`` are what counts.

    Every published lesson of the default-language version is required, whatever
    language the learner reads in, so a thinner translation cannot unlock the quiz early.
    """

    lessons: list
    read_keys: frozenset = field(default_factory=frozenset)
    required_keys: frozenset = field(default_factory=frozenset)
    changed_keys: frozenset = field(default_factory=frozenset)

    @property
    def total(self) -> int:
        return len(self.required_keys)

    @property
    def read_count(self) -> int:
        return len(self.required_keys & self.read_keys)

    @property
    def percent(self) -> int:
        return round(100 * self.read_count / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.read_count == self.total

    @property
    def started(self) -> bool:
        return self.read_count > 0

    @property
    def next_lesson(self):
        """The first lesson, in order, not yet read: where to continue."""
        return next((lesson for lesson in self.lessons if lesson.translation_key not in self.read_keys), None)

    def is_read(self, lesson) -> bool:
        return lesson.translation_key in self.read_keys

    def is_changed(self, lesson) -> bool:
        """Read once, but materially changed since: to be read again."""
        return lesson.translation_key in self.changed_keys

    def state(self, lesson) -> str:
        """For this learner: read, changed (read before its last material change) or unread."""
        if self.is_changed(lesson):
            return "changed"
        return "read" if self.is_read(lesson) else "unread"

    def completed_by(self, lesson) -> bool:
        """Reading ``lesson`` now would make the programme complete, and it is not complete yet."""
        return (
            not self.complete
            and self.total > 0
            and self.required_keys <= self.read_keys | {lesson.translation_key}
        )

    @cached_property
    def entries(self) -> list["LessonEntry"]:
        """The lessons in order with their number, reading time and read state (no query)."""
        return [
            LessonEntry(
                lesson=lesson, number=n, minutes=reading_minutes(lesson=lesson), state=self.state(lesson)
            )
            for n, lesson in enumerate(self.lessons, start=1)
        ]

    @property
    def total_minutes(self) -> int:
        """The whole programme's reading time: the sum of its lessons' (as shown beside each)."""
        return sum(entry.minutes for entry in self.entries)


@dataclass(frozen=True)
class LessonEntry:
    lesson: LessonPage
    number: int
    minutes: int
    state: str


def _block_texts(block_type: str, value) -> list[str]:
    """The words a reader reads in one block of a lesson body (raw StreamField data)."""
    if block_type == "text":
        return [value]
    if block_type == "key_message":
        return [value.get("heading", ""), value.get("text", "")]
    if block_type == "checklist":
        items = [item.get("value", "") if isinstance(item, dict) else item for item in value.get("items", [])]
        return [value.get("heading", ""), *items]
    if block_type == "table":
        texts = [value.get("caption") or ""]
        texts += [column.get("heading") or "" for column in value.get("columns", [])]
        for row in value.get("rows", []):
            texts += [cell if isinstance(cell, str) else "" for cell in row.get("values", [])]
        return texts
    if block_type == "citation":
        return [value.get(key) or "" for key in ("source_title", "sender", "authority", "section")]
    return []  # images: nothing to read


def lesson_word_count(*, lesson: LessonPage) -> int:
    """Words in the lesson's introduction and body (tags stripped; images and link targets ignored)."""
    texts = [lesson.intro or ""]
    for block in lesson.body.raw_data:
        texts += _block_texts(block.get("type"), block.get("value"))
    return sum(len(_WORD.findall(html.unescape(strip_tags(text)))) for text in texts if text)


def reading_minutes(*, lesson: LessonPage) -> int:
    """Estimated time to read a lesson: ~200 words a minute, rounded up, at least one minute.

    Reads the body already loaded with the page: no query.
    """
    return max(1, math.ceil(lesson_word_count(lesson=lesson) / WORDS_PER_MINUTE))


def programme_lessons(*, programme: ProgrammePage) -> list:
    """The programme's published lessons in reading order (one query)."""
    return list(LessonPage.objects.child_of(programme).live().order_by("path"))


def lesson_reading(*, user, programme_key) -> tuple[frozenset, frozenset]:
    """(lessons read, lessons read before a material change to them): two queries.

    A lesson counts as read only when it was read after its last published material change.
    """
    if not user.is_authenticated:
        return frozenset(), frozenset()
    read_at = dict(
        LessonProgress.objects.filter(user=user, programme_key=programme_key).values_list(
            "lesson_key", "read_at"
        )
    )
    if not read_at:
        return frozenset(), frozenset()
    changed_at = material_lesson_changes(programme_key=programme_key)
    changed = frozenset(key for key, at in read_at.items() if key in changed_at and at < changed_at[key])
    return frozenset(read_at) - changed, changed


def material_lesson_changes(*, programme_key) -> dict:
    """{lesson translation key: when its last material change was published}."""
    return dict(
        ContentChange.objects.filter(
            programme_key=programme_key, material=True, published_at__isnull=False, lesson_key__isnull=False
        )
        .values("lesson_key")
        .annotate(at=Max("published_at"))
        .values_list("lesson_key", "at")
    )


def first_material_change_after(*, programme_key, version: int):
    """The first published material change that raised the content version above ``version``."""
    return (
        ContentChange.objects.filter(
            programme_key=programme_key,
            material=True,
            published_at__isnull=False,
            content_version__gt=version,
        )
        .order_by("content_version")
        .first()
    )


@dataclass(frozen=True)
class ContentApproval:
    """The content version (raised by each published material change) and when the programme's
    content was last approved: published, which editors do through the Medical review workflow."""

    version: int
    approved_at: datetime | None


def programme_content_approval(*, programme: ProgrammePage, lessons=None) -> ContentApproval:
    """Version and last approval of the programme's content: one query.

    Last approval is the latest publication of the programme page or one of its live lessons in
    this language, or of any declared change to the programme's content (other languages and
    quiz questions included).
    """
    lessons = programme_lessons(programme=programme) if lessons is None else lessons
    found = ContentChange.objects.filter(
        programme_key=programme.translation_key, published_at__isnull=False
    ).aggregate(
        version=Max("content_version", filter=Q(material=True)),
        declared=Max("published_at"),
    )
    moments = [
        programme.last_published_at,
        found["declared"],
        *(lesson.last_published_at for lesson in lessons),
    ]
    moments = [moment for moment in moments if moment is not None]
    return ContentApproval(version=found["version"] or 1, approved_at=max(moments) if moments else None)


def lesson_was_opened(*, user, lesson: LessonPage) -> bool:
    """Has the server delivered this lesson (in any of its languages) to this user since its last
    published material change? A lesson marked *Changed: read again* counts as delivered only
    once it was opened again."""
    changed_since = ContentChange.objects.filter(
        lesson_key=lesson.translation_key,
        material=True,
        published_at__isnull=False,
        published_at__gt=OuterRef("last_opened_at"),
    )
    return (
        LessonOpened.objects.filter(user=user, lesson_key=lesson.translation_key)
        .exclude(Exists(changed_since))
        .exists()
    )


def programme_content_version(*, programme_key) -> int:
    """1 for the content as first published, plus one for every material change published since."""
    latest = ContentChange.objects.filter(
        programme_key=programme_key, material=True, published_at__isnull=False
    ).aggregate(v=Max("content_version"))["v"]
    return latest or 1


def required_lesson_keys(*, programme: ProgrammePage, lessons=None) -> frozenset:
    """Translation keys of the lessons a learner of this language version must read.

    Those published both in this version and in the default-language version: a lesson whose
    translation is not published yet is neither shown nor required in that language, and a
    lesson withdrawn from the source is not required in any language.
    """
    lessons = programme_lessons(programme=programme) if lessons is None else lessons
    own = frozenset(lesson.translation_key for lesson in lessons)
    source = programme_in_default_locale(programme=programme)
    if source.pk == programme.pk:
        return own
    source_keys = LessonPage.objects.child_of(source).live().values_list("translation_key", flat=True)
    return own & frozenset(source_keys)


def programme_progress(*, user, programme: ProgrammePage) -> ProgrammeProgress:
    """How far the user has read in this programme; a fixed number of queries whatever the lessons."""
    lessons = programme_lessons(programme=programme)
    read, changed = lesson_reading(user=user, programme_key=programme.translation_key)
    return ProgrammeProgress(
        lessons=lessons,
        read_keys=read,
        required_keys=required_lesson_keys(programme=programme, lessons=lessons),
        changed_keys=changed,
    )


@dataclass(frozen=True)
class LessonPosition:
    programme: ProgrammePage
    progress: ProgrammeProgress
    index: int

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def previous(self):
        return self.progress.lessons[self.index - 1] if self.index > 0 else None

    @property
    def next(self):
        lessons = self.progress.lessons
        return lessons[self.index + 1] if self.index + 1 < len(lessons) else None

    @property
    def is_read(self) -> bool:
        return self.progress.is_read(self.progress.lessons[self.index])

    @property
    def is_changed(self) -> bool:
        """Read before its last material change: to be read again."""
        return self.progress.is_changed(self.progress.lessons[self.index])


def lesson_position(*, user, lesson: LessonPage) -> LessonPosition | None:
    """Where the lesson stands in its programme; None for a draft (e.g. in the editor's preview)."""
    programme = ProgrammePage.objects.parent_of(lesson).first()
    if programme is None:
        return None
    progress = programme_progress(user=user, programme=programme)
    index = next((i for i, item in enumerate(progress.lessons) if item.pk == lesson.pk), None)
    if index is None:
        return None
    return LessonPosition(programme=programme, progress=progress, index=index)


def programme_for_slug(*, slug: str, locale) -> ProgrammePage | None:
    return ProgrammePage.objects.live().filter(slug=slug, locale=locale).first()


# Slug -> translation key of every live programme in the default language, kept in the shared
# cache: the status API asks on every call, and the answer changes only when a programme is
# published, unpublished, moved or deleted (``courses.receivers`` forgets it then; at worst an
# entry lives this long).
_PROGRAMME_KEYS = "courses:live-programme-keys"
_PROGRAMME_KEYS_SECONDS = 30


def programme_key_for_slug(*, slug: str):
    """The translation key of the live programme with this slug in the default language (the one
    whose address other systems use), or None: one cache read, no page object (the status API)."""
    keys = cache.get(_PROGRAMME_KEYS)
    if keys is None or slug not in keys:  # a slug not known yet may be a programme just published
        keys = dict(
            ProgrammePage.objects.live()
            .filter(locale__language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
            .values_list("slug", "translation_key")
        )
        cache.set(_PROGRAMME_KEYS, keys, _PROGRAMME_KEYS_SECONDS)
    return keys.get(slug)


def programme_keys_forget() -> None:
    """A programme went live, off line, moved or was deleted: read the keys afresh once this
    transaction commits (not before, or a reader could cache what is about to change)."""
    transaction.on_commit(lambda: cache.delete(_PROGRAMME_KEYS))


def programme_in_language(*, programme: ProgrammePage, language_code: str) -> ProgrammePage:
    """The programme's live version in ``language_code``, else the programme as given."""
    if programme.locale.language_code == language_code:
        return programme
    locale = Locale.objects.filter(language_code=language_code).first()
    translated = programme.get_translation_or_none(locale) if locale else None
    return translated if translated is not None and translated.live else programme


def programme_title_in_language(*, key_field: str, language_code: str | None = None):
    """For annotating rows that point at a programme by its translation key (``key_field``): the
    title of its live version in ``language_code`` (default: the active language), or None.
    Registers read in English show English titles for Norwegian holders, and the reverse."""
    code = get_supported_content_language_variant(language_code or get_language())
    titles = ProgrammePage.objects.live().filter(
        translation_key=OuterRef(key_field), locale__language_code=code
    )
    return Subquery(titles.values("title")[:1])


def programme_title_for_reader(programme: ProgrammePage) -> str:
    """The programme's title in the active language (its live translation), else as given."""
    code = get_supported_content_language_variant(get_language())
    return programme_in_language(programme=programme, language_code=code).title


def programme_in_default_locale(*, programme: ProgrammePage) -> ProgrammePage:
    """The version whose rules apply to every language (the default locale's)."""
    default = Locale.get_default()
    if programme.locale_id == default.pk:
        return programme
    return programme.get_translation_or_none(default) or programme


def change_scope(*, obj) -> tuple:
    """(programme translation key, lesson translation key or None) of a changed programme, lesson
    or other programme content (such as a quiz question, which says its ``programme_key``)."""
    if isinstance(obj, LessonPage):
        programme = ProgrammePage.objects.parent_of(obj).first()
        return programme.translation_key, obj.translation_key
    if isinstance(obj, ProgrammePage):
        return obj.translation_key, None
    return obj.programme_key, None


def declared_revision(*, obj, publishing: bool):
    """The revision an admin action just sent for review (or published), and whether it is live.

    (None, False) when the action did not happen (e.g. the user may not publish).
    """
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    if publishing:
        revision = fresh.get_latest_revision()
        if revision is None:
            return None, False
        live = fresh.live_revision_id == revision.pk
        return (revision, live) if live or revision.approved_go_live_at else (None, False)
    state = fresh.current_workflow_state
    if state is None or state.status != WorkflowState.STATUS_IN_PROGRESS or state.current_task_state is None:
        return None, False
    return state.current_task_state.revision, False


def programmes_progress(*, user, programmes) -> list[tuple[ProgrammePage, ProgrammeProgress]]:
    """``programme_progress`` for several programmes at once (the home page): the same number of
    queries for one programme or twenty."""
    programmes = list(programmes)
    if not programmes:
        return []
    by_parent: dict[str, list] = {programme.path: [] for programme in programmes}
    depths = Q()
    for programme in programmes:
        depths |= Q(path__startswith=programme.path, depth=programme.depth + 1)
    for lesson in LessonPage.objects.live().filter(depths).order_by("path"):
        by_parent[lesson.path[: -LessonPage.steplen]].append(lesson)

    # What counts is the default-language version's lessons (see ``required_lesson_keys``).
    default = Locale.get_default()
    required = {p.pk: frozenset(lesson.translation_key for lesson in by_parent[p.path]) for p in programmes}
    translated = [p for p in programmes if p.locale_id != default.pk]
    if translated:
        sources = list(
            ProgrammePage.objects.filter(
                translation_key__in=[p.translation_key for p in translated], locale=default
            ).only("path", "depth", "translation_key")
        )
        source_lessons: dict[str, set] = {source.path: set() for source in sources}
        if sources:
            depths = Q()
            for source in sources:
                depths |= Q(path__startswith=source.path, depth=source.depth + 1)
            for path, key in LessonPage.objects.live().filter(depths).values_list("path", "translation_key"):
                source_lessons[path[: -LessonPage.steplen]].add(key)
        by_key = {source.translation_key: frozenset(source_lessons[source.path]) for source in sources}
        for programme in translated:
            required[programme.pk] = by_key.get(programme.translation_key, required[programme.pk])

    keys = {programme.translation_key for programme in programmes}
    read_at: dict = {key: {} for key in keys}
    if user.is_authenticated:
        for programme_key, lesson_key, at in LessonProgress.objects.filter(
            user=user, programme_key__in=keys
        ).values_list("programme_key", "lesson_key", "read_at"):
            read_at[programme_key][lesson_key] = at
    changed_at: dict = {key: {} for key in keys}
    if any(read_at.values()):
        for programme_key, lesson_key, at in (
            ContentChange.objects.filter(
                programme_key__in=keys, material=True, published_at__isnull=False, lesson_key__isnull=False
            )
            .values("programme_key", "lesson_key")
            .annotate(at=Max("published_at"))
            .values_list("programme_key", "lesson_key", "at")
        ):
            changed_at[programme_key][lesson_key] = at

    result = []
    for programme in programmes:
        reads, changes = read_at[programme.translation_key], changed_at[programme.translation_key]
        changed = frozenset(key for key, at in reads.items() if key in changes and at < changes[key])
        progress = ProgrammeProgress(
            lessons=by_parent[programme.path],
            read_keys=frozenset(reads) - changed,
            required_keys=required[programme.pk],
            changed_keys=changed,
        )
        result.append((programme, progress))
    return result


@dataclass(frozen=True)
class NextStep:
    """What a prescriber should do next in a programme, with the lesson to open if any.

    ``start`` / ``continue`` (read on), ``quiz``, ``renew_reading`` / ``renew_quiz`` (renewing an
    attestation: changed lessons first, then the quiz), ``attestation`` (valid: download it),
    ``confirm_identity`` (issued, but the HPR number is not confirmed), ``contact`` (revoked), or
    ``none`` (nothing published to read yet).
    """

    code: str
    lesson: LessonPage | None = None


def programme_next_step(
    *, progress: ProgrammeProgress, attestation: str, renewal_open: bool = False
) -> NextStep:
    """The next step from the reading progress and the attestation status code that certificates
    gives (``valid``, ``identity_unverified``, ``expired``, ``revoked``, ``renewal_required`` or
    ``none``). ``renewal_open``: an attestation still in force may be renewed now (a material
    change asks for it, or its end date is near)."""
    in_force = attestation in ("valid", "identity_unverified")
    if attestation == "revoked":
        return NextStep("contact")
    if in_force and not renewal_open:
        return NextStep("attestation" if attestation == "valid" else "confirm_identity")
    renewing = in_force or attestation in ("expired", "renewal_required")
    if not progress.complete:
        lesson = progress.next_lesson
        if lesson is None:
            return NextStep("none")
        if renewing:
            return NextStep("renew_reading", lesson)
        return NextStep("continue" if progress.started else "start", lesson)
    return NextStep("renew_quiz" if renewing else "quiz")


@dataclass(frozen=True)
class ReviewDue:
    """A programme Medical affairs must check against its sources: ``days_left`` until its review
    date (negative when overdue, 0 when due today), ``None`` when no review date is set."""

    programme: ProgrammePage
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0


def programmes_due_for_review(*, today: date | None = None, within_days: int = 30) -> list[ReviewDue]:
    """Default-language programmes, live or not, whose review date has passed or falls within
    ``within_days`` of ``today``, or that have none: the most overdue first, those without a date last."""
    today = today or timezone.localdate()
    pages = (
        ProgrammePage.objects.filter(locale=Locale.get_default())
        .filter(Q(review_due__isnull=True) | Q(review_due__lte=today + timedelta(days=within_days)))
        .order_by(F("review_due").asc(nulls_last=True), "path")
    )
    return [ReviewDue(page, (page.review_due - today).days if page.review_due else None) for page in pages]


def content_retirable(model) -> bool:
    """Content with drafts and an ``active`` flag (a quiz question): withdrawing it also retires it."""
    return (
        issubclass(model, DraftStateMixin)
        and not issubclass(model, Page)
        and any(field.name == "active" for field in model._meta.concrete_fields)
    )


def content_withdrawable(model) -> bool:
    """Lessons and retirable content (quiz questions) can be withdrawn urgently; programmes cannot."""
    return issubclass(model, LessonPage) or content_retirable(model)


def content_withdraw_refusal(*, obj) -> str | None:
    """Why ``obj`` cannot be withdrawn urgently, or None when it can (a live lesson or question)."""
    if not content_withdrawable(type(obj)):
        return gettext("Only a lesson or a quiz question can be withdrawn urgently, not a whole programme.")
    if not obj.live:
        return gettext("It is not live: learners do not see it, so there is nothing to withdraw.")
    return None


def content_live_versions(*, obj):
    """The live language versions of a lesson or question, ``obj`` among them when it is live."""
    return (
        type(obj)
        ._default_manager.filter(translation_key=obj.translation_key, live=True)
        .select_related("locale")
        .order_by("locale__language_code")
    )
