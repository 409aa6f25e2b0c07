"""Read-only questions about quizzes: who may start, what an attempt shows, how items perform."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from courses.selectors import programme_in_default_locale, programme_progress
from lms import roles

from . import scoring
from .models import Attempt, AttemptChoice, AttemptQuestion, Question

CLOSED = (Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED)


@dataclass(frozen=True)
class QuizRules:
    pass_mark: int
    questions_per_topic: int
    attempts_before_cooldown: int
    cooldown: timedelta
    lifetime: timedelta
    shuffle: bool

    @property
    def lifetime_minutes(self) -> int:
        return int(self.lifetime.total_seconds() // 60)

    @property
    def cooldown_hours(self) -> int:
        return int(self.cooldown.total_seconds() // 3600)


def quiz_rules(*, programme) -> QuizRules:
    """The rules of the programme's default-language version apply in every language."""
    source = programme_in_default_locale(programme=programme)
    return QuizRules(
        pass_mark=source.pass_mark,
        questions_per_topic=source.questions_per_topic,
        attempts_before_cooldown=source.attempts_before_cooldown,
        cooldown=timedelta(hours=source.cooldown_hours),
        lifetime=timedelta(minutes=source.attempt_lifetime_minutes),
        shuffle=source.shuffle,
    )


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    code: str = ""
    reason: str = ""
    opens_at: datetime | None = None


def cooldown_until(*, user, programme_key, rules: QuizRules, now=None) -> datetime | None:
    """After every run of N failed attempts since the last pass, wait the cooldown period.

    An attempt whose time ran out counts as failed from the moment it expired, whether or
    not it has been marked expired yet.
    """
    now = now or timezone.now()
    attempts = (
        Attempt.objects.filter(user=user, programme_key=programme_key)
        .filter(Q(status__in=CLOSED) | Q(status=Attempt.Status.IN_PROGRESS, expires_at__lte=now))
        .annotate(closed_at=Coalesce("ended_at", "expires_at"))
    )
    last_pass = attempts.filter(passed=True).aggregate(at=Max("closed_at"))["at"]
    failures = attempts.exclude(passed=True)
    if last_pass is not None:
        failures = failures.filter(closed_at__gt=last_pass)
    summary = failures.aggregate(n=Count("pk"), last=Max("closed_at"))
    n, last = summary["n"], summary["last"]
    if n and n % rules.attempts_before_cooldown == 0 and last + rules.cooldown > now:
        return last + rules.cooldown
    return None


def open_attempt(*, user, programme_key, now=None):
    now = now or timezone.now()
    return (
        Attempt.objects.filter(
            user=user,
            programme_key=programme_key,
            status=Attempt.Status.IN_PROGRESS,
            expires_at__gt=now,
        )
        .order_by("-started_at")
        .first()
    )


_extra_checks: list = []


def register_eligibility_check(check) -> None:
    """Let another app refuse new attempts (``check(user=, programme=, now=)`` → Eligibility or None).

    The attestation app uses this to close the quiz while a prescriber holds a valid
    attestation, without this app depending on it.
    """
    if check not in _extra_checks:
        _extra_checks.append(check)


def closing_refusal(*, user, programme, now=None) -> Eligibility | None:
    """A refusal from another app (e.g. a valid or revoked attestation), or None.

    Unlike unread lessons or a cooldown, such a refusal also closes an attempt already under
    way: it can be neither resumed nor submitted.
    """
    for check in _extra_checks:
        refusal = check(user=user, programme=programme, now=now)
        if refusal is not None:
            return refusal
    return None


