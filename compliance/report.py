"""The programme effectiveness report (GVP Module XVI: reach, knowledge, behaviour).

One programme (its default-language ``ProgrammePage``; learner records carry its translation
key) over one period. Each figure picks its records by one date inside the period, and counts
what became of them up to now:

- reach: prescribers who signed up in the period, and whether they have read every lesson the
  programme requires now (read at any time), submitted a quiz attempt and passed; the
  first-attempt pass rate is over those of them who submitted an attempt, from their first one;
- knowledge: the questions of quiz attempts prescribers submitted in the period, as scored in
  each attempt's snapshot;
- behaviour: treatment initiations recorded, and refusals, in the period;
- renewal: material changes published in the period, the attestations each one required to be
  renewed, and how many of those a newer attestation has replaced;
- expiring: valid attestations (``certificates.selectors.with_status_code``) whose end date
  falls within 30 or 90 days of ``today``, whatever the period.

Every figure is counted by the database: the number of queries is the same whatever the
number of prescribers, attempts and attestations.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, FloatField, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone, translation

from certificates import selectors as certificate_selectors
from certificates.models import Attestation, TreatmentInitiation
from courses.models import ContentChange, LessonProgress, ProgrammePage
from courses.selectors import required_lesson_keys
from lms import roles
from lms.models import User
from quizzes.models import Attempt, AttemptQuestion, Question, Topic
from quizzes.selectors import MIN_ANSWERS_FOR_FLAGS

WEAKEST_QUESTIONS = 5
EXPIRY_WINDOWS = (30, 90)


@dataclass(frozen=True)
class Share:
    """``count`` out of ``total``; no percentage when there is nothing to divide by."""

    count: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        """Whole per cent, a half rounded up (1 of 8 is 13 %), in integers: ``round`` would give
        12 % for 1 of 8 but 38 % for 3 of 8."""
        if not self.total:
            return None
        return (200 * self.count + self.total) // (2 * self.total)


@dataclass(frozen=True)
class Reach:
    registered: int
    read_all: int
    attempted: int
    passed: int
    first_attempt_passed: int
    required_lessons: int

    @property
    def first_attempt_pass_rate(self) -> Share:
        return Share(self.first_attempt_passed, self.attempted)


@dataclass(frozen=True)
class TopicKnowledge:
    topic_key: object
    name: str
    correct: Share


@dataclass(frozen=True)
class QuestionKnowledge:
    question_key: object
    topic_name: str
    text: str
    correct: Share

    @property
    def few_answers(self) -> bool:
        """Too few answers for the share to mean much (the item statistics' threshold)."""
        return self.correct.total < MIN_ANSWERS_FOR_FLAGS


@dataclass(frozen=True)
class Behaviour:
    recorded: int
    refused: int
    refused_by_status: dict  # attestation status code at the time -> count

    @property
    def total(self) -> int:
        return self.recorded + self.refused


@dataclass(frozen=True)
class Renewal:
    change_id: int
    object_title: str
    summary: str
    published_at: datetime.datetime
    content_version: int | None
    required: int
    renewed: int
    renewed_in_time: int
    median_days: float | None

    @property
    def renewed_share(self) -> Share:
        return Share(self.renewed, self.required)


@dataclass(frozen=True)
class EffectivenessReport:
    programme: ProgrammePage
    date_from: datetime.date
    date_to: datetime.date
    today: datetime.date
    reach: Reach
    topics: list[TopicKnowledge]
    weakest: list[QuestionKnowledge]
    answers: int
    behaviour: Behaviour
    expiring: dict  # days -> count of valid attestations ending within that many days
    renewals: list[Renewal]


def period_bounds(
    *, date_from: datetime.date, date_to: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as aware datetimes: from the start of ``date_from`` to the end of ``date_to``
    (exclusive upper bound), in the project's time zone."""
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


def effectiveness_report(
    *, programme: ProgrammePage, date_from: datetime.date, date_to: datetime.date, today=None, language=None
) -> EffectivenessReport:
    """The report for ``programme`` (default-language page) over ``date_from``–``date_to``
    (both inclusive). ``today`` (default: the local date) is the day attestations are counted
    from; topic names and question texts are given in ``language`` (default: the active one)."""
    if today is None:
        now = timezone.now()
        today = timezone.localdate(now)
    else:
        now = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    language = language or translation.get_language()
    start, end = period_bounds(date_from=date_from, date_to=date_to)
    prescribers = User.objects.filter(groups__name=roles.PRESCRIBER)
    topics, weakest, answers = _knowledge(
        programme=programme, prescribers=prescribers, start=start, end=end, language=language
    )
    return EffectivenessReport(
        programme=programme,
        date_from=date_from,
        date_to=date_to,
        today=today,
        reach=_reach(programme=programme, prescribers=prescribers, start=start, end=end),
        topics=topics,
        weakest=weakest,
        answers=answers,
        behaviour=_behaviour(programme=programme, start=start, end=end),
        expiring=_expiring(programme=programme, today=today, now=now),
        renewals=_renewals(programme=programme, start=start, end=end),
    )


def _reach(*, programme, prescribers, start, end) -> Reach:
    """One query over the prescribers who signed up in the period (and one for the lessons)."""
    key = programme.translation_key
    required = required_lesson_keys(programme=programme)
    lessons_read = (
        LessonProgress.objects.filter(user=OuterRef("pk"), programme_key=key, lesson_key__in=required)
        .order_by()
        .values("user")
        .annotate(n=Count("lesson_key", distinct=True))
        .values("n")
    )
    submitted = Attempt.objects.filter(
        user=OuterRef("pk"), programme_key=key, status=Attempt.Status.SUBMITTED
    )
    first_passed = submitted.order_by("started_at", "pk").values("passed")[:1]
    figures = (
        prescribers.filter(date_joined__gte=start, date_joined__lt=end)
        .annotate(
            lessons_read=Coalesce(Subquery(lessons_read), 0),
            has_attempt=Exists(submitted),
            has_pass=Exists(submitted.filter(passed=True)),
            first_passed=Subquery(first_passed),
        )
        .aggregate(
            registered=Count("pk"),
            # The quiz opens only once every lesson required then is read, so whoever submitted an
            # attempt read them all, even if a lesson has been added since: the funnel never widens.
            read_all=Count("pk", filter=Q(lessons_read__gte=len(required)) | Q(has_attempt=True)),
            attempted=Count("pk", filter=Q(has_attempt=True)),
            passed=Count("pk", filter=Q(has_pass=True)),
            first_attempt_passed=Count("pk", filter=Q(first_passed=True)),
        )
    )
    return Reach(required_lessons=len(required), **figures)


def _knowledge(*, programme, prescribers, start, end, language):
    """Share correct per topic and the weakest questions, from the snapshots of attempts
    prescribers submitted in the period: every language and every version of a question
    together (each answer was scored against the key it was shown with). The per-version
    analysis (facility, discrimination, options chosen) is ``quizzes.selectors.item_statistics``.
    """
    items = AttemptQuestion.objects.filter(
        attempt__programme_key=programme.translation_key,
        attempt__status=Attempt.Status.SUBMITTED,
        attempt__ended_at__gte=start,
        attempt__ended_at__lt=end,
        attempt__user__in=prescribers.values("pk"),
        is_correct__isnull=False,
    ).order_by()
    per_topic = list(
        items.values("topic_key")
        .annotate(
            n=Count("pk"),
            n_right=Count("pk", filter=Q(is_correct=True)),
            order=Min("topic_order"),
            name=Max("topic_name"),
        )
        .order_by("order", "topic_key")
    )
    weakest = list(
        items.values("question_key")
        .annotate(
            n=Count("pk"),
            n_right=Count("pk", filter=Q(is_correct=True)),
            share=Cast(Count("pk", filter=Q(is_correct=True)), FloatField())
            / Cast(Count("pk"), FloatField()),
            snapshot=Max("pk"),
        )
        .order_by("share", "-n", "question_key")[:WEAKEST_QUESTIONS]
    )
    # One snapshot of each weak question: its topic, and its text should the question be gone.
    snapshots = {
        pk: (topic_key, topic_name, text)
        for pk, topic_key, topic_name, text in AttemptQuestion.objects.filter(
            pk__in=[row["snapshot"] for row in weakest]
        ).values_list("pk", "topic_key", "topic_name", "text")
    }
    topic_names = _names(
        Topic.objects.filter(
            translation_key__in={row["topic_key"] for row in per_topic}
            | {topic_key for topic_key, _name, _text in snapshots.values()}
        ),
        language=language,
        text="name",
    )
    question_texts = _names(
        Question.objects.filter(translation_key__in=[row["question_key"] for row in weakest]),
        language=language,
        text="text",
    )
    topics = [
        TopicKnowledge(
            topic_key=row["topic_key"],
            name=topic_names.get(row["topic_key"], row["name"]),
            correct=Share(row["n_right"], row["n"]),
        )
        for row in per_topic
    ]
    questions = []
    for row in weakest:
        topic_key, topic_name, text = snapshots[row["snapshot"]]
        questions.append(
            QuestionKnowledge(
                question_key=row["question_key"],
                topic_name=topic_names.get(topic_key, topic_name),
                text=question_texts.get(row["question_key"], text),
                correct=Share(row["n_right"], row["n"]),
            )
        )
    return topics, questions, sum(row["n"] for row in per_topic)


def _names(queryset, *, language: str, text: str) -> dict:
    """{translation key: ``text`` in ``language``, else in any language} in one query."""
    found: dict = {}
    for key, code, value in queryset.values_list("translation_key", "locale__language_code", text):
        if code == language or key not in found:
            found[key] = value
    return found


def _behaviour(*, programme, start, end) -> Behaviour:
    rows = (
        TreatmentInitiation.objects.filter(
            programme_key=programme.translation_key, created_at__gte=start, created_at__lt=end
        )
        .order_by()
        .values("outcome", "status")
        .annotate(n=Count("pk"))
    )
    recorded = 0
    refused: dict = {}
    for row in rows:
        if row["outcome"] == TreatmentInitiation.Outcome.RECORDED:
            recorded += row["n"]
        else:
            refused[row["status"]] = refused.get(row["status"], 0) + row["n"]
    refused = dict(sorted(refused.items(), key=lambda item: (-item[1], item[0])))
    return Behaviour(recorded=recorded, refused=sum(refused.values()), refused_by_status=refused)


def _expiring(*, programme, today, now) -> dict:
    """Valid attestations (``status_of`` would say ``valid``) ending within each window."""
    valid = certificate_selectors.with_status_code(
        Attestation.objects.filter(programme_key=programme.translation_key), now=now
    ).filter(status_code=certificate_selectors.VALID)
    figures = valid.aggregate(
        **{
            f"within_{days}": Count("pk", filter=Q(valid_until__lte=today + datetime.timedelta(days=days)))
            for days in EXPIRY_WINDOWS
        }
    )
    return {days: figures[f"within_{days}"] for days in EXPIRY_WINDOWS}


def _renewals(*, programme, start, end) -> list[Renewal]:
    """Three queries: the changes, the counts per change, and the renewals per change and day.

    The median is read from the number of renewals on each day (one row per change and day, so
    the rows are bounded by the days since the change, not by the number of attestations):
    portable SQL has no median, and SQLite none at all.
    """
    changes = list(
        ContentChange.objects.filter(
            programme_key=programme.translation_key,
            material=True,
            published_at__gte=start,
            published_at__lt=end,
        ).order_by("published_at", "pk")
    )
    if not changes:
        return []
    attestations = Attestation.objects.filter(renewal_change__in=changes).order_by()
    renewed = Q(superseded_by__isnull=False)
    counts = {
        row["renewal_change"]: row
        for row in attestations.values("renewal_change").annotate(
            required=Count("pk"),
            renewed=Count("pk", filter=renewed),
            in_time=Count("pk", filter=renewed & Q(superseded_at__lte=F("renewal_required_from"))),
        )
    }
    days: dict = {}
    for row in (
        attestations.filter(renewed)
        .annotate(renewed_on=TruncDate("superseded_at"))
        .values("renewal_change", "renewed_on")
        .annotate(n=Count("pk"))
    ):
        days.setdefault(row["renewal_change"], []).append((row["renewed_on"], row["n"]))
    result = []
    for change in changes:
        row = counts.get(change.pk, {})
        published_on = timezone.localdate(change.published_at)
        histogram = [((on - published_on).days, n) for on, n in days.get(change.pk, [])]
        result.append(
            Renewal(
                change_id=change.pk,
                object_title=change.object_title,
                summary=change.summary,
                published_at=change.published_at,
                content_version=change.content_version,
                required=row.get("required", 0),
                renewed=row.get("renewed", 0),
                renewed_in_time=row.get("in_time", 0),
                median_days=median_of_counts(histogram),
            )
        )
    return result


def median_of_counts(histogram) -> float | None:
    """The median of values given as (value, how many times) pairs; None for none."""
    pairs = sorted((value, n) for value, n in histogram if n > 0)
    total = sum(n for _value, n in pairs)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the two middle ones
    found = []
    seen = 0
    for value, n in pairs:
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return (found[0] + found[1]) / 2
