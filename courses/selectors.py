"""Read-only questions about programmes and a learner's progress through them."""

from dataclasses import dataclass, field

from django.db.models import Max
from wagtail.models import Locale, WorkflowState

from .models import ContentChange, LessonPage, LessonProgress, ProgrammePage


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


def programme_content_version(*, programme_key) -> int:
    """1 for the content as first published, plus one for every material change published since."""
    latest = ContentChange.objects.filter(
        programme_key=programme_key, material=True, published_at__isnull=False
    ).aggregate(v=Max("content_version"))["v"]
    return latest or 1


def required_lesson_keys(*, programme: ProgrammePage, lessons=None) -> frozenset:
    """Translation keys of the default-language version's published lessons."""
    source = programme_in_default_locale(programme=programme)
    if source.pk == programme.pk and lessons is not None:
        return frozenset(lesson.translation_key for lesson in lessons)
    return frozenset(LessonPage.objects.child_of(source).live().values_list("translation_key", flat=True))


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


def programme_in_language(*, programme: ProgrammePage, language_code: str) -> ProgrammePage:
    """The programme's live version in ``language_code``, else the programme as given."""
    if programme.locale.language_code == language_code:
        return programme
    locale = Locale.objects.filter(language_code=language_code).first()
    translated = programme.get_translation_or_none(locale) if locale else None
    return translated if translated is not None and translated.live else programme


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