def quiz_eligibility(*, user, programme, now=None) -> Eligibility:
    """May this user start (or resume) the quiz of this programme? If not, say why."""
    if not roles.has_role(user, roles.PRESCRIBER):
        return Eligibility(False, "not_prescriber", _("Only registered prescribers can take the quiz."))
    refusal = closing_refusal(user=user, programme=programme, now=now)
    if refusal is not None:
        return refusal
    progress = programme_progress(user=user, programme=programme)
    if not progress.complete:
        return Eligibility(
            False,
            "lessons_unread",
            _("Read every lesson first: you have read %(read)s of %(total)s.")
            % {"read": progress.read_count, "total": progress.total},
        )
    rules = quiz_rules(programme=programme)
    opens_at = cooldown_until(user=user, programme_key=programme.translation_key, rules=rules, now=now)
    if opens_at is not None:
        return Eligibility(
            False,
            "cooldown",
            _("You have used %(n)s attempts in a row without passing. The next attempt opens on %(when)s.")
            % {
                "n": rules.attempts_before_cooldown,
                "when": formats.date_format(timezone.localtime(opens_at), "SHORT_DATETIME_FORMAT"),
            },
            opens_at,
        )
    return Eligibility(True)


def drawable_questions(*, programme, locale):
    return (
        Question.objects.drawable()
        .filter(locale=locale, topic__programme__translation_key=programme.translation_key)
        .select_related("topic", "lesson")
        .prefetch_related("options")
    )


def in_language(*, questions: list, programme, locale) -> list:
    """The same questions in the learner's language where translated (else as they are).

    The draw is made from the default-language bank, so every language gets the same
    topics, the same number of questions and the same critical ones.
    """
    if not questions or questions[0].locale_id == locale.pk:
        return questions
    translated = {
        q.translation_key: q
        for q in drawable_questions(programme=programme, locale=locale).filter(
            translation_key__in=[q.translation_key for q in questions]
        )
    }
    return [translated.get(q.translation_key, q) for q in questions]


def records_block_page_deletion(*, page) -> bool:
    """True when the page (or a programme under it) has quiz attempts or questions to keep."""
    from courses.models import ProgrammePage

    keys = ProgrammePage.objects.descendant_of(page, inclusive=True).values("translation_key")
    return (
        Attempt.objects.filter(programme_key__in=keys).exists()
        or Question.objects.filter(topic__programme__translation_key__in=keys).exists()
    )


def user_has_attempts(*, user) -> bool:
    return Attempt.objects.filter(user=user).exists()


def user_attempts(*, user, programme_key):
    return Attempt.objects.filter(user=user, programme_key=programme_key).order_by("-started_at")


@dataclass(frozen=True)
class TopicResult:
    name: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True)
class MissedQuestion:
    item: AttemptQuestion
    chosen: list
    correct: list
    lesson_url: str | None


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    topics: list
    missed: list
    next_attempt_at: datetime | None


def attempt_result(*, attempt: Attempt, request=None) -> AttemptResult:
    """Everything the result page shows, in a fixed number of queries."""
    items = list(attempt.items.prefetch_related("choices"))
    topics: dict = {}
    for item in items:
        entry = topics.setdefault(item.topic_key, [item.topic_order, item.topic_name, 0, 0])
        entry[2] += 1 if item.is_correct else 0
        entry[3] += 1
    topic_results = [
        TopicResult(name=name, correct=correct, total=total)
        for _order, name, correct, total in sorted(topics.values(), key=lambda e: e[0])
    ]
    missed_items = [item for item in items if not item.is_correct]
    lesson_urls = lesson_urls_for(
        keys={item.lesson_key for item in missed_items if item.lesson_key},
        language=attempt.language,
        request=request,
    )
    missed = []
    for item in missed_items:
        chosen_ids = {choice.option_id for choice in item.choices.all()}
        correct_ids = set(item.correct_option_ids)
        missed.append(
            MissedQuestion(
                item=item,
                chosen=[o["text"] for o in item.options if o["id"] in chosen_ids],
                correct=[o["text"] for o in item.options if o["id"] in correct_ids],
                lesson_url=lesson_urls.get(item.lesson_key),
            )
        )
    next_attempt_at = None
    if not attempt.passed:
        rules = quiz_rules(programme=attempt.programme)
        next_attempt_at = cooldown_until(
            user=attempt.user_id, programme_key=attempt.programme_key, rules=rules
        )
    return AttemptResult(
        attempt=attempt, topics=topic_results, missed=missed, next_attempt_at=next_attempt_at
    )


