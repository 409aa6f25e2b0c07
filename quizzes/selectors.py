"""Read-only questions about quizzes: who may start, what an attempt shows, how items perform."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher

from django.conf import settings
from django.db.models import Case, Count, ExpressionWrapper, FloatField, Max, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Locale, Page

from courses.models import ProgrammePage
from courses.selectors import programme_in_default_locale, programme_progress
from courses.translation import untranslated_counts
from lms import roles
from lms.identity import hpr_is_verified

from . import scoring
from .models import Attempt, AttemptChoice, AttemptQuestion, Option, Question

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
    n, last = _failures_since_last_pass(user=user, programme_key=programme_key, now=now)
    if n and n % rules.attempts_before_cooldown == 0 and last + rules.cooldown > now:
        return last + rules.cooldown
    return None


def _failures_since_last_pass(*, user, programme_key, now) -> tuple[int, datetime | None]:
    """How many attempts failed (or ran out) since the last pass, and when the last one closed."""
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
    return summary["n"], summary["last"]


def cooldown_after_next_failure(*, user, programme, now=None) -> int | None:
    """The cooldown in hours when failing the next (or the open) attempt would start one, else None.

    The attempt under way is not counted: it has not failed yet. Shown before the attempt and
    during it, so nobody learns of the cooldown only when it has begun.
    """
    now = now or timezone.now()
    rules = quiz_rules(programme=programme)
    n, _last = _failures_since_last_pass(user=user, programme_key=programme.translation_key, now=now)
    if (n + 1) % rules.attempts_before_cooldown == 0:
        return rules.cooldown_hours
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


@dataclass(frozen=True)
class AttemptSheet:
    """The questions of an open attempt, each as {"item", "options"} with ``checked`` per option."""

    items: list
    answered: int

    @property
    def total(self) -> int:
        return len(self.items)


def attempt_sheet(*, attempt: Attempt, answers: dict | None = None) -> AttemptSheet:
    """What the attempt page shows checked: the form sent back (``answers``), else what is saved.

    Saved choices are AttemptChoice rows of the open attempt; the page gets them back as the
    attempt's own option tokens. Two queries.
    """
    if answers is None:
        items = list(attempt.items.prefetch_related("choices"))
        tokens = {item.pk: {o["id"]: o["token"] for o in item.options} for item in items}
        selected = {
            item.pk: {tokens[item.pk].get(choice.option_id) for choice in item.choices.all()}
            for item in items
        }
    else:
        items = list(attempt.items.all())
        selected = {item.pk: set(answers.get(str(item.pk), [])) for item in items}
    entries = [
        {
            "item": item,
            "options": [
                dict(option, checked=option["token"] in selected[item.pk]) for option in item.options
            ],
        }
        for item in items
    ]
    answered = sum(1 for entry in entries if any(o["checked"] for o in entry["options"]))
    return AttemptSheet(items=entries, answered=answered)


def submitted_answers_match(*, attempt: Attempt, answers: dict) -> bool:
    """Do these form answers (option tokens per item) equal what was scored for this attempt?

    Tells a second click on "Submit" in the same window (same answers) from another window's
    answers, which were not scored.
    """
    items = list(attempt.items.prefetch_related("choices"))
    if set(answers) != {str(item.pk) for item in items}:
        return False
    for item in items:
        by_token = item.options_by_token()
        sent = answers[str(item.pk)]
        if not all(token in by_token for token in sent):
            return False
        if {by_token[token] for token in sent} != {c.option_id for c in item.choices.all()}:
            return False
    return True


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


def questions_last_seen(*, user, programme_key) -> dict:
    """When the learner was last shown each question of the programme, by the question's
    translation key (so every language counts), from all their attempts: one query."""
    rows = (
        AttemptQuestion.objects.filter(attempt__user=user, attempt__programme_key=programme_key)
        .values("question_key")
        .annotate(last=Max("attempt__started_at"))
    )
    return {row["question_key"]: row["last"] for row in rows}


def scoring_signature(question) -> tuple:
    """What decides how an answer to the question is scored, the same in every language version:
    type, critical flag, topic, lesson link and the keyed options (by option reference)."""
    return (
        question.kind,
        question.critical,
        question.topic.translation_key,
        question.lesson.translation_key if question.lesson_id else None,
        question.lesson_anchor,
        tuple(sorted((option.key, option.is_correct) for option in question.options.all())),
    )


def _normalised(text: str) -> str:
    return " ".join((text or "").casefold().split())


def _last_published_scoring(question) -> tuple | None:
    """(kind, critical, [(key, text, is_correct), ...]) of the version learners last saw: the
    live row (drafts are kept in revisions), or for a question taken off line (withdrawn), the
    revision last published; None for one never published."""
    if question.pk is None:
        return None
    if question.live:
        row = Question.objects.filter(pk=question.pk).values_list("kind", "critical").first()
        if row is None:
            return None
        options = Option.objects.filter(question_id=question.pk).values_list("key", "text", "is_correct")
        return (*row, list(options))
    from wagtail.log_actions import registry as log_registry

    entry = (
        log_registry.get_logs_for_instance(question)
        .filter(action="wagtail.publish", revision__isnull=False)
        .select_related("revision")
        .order_by("-timestamp", "-pk")
        .first()
    )
    if entry is None:
        return None
    published = entry.revision.as_object()
    options = [(option.key, option.text, option.is_correct) for option in published.options.all()]
    return published.kind, published.critical, options


# How alike a keyed answer's text must stay to count as the same answer reworded (a typo fixed);
# below it, the answer was rewritten (difflib's ratio: 1.0 identical).
SAME_ANSWER_SIMILARITY = 0.75


def keyed_answer_changed(*, question, kind: str, critical: bool, options) -> bool:
    """Would these values change how the question is scored against the version learners last
    saw? ``options`` are ``(key, text, is_correct)``. A change of type or critical flag, of which
    references are keyed correct, a wrong answer's text moved onto a keyed one (or the reverse),
    or a keyed answer rewritten beyond a typo, is always material: whoever attested under the old
    key must renew. False for a question never published."""
    before = _last_published_scoring(question)
    if before is None:
        return False
    old_kind, old_critical, old_options = before
    if (old_kind, bool(old_critical)) != (kind, bool(critical)):
        return True
    old_keyed = {key: _normalised(text) for key, text, correct in old_options if correct}
    new_keyed = {key: _normalised(text) for key, text, correct in options if correct}
    if set(old_keyed) != set(new_keyed):
        return True
    old_wrong = {_normalised(text) for _, text, correct in old_options if not correct}
    new_wrong = {_normalised(text) for _, text, correct in options if not correct}
    if set(new_keyed.values()) & old_wrong or set(old_keyed.values()) & new_wrong:
        return True
    return any(
        SequenceMatcher(None, old_keyed[key], text).ratio() < SAME_ANSWER_SIMILARITY
        for key, text in new_keyed.items()
    )


def draw_pool(*, programme, locale) -> tuple[list, dict]:
    """(questions a new attempt may draw from, in the default language; their versions in ``locale``).

    The draw is made from the default-language bank, so every language gets the same topics and
    rules. A learner of another language is only given questions whose translation is published
    and in step with the source: same type, critical flag, topic, lesson link and keyed options.
    A question whose translation is missing, unpublished or out of date after a change to the
    source is left out in that language until the updated translation is published; it is never
    shown in the source language instead, and never scored on an old key.
    """
    source = list(drawable_questions(programme=programme, locale=Locale.get_default()))
    if locale.pk == Locale.get_default().pk:
        return source, {q.translation_key: q for q in source}
    translated = {
        q.translation_key: q
        for q in drawable_questions(programme=programme, locale=locale).filter(
            translation_key__in=[q.translation_key for q in source]
        )
    }
    in_step = [
        q
        for q in source
        if q.translation_key in translated
        and scoring_signature(translated[q.translation_key]) == scoring_signature(q)
    ]
    return in_step, translated


def records_block_page_deletion(*, page) -> bool:
    """True when the page (or a programme under it) has quiz attempts or questions to keep."""
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
class ReviewedQuestion:
    """One question of a submitted attempt as the result page may show it.

    ``correct`` and ``rationale`` are None unless the programme's answer review allows them for
    this attempt: they are never handed to the template, so no page can leak them by accident.
    """

    position: int
    text: str
    critical: bool
    is_correct: bool
    chosen: list
    lesson_title: str
    lesson_url: str | None
    correct: list | None = None
    rationale: str | None = None


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    topics: list
    missed: list
    review: bool = False
    review_after_pass: bool = False
    review_needs_hpr: bool = False
    answered_right: list = ()


def answer_review_policy(*, programme) -> str:
    """The programme's ``answer_review`` (a ``ProgrammePage.AnswerReview`` value), read from the
    default-language version as the other quiz rules are."""
    return programme_in_default_locale(programme=programme).answer_review


def answer_review_allowed(*, attempt: Attempt) -> bool:
    """May the learner see the keyed answers and rationales of this attempt?

    The one place that decides it: ``always`` after every submitted attempt, ``after_pass``
    (the default) only for an attempt that passed, ``never`` not at all; and in every case only
    when the learner's HPR number is confirmed (``lms.identity.hpr_is_verified``), so throwaway
    accounts with made-up numbers cannot read the key.
    """
    return _review_by_policy(attempt=attempt) and hpr_is_verified(attempt.user)


def _review_by_policy(*, attempt: Attempt) -> bool:
    """What the programme's answer-review policy alone allows for this attempt."""
    if attempt.status != Attempt.Status.SUBMITTED:
        return False
    policy = answer_review_policy(programme=attempt.programme)
    if policy == ProgrammePage.AnswerReview.ALWAYS:
        return True
    if policy == ProgrammePage.AnswerReview.AFTER_PASS:
        return bool(attempt.passed)
    return False