def lesson_urls_for(*, keys, language, request=None) -> dict:
    """Lesson URLs in the attempt's language, by translation key (one query plus site lookup)."""
    if not keys:
        return {}
    pages = Page.objects.live().filter(translation_key__in=keys, locale__language_code=language)
    return {page.translation_key: page.get_url(request) for page in pages}


@dataclass
class ItemStatistic:
    question_key: object
    question: Question | None
    attempts: int
    facility: float | None
    discrimination: float | None
    option_counts: dict

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.facility is not None and self.facility < 0.30:
            flags.append(_("Very hard (facility below 0.30)"))
        if self.facility is not None and self.facility > 0.95:
            flags.append(_("Very easy (facility above 0.95)"))
        if self.discrimination is not None and self.discrimination < 0:
            flags.append(_("Negative discrimination"))
        return flags

    def options(self):
        """(option, times chosen, share) in the option order of the question."""
        if self.question is None:
            return [
                (None, key, count, count / self.attempts if self.attempts else 0)
                for key, count in self.option_counts.items()
            ]
        return [
            (
                option,
                option.key,
                self.option_counts.get(option.key, 0),
                self.option_counts.get(option.key, 0) / self.attempts if self.attempts else 0,
            )
            for option in self.question.options.all()
        ]


def item_statistics(*, programme, language: str | None = None) -> list[ItemStatistic]:
    """Per-question statistics over submitted attempts, aggregated in the database.

    Language versions of one question count together (grouped by translation key).
    Discrimination is the point-biserial correlation between answering the item
    correctly and the attempt score. The number of queries does not depend on the
    number of attempts.
    """
    submitted = AttemptQuestion.objects.filter(
        attempt__programme_key=programme.translation_key,
        attempt__status=Attempt.Status.SUBMITTED,
    )
    score = F("attempt__score")
    rows = submitted.values("question_key").annotate(
        n=Count("pk"),
        n_correct=Count("pk", filter=Q(is_correct=True)),
        mean_all=Avg(score),
        mean_sq_all=Avg(score * score),
        mean_correct=Avg(score, filter=Q(is_correct=True)),
        mean_wrong=Avg(score, filter=Q(is_correct=False)),
    )
    counts: dict = {}
    for row in (
        AttemptChoice.objects.filter(
            item__attempt__programme_key=programme.translation_key,
            item__attempt__status=Attempt.Status.SUBMITTED,
        )
        .values("item__question_key", "option_key")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(row["item__question_key"], {})[row["option_key"]] = row["n"]

    locale = Locale.objects.filter(language_code=language).first() if language else None
    locale = locale or Locale.get_default()
    stats = {row["question_key"]: row for row in rows}
    questions = {
        q.translation_key: q
        for q in Question.objects.filter(
            topic__programme__translation_key=programme.translation_key, locale=locale
        )
        .select_related("topic")
        .prefetch_related("options")
    }
    result = []
    for key in sorted(set(stats) | set(questions), key=lambda k: _sort_key(questions.get(k))):
        row = stats.get(key)
        n = row["n"] if row else 0
        result.append(
            ItemStatistic(
                question_key=key,
                question=questions.get(key),
                attempts=n,
                facility=(row["n_correct"] / n) if n else None,
                discrimination=scoring.point_biserial(
                    n=n,
                    n_correct=row["n_correct"],
                    mean_all=row["mean_all"],
                    mean_sq_all=row["mean_sq_all"],
                    mean_correct=row["mean_correct"],
                    mean_wrong=row["mean_wrong"],
                )
                if n
                else None,
                option_counts=counts.get(key, {}),
            )
        )
    return result


def _sort_key(question):
    if question is None:
        return (10_000, 0)
    return (question.topic.sort_order, question.pk)