def attempt_result(*, attempt: Attempt, request=None) -> AttemptResult:
    """Everything the result page shows, in a fixed number of queries.

    Missed questions come with the learner's own answer and a link to the part of the lesson
    (in the attempt's language) that teaches them; keyed answers and rationales only when
    ``answer_review_allowed`` says so, and then for the questions answered right as well.
    ``review_needs_hpr`` marks an attempt whose review is held back only because the learner's
    HPR number is not confirmed yet.
    """
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
    by_policy = _review_by_policy(attempt=attempt)
    verified = hpr_is_verified(attempt.user)
    review = by_policy and verified
    shown = items if review else [item for item in items if not item.is_correct]
    lesson_urls = lesson_urls_for(
        keys={item.lesson_key for item in shown if item.lesson_key},
        language=attempt.language,
        request=request,
    )
    reviewed = [_reviewed(item, lesson_urls=lesson_urls, review=review) for item in shown]
    return AttemptResult(
        attempt=attempt,
        topics=topic_results,
        missed=[q for q in reviewed if not q.is_correct],
        review=review,
        review_after_pass=(
            not review
            and verified
            and answer_review_policy(programme=attempt.programme) == ProgrammePage.AnswerReview.AFTER_PASS
        ),
        review_needs_hpr=by_policy and not verified,
        answered_right=[q for q in reviewed if q.is_correct],
    )


def _reviewed(item: AttemptQuestion, *, lesson_urls: dict, review: bool) -> ReviewedQuestion:
    chosen_ids = {choice.option_id for choice in item.choices.all()}
    lesson_url = lesson_urls.get(item.lesson_key)
    if lesson_url and item.lesson_anchor:
        lesson_url = f"{lesson_url}#{item.lesson_anchor}"
    extra = {}
    if review:
        correct_ids = set(item.correct_option_ids)
        extra = {
            "correct": [o["text"] for o in item.options if o["id"] in correct_ids],
            "rationale": item.rationale,
        }
    return ReviewedQuestion(
        position=item.position,
        text=item.text,
        critical=item.critical,
        is_correct=bool(item.is_correct),
        chosen=[o["text"] for o in item.options if o["id"] in chosen_ids],
        lesson_title=item.lesson_title,
        lesson_url=lesson_url,
        **extra,
    )


def lesson_urls_for(*, keys, language, request=None) -> dict:
    """Lesson URLs in the attempt's language, by translation key (one query plus site lookup)."""
    if not keys:
        return {}
    pages = Page.objects.live().filter(translation_key__in=keys, locale__language_code=language)
    return {page.translation_key: page.get_url(request) for page in pages}


# Item statistics ------------------------------------------------------------------------------

MIN_ANSWERS_FOR_FLAGS = 30
"""Below this many answers a version's figures are shown but not flagged: they still move a lot."""
VERY_HARD_BELOW = 0.30
VERY_EASY_ABOVE = 0.95
LOW_DISCRIMINATION_BELOW = 0.20


def _figure(value: float) -> str:
    return formats.number_format(value, 2)


@dataclass(frozen=True)
class OptionStatistic:
    key: str
    text: str
    keyed: bool
    count: int
    share: float


@dataclass
class ItemStatistic:
    """One published version (revision) of one question in one language, over the submitted
    attempts that showed it: the text, options and keyed answer are those the learners saw."""

    question_key: object
    question_id: int | None
    revision_id: int | None
    saved_at: datetime | None
    language: str
    topic_name: str
    text: str
    kind: str
    critical: bool
    is_live: bool
    retired: bool
    attempts: int
    correct: int
    discrimination: float | None
    options: list[OptionStatistic]

    @property
    def facility(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None

    @property
    def option_counts(self) -> dict:
        return {option.key: option.count for option in self.options if option.count}

    @property
    def keyed_answer(self) -> str:
        return "; ".join(option.text for option in self.options if option.keyed)

    @property
    def enough_data(self) -> bool:
        return self.attempts >= MIN_ANSWERS_FOR_FLAGS

    @property
    def not_enough_data(self) -> str:
        if self.enough_data:
            return ""
        return _("Not enough data yet (%(n)s of %(minimum)s answers)") % {
            "n": self.attempts,
            "minimum": MIN_ANSWERS_FOR_FLAGS,
        }

    @property
    def flags(self) -> list[str]:
        """What a content owner should look at; nothing until there are enough answers."""
        if not self.enough_data:
            return []
        flags = []
        if self.facility < VERY_HARD_BELOW:
            flags.append(_("Very hard (facility below %(limit)s)") % {"limit": _figure(VERY_HARD_BELOW)})
        if self.facility > VERY_EASY_ABOVE:
            flags.append(_("Very easy (facility above %(limit)s)") % {"limit": _figure(VERY_EASY_ABOVE)})
        if self.discrimination is not None and self.discrimination < 0:
            flags.append(_("Negative discrimination"))
        elif self.discrimination is not None and self.discrimination < LOW_DISCRIMINATION_BELOW:
            limit = _figure(LOW_DISCRIMINATION_BELOW)
            flags.append(_("Low discrimination (below %(limit)s)") % {"limit": limit})
        return flags

    @property
    def facility_explanation(self) -> str:
        if not self.attempts:
            return _("Nobody has answered this version yet.")
        return _("%(percent)s%% of the learners who answered it got it right.") % {
            "percent": round(self.facility * 100)
        }

    @property
    def discrimination_explanation(self) -> str:
        if not self.attempts:
            return ""
        if self.discrimination is None:
            return _(
                "Cannot be worked out yet: everyone answered it alike, or everyone scored alike "
                "on the rest of the quiz."
            )
        if self.discrimination < 0:
            text = _(
                "Learners who did well on the rest of the quiz got this one wrong more often than "
                "those who did poorly. Check the keyed answer, and look for wording that misleads "
                "or a wrong option that can be defended as right."
            )
        elif self.discrimination < LOW_DISCRIMINATION_BELOW:
            text = _(
                "Learners who did well on the rest of the quiz got this one right hardly more "
                "often than the others, so it says little about what they learned. Check that the "
                "wording is clear and that only the keyed answer is right."
            )
        else:
            text = _(
                "Learners who did well on the rest of the quiz got this one right more often than "
                "the others: it tells those who learned the content from those who did not."
            )
        if not self.enough_data:
            text = "{} {}".format(text, _("With this few answers the figure can still change a lot."))
        return text


def _rest_share():
    """The attempt's score on its other questions (this item removed), as a share of them."""
    this_item = Case(When(is_correct=True, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return ExpressionWrapper(
        (Cast("attempt__correct_count", FloatField()) - this_item)
        / (Cast("attempt__question_count", FloatField()) - Value(1.0)),
        output_field=FloatField(),
    )


def item_statistics(*, programme, language: str | None = None) -> list[ItemStatistic]:
    """Statistics per published version of each question, over submitted attempts.

    A row is one question revision in one language (what ``AttemptQuestion.question_revision``
    recorded was shown), so an edited question has a row for its earlier version and one for
    the version live now, each with its own keyed answer and option counts. Published questions
    nobody has answered yet have a row for their live version; drafts never published have none.

    Discrimination is the item-rest correlation: the Pearson (point-biserial) correlation
    between the item's 0/1 score and the attempt's score on its other questions. The figures
    are summed in the database; the number of queries does not depend on the number of attempts.
    ``language`` keeps only that language's versions.
    """
    key = programme.translation_key
    submitted = AttemptQuestion.objects.filter(
        attempt__programme_key=key, attempt__status=Attempt.Status.SUBMITTED
    )
    choices = AttemptChoice.objects.filter(
        item__attempt__programme_key=key, item__attempt__status=Attempt.Status.SUBMITTED
    )
    live = Question.objects.filter(topic__programme__translation_key=key, live=True)
    if language:
        submitted = submitted.filter(attempt__language=language)
        choices = choices.filter(item__attempt__language=language)
        live = live.filter(locale__language_code=language)

    right = Q(is_correct=True)
    has_rest = Q(attempt__question_count__gt=1)
    rest = _rest_share()
    rows = list(
        submitted.values("question_key", "question_revision_id", "attempt__language")
        .annotate(
            n=Count("pk"),
            n_right=Count("pk", filter=right),
            n_rest=Count("pk", filter=has_rest),
            n_rest_right=Count("pk", filter=has_rest & right),
            sum_rest=Sum(rest, filter=has_rest),
            sum_rest_sq=Sum(rest * rest, filter=has_rest),
            sum_rest_right=Sum(rest, filter=has_rest & right),
            saved_at=Max("question_revision__created_at"),
            snapshot_pk=Max("pk"),
        )
        .order_by()
    )
    counts: dict = {}
    for row in (
        choices.values(
            "item__question_key", "item__question_revision_id", "item__attempt__language", "option_key"
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        group = (row["item__question_key"], row["item__question_revision_id"], row["item__attempt__language"])
        counts.setdefault(group, {})[row["option_key"]] = row["n"]
    snapshots = (
        {item.pk: item for item in AttemptQuestion.objects.filter(pk__in=[r["snapshot_pk"] for r in rows])}
        if rows
        else {}
    )
    questions = {
        q.pk: q for q in live.select_related("topic", "locale", "live_revision").prefetch_related("options")
    }

    result = []
    for row in rows:
        group = (row["question_key"], row["question_revision_id"], row["attempt__language"])
        snapshot = snapshots[row["snapshot_pk"]]
        question = questions.get(snapshot.question_id)
        n_option = counts.get(group, {})
        shown = list(snapshot.options)
        if snapshot.kind != Question.Kind.TRUE_FALSE:
            shown.sort(key=lambda o: o["key"])  # shuffled per attempt: list them by reference
        keyed_ids = set(snapshot.correct_option_ids)
        options = [(o["key"], o["text"], o["id"] in keyed_ids) for o in shown]
        known = {o["key"] for o in shown}
        options += [(k, "", False) for k in sorted(n_option) if k not in known]
        result.append(
            ItemStatistic(
                question_key=row["question_key"],
                question_id=snapshot.question_id,
                revision_id=row["question_revision_id"],
                saved_at=row["saved_at"],
                language=row["attempt__language"],
                topic_name=question.topic.name if question else snapshot.topic_name,
                text=snapshot.text,
                kind=snapshot.kind,
                critical=snapshot.critical,
                is_live=bool(question and question.live_revision_id == row["question_revision_id"]),
                retired=bool(question and not question.active),
                attempts=row["n"],
                correct=row["n_right"],
                discrimination=scoring.item_rest_correlation(
                    n=row["n_rest"],
                    n_right=row["n_rest_right"],
                    sum_rest=row["sum_rest"],
                    sum_rest_sq=row["sum_rest_sq"],
                    sum_rest_right=row["sum_rest_right"],
                ),
                options=_option_statistics(options, counts=n_option, total=row["n"]),
            )
        )
    answered = {(s.question_key, s.revision_id, s.language) for s in result}
    for question in questions.values():
        language_code = question.locale.language_code
        if (question.translation_key, question.live_revision_id, language_code) in answered:
            continue
        options = [(o.key, o.text, o.is_correct) for o in question.options.all()]
        result.append(
            ItemStatistic(
                question_key=question.translation_key,
                question_id=question.pk,
                revision_id=question.live_revision_id,
                saved_at=question.live_revision.created_at if question.live_revision else None,
                language=language_code,
                topic_name=question.topic.name,
                text=question.text,
                kind=question.kind,
                critical=question.critical,
                is_live=True,
                retired=not question.active,
                attempts=0,
                correct=0,
                discrimination=None,
                options=_option_statistics(options, counts={}, total=0),
            )
        )
    result.sort(key=_statistics_order(questions=questions, snapshots=snapshots))
    return result


def _option_statistics(options, *, counts: dict, total: int) -> list[OptionStatistic]:
    return [
        OptionStatistic(
            key=key,
            text=text,
            keyed=keyed,
            count=counts.get(key, 0),
            share=counts.get(key, 0) / total if total else 0.0,
        )
        for key, text, keyed in options
    ]


def _statistics_order(*, questions: dict, snapshots: dict):
    """Topic, then question (in the order the bank was written), language, then oldest version first."""
    topic_order: dict = {}
    question_order: dict = {}
    for item in snapshots.values():
        topic_order.setdefault(item.question_key, item.topic_order)
        if item.question_id is not None:
            question_order[item.question_key] = min(
                question_order.get(item.question_key, item.question_id), item.question_id
            )
    for question in questions.values():
        key = question.translation_key
        topic_order[key] = question.topic.sort_order
        question_order[key] = min(question_order.get(key, question.pk), question.pk)
    languages = [code for code, _name in settings.LANGUAGES]
    oldest = datetime.min.replace(tzinfo=UTC)

    def order(stat: ItemStatistic):
        return (
            topic_order.get(stat.question_key, 10_000),
            question_order.get(stat.question_key, 10**9),
            str(stat.question_key),
            languages.index(stat.language) if stat.language in languages else len(languages),
            stat.saved_at or oldest,
            stat.revision_id or 0,
        )

    return order


@dataclass(frozen=True)
class TranslationGap:
    """A lesson or question whose version in ``locale`` lags behind the default-language source.

    ``reason``: ``missing`` (no version in that language), ``unpublished`` (not live there),
    ``scoring`` (a question whose type, critical flag, topic, lesson link or keyed options differ
    from the live source: it is not drawn in that language), ``untranslated`` (the source has
    texts the translation memory has no translation for: ``untranslated`` of them) or ``older``
    (the source was published again after the translation).
    """

    source: object
    locale: Locale
    translation: object | None
    reason: str
    untranslated: int = 0

    REASONS = {
        "missing": gettext_lazy("Not translated"),
        "unpublished": gettext_lazy("Translation not published"),
        "scoring": gettext_lazy("Scoring differs from the source: left out of the quiz in this language"),
        "untranslated": gettext_lazy("Source changed: texts to translate"),
        "older": gettext_lazy("Source changed after the translation was published"),
    }

    @property
    def reason_label(self) -> str:
        return str(self.REASONS[self.reason])

    @property
    def is_question(self) -> bool:
        return isinstance(self.source, Question)


def translation_gaps() -> list[TranslationGap]:
    """Every live default-language lesson and question whose translation is missing, unpublished,
    out of step on scoring or older than the source; a fixed number of queries."""
    from courses.models import LessonPage

    default = Locale.get_default()
    others = list(Locale.objects.exclude(pk=default.pk).order_by("language_code"))
    if not others:
        return []
    gaps = []
    lessons = list(LessonPage.objects.live().filter(locale=default).order_by("path"))
    lesson_versions = {
        (page.translation_key, page.locale_id): page
        for page in LessonPage.objects.filter(
            translation_key__in=[lesson.translation_key for lesson in lessons], locale__in=others
        )
    }
    questions = list(
        Question.objects.drawable()
        .filter(locale=default)
        .select_related("topic", "lesson")
        .prefetch_related("options")
        .order_by("topic__sort_order", "pk")
    )
    question_versions = {
        (question.translation_key, question.locale_id): question
        for question in Question.objects.filter(
            translation_key__in=[question.translation_key for question in questions], locale__in=others
        )
        .select_related("topic", "lesson")
        .prefetch_related("options")
    }
    for locale in others:
        untranslated = untranslated_counts(locale)
        for source in lessons:
            version = lesson_versions.get((source.translation_key, locale.pk))
            gap = _gap(source, version, locale, untranslated)
            if gap:
                gaps.append(gap)
        for source in questions:
            version = question_versions.get((source.translation_key, locale.pk))
            gap = _gap(source, version, locale, untranslated)
            if (
                version is not None
                and version.live
                and scoring_signature(version) != scoring_signature(source)
            ):
                gap = TranslationGap(source, locale, version, "scoring")
            if gap:
                gaps.append(gap)
    return gaps


def _gap(source, version, locale, untranslated: dict) -> TranslationGap | None:
    if version is None:
        return TranslationGap(source, locale, None, "missing")
    if not version.live:
        return TranslationGap(source, locale, version, "unpublished")
    if untranslated.get(source.translation_key):
        return TranslationGap(source, locale, version, "untranslated", untranslated[source.translation_key])
    if source.last_published_at and (
        version.last_published_at is None or source.last_published_at > version.last_published_at
    ):
        return TranslationGap(source, locale, version, "older")
    return None
