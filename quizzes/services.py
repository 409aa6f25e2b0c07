"""State changes for quizzes: start an attempt (snapshot), submit it (score once)."""

import random
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from courses.selectors import programme_content_version, programme_in_default_locale
from lms import roles

from . import scoring, selectors
from .models import Attempt, AttemptChoice, AttemptQuestion
from .signals import quiz_passed


class QuizError(Exception):
    """A refusal the learner should see, with the HTTP status that fits it."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status


class NotEligible(QuizError):
    status = 403


class InvalidAnswers(QuizError):
    status = 400


class AttemptClosed(QuizError):
    status = 409


def attempt_expire_stale(*, user, programme_key, now=None) -> int:
    """Close the user's attempts whose time ran out; they count as failed attempts."""
    now = now or timezone.now()
    stale = Attempt.objects.filter(
        user=user,
        programme_key=programme_key,
        status=Attempt.Status.IN_PROGRESS,
        expires_at__lte=now,
    )
    expired = list(stale.values_list("pk", "expires_at"))
    if not expired:
        return 0
    count = stale.filter(pk__in=[pk for pk, _ in expired]).update(
        status=Attempt.Status.EXPIRED, ended_at=F("expires_at"), passed=False
    )
    for pk, expires_at in expired:
        audit_record(
            "attempt.expired",
            actor=user,
            object_type=Attempt._meta.label_lower,
            object_id=str(pk),
            object_label=f"{Attempt._meta.verbose_name} {pk}",
            payload={"expired_at": expires_at},
            now=now,
        )
    return count


def _attempt_label(attempt, user) -> str:
    """The attempt's label in the audit trail: who, and when it started in local time (as
    ``Attempt.__str__`` and every time the admin shows)."""
    started = timezone.localtime(attempt.started_at)
    return f"{user.get_full_name() or user.get_username()} · {started:%Y-%m-%d %H:%M}"


def _tokens(count: int) -> list[str]:
    """Distinct unguessable values for an item's options, as the form will carry them."""
    tokens: set[str] = set()
    while len(tokens) < count:
        tokens.add(secrets.token_urlsafe(9))
    return list(tokens)


def _draw(*, questions, per_topic: int, shuffle: bool, rng, last_seen=None) -> list:
    """``per_topic`` questions from each topic, so retakes are not the same paper.

    Within a topic, questions the learner has never been shown come first, then the least
    recently shown (``last_seen``: question translation key → when it was last shown);
    the choice among equals is random.
    """
    last_seen = last_seen or {}

    def freshness(question):
        seen = last_seen.get(question.translation_key)
        return (0, 0.0) if seen is None else (1, seen.timestamp())

    by_topic: dict = {}
    for question in questions:
        by_topic.setdefault(question.topic.translation_key, []).append(question)
    drawn = []
    for topic_questions in sorted(by_topic.values(), key=lambda qs: (qs[0].topic.sort_order, qs[0].topic.pk)):
        topic_questions.sort(key=lambda q: q.pk)
        rng.shuffle(topic_questions)
        topic_questions.sort(key=freshness)  # stable: the shuffled order stays among equals
        drawn.extend(sorted(topic_questions[:per_topic], key=lambda q: q.pk))
    if shuffle:
        rng.shuffle(drawn)
    return drawn


def attempt_start(*, user, programme, rng=None, now=None) -> Attempt:
    """Start the quiz, or resume the attempt already open. Snapshots questions and answers."""
    now = now or timezone.now()
    rng = rng or random.Random(secrets.randbits(64))  # noqa: S311 - shuffling, not secrets
    key = programme.translation_key
    with transaction.atomic():
        attempt_expire_stale(user=user, programme_key=key, now=now)
        existing = selectors.open_attempt(user=user, programme_key=key, now=now)
        if existing is not None:
            refusal = selectors.closing_refusal(user=user, programme=programme, now=now)
            if refusal is not None:
                raise NotEligible(refusal.reason, code=refusal.code)
            return existing
        eligibility = selectors.quiz_eligibility(user=user, programme=programme, now=now)
        if not eligibility.ok:
            raise NotEligible(eligibility.reason, code=eligibility.code)
        rules = selectors.quiz_rules(programme=programme)
        locale = programme.locale
        pool, in_language = selectors.draw_pool(programme=programme, locale=locale)
        drawn = _draw(
            questions=pool,
            per_topic=rules.questions_per_topic,
            shuffle=rules.shuffle,
            rng=rng,
            last_seen=selectors.questions_last_seen(user=user, programme_key=key),
        )
        drawn = [in_language[q.translation_key] for q in drawn]
        if not drawn:
            raise NotEligible(
                _("The quiz has no questions yet. Please try again later."), code="no_questions"
            )
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    user=user,
                    programme=programme_in_default_locale(programme=programme),
                    programme_key=key,
                    language=locale.language_code,
                    started_at=now,
                    expires_at=now + rules.lifetime,
                    pass_mark=rules.pass_mark,
                    question_count=len(drawn),
                    content_version=programme_content_version(programme_key=key),
                )
        except IntegrityError:
            # Another request opened an attempt at the same moment: resume that one.
            return Attempt.objects.get(user=user, programme_key=key, status=Attempt.Status.IN_PROGRESS)
        items = []
        for position, question in enumerate(drawn, start=1):
            options = list(question.options.all())
            if rules.shuffle and question.kind != question.Kind.TRUE_FALSE:
                rng.shuffle(options)
            items.append(
                AttemptQuestion(
                    attempt=attempt,
                    position=position,
                    question=question,
                    question_revision_id=question.live_revision_id,
                    question_key=question.translation_key,
                    topic_key=question.topic.translation_key,
                    topic_name=question.topic.name,
                    topic_order=question.topic.sort_order,
                    kind=question.kind,
                    text=question.text,
                    rationale=question.rationale,
                    critical=question.critical,
                    lesson_key=question.lesson.translation_key if question.lesson else None,
                    lesson_title=question.lesson.title if question.lesson else "",
                    lesson_anchor=question.lesson_anchor if question.lesson else "",
                    options=[
                        {"id": o.pk, "key": o.key, "text": o.text, "token": token}
                        for o, token in zip(options, _tokens(len(options)), strict=True)
                    ],
                    correct_option_ids=[o.pk for o in options if o.is_correct],
                )
            )
        AttemptQuestion.objects.bulk_create(items)
        audit_record(
            "attempt.started",
            actor=user,
            obj=attempt,
            object_label=_attempt_label(attempt, user),
            payload={"programme_key": key, "language": attempt.language, "questions": len(items)},
            now=now,
        )
    return attempt


def _validate(*, items, answers: dict) -> dict:
    """Map each item to the option ids chosen, refusing anything that is not part of the attempt.

    The browser only ever sees per-attempt tokens, never option ids, so nothing in the page
    hints at how the options were authored.
    """
    by_id = {str(item.pk): item for item in items}
    unknown = set(answers) - set(by_id)
    if unknown:
        raise InvalidAnswers(_("The answers do not belong to this attempt."), code="foreign_question")
    chosen: dict = {}
    missing = []
    for item_id, item in by_id.items():
        raw = answers.get(item_id, [])
        if not raw:
            missing.append(item.position)
            continue
        chosen[item] = _chosen_ids(item, raw)
    if missing:
        raise InvalidAnswers(
            _("Answer every question before you submit. Unanswered: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing)},
            code="missing",
        )
    return chosen


def _open_attempt_locked(*, attempt_id, user, now) -> Attempt:
    """The learner's attempt, row-locked, if answers may still be saved or submitted; else the
    refusal (404 unknown, 403 no longer a prescriber, 409 submitted, 410 expired, or the quiz
    closed meanwhile, e.g. the attestation was revoked)."""
    attempt = (
        Attempt.objects.select_for_update()
        .filter(pk=attempt_id, user=user)
        .select_related("programme")
        .first()
    )
    if attempt is None:
        raise QuizError(_("This attempt does not exist."), code="not_found", status=404)
    if not roles.has_role(user, roles.PRESCRIBER):
        raise NotEligible(_("Only registered prescribers can take the quiz."), code="not_prescriber")
    if attempt.status == Attempt.Status.SUBMITTED:
        raise AttemptClosed(_("This attempt has already been submitted."), code="already_submitted")
    if attempt.status == Attempt.Status.EXPIRED or attempt.expires_at <= now:
        raise AttemptClosed(
            _("The time for this attempt ran out. Start a new attempt."), code="expired", status=410
        )
    # Checked after the status, so a second submit of a passed attempt still sees "submitted".
    refusal = selectors.closing_refusal(user=user, programme=attempt.programme, now=now)
    if refusal is not None:
        raise NotEligible(refusal.reason, code=refusal.code)
    return attempt


def attempt_submit(*, attempt_id, user, answers: dict, now=None) -> Attempt:
    """Score an attempt from its snapshot, exactly once. Nothing is saved if anything is wrong.

    Constant number of queries: claim the attempt, read its items, write choices,
    write item results, write the attempt's result.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _open_attempt_locked(attempt_id=attempt_id, user=user, now=now)
        # Answers saved along the way are replaced by what was submitted; the subquery says
        # whether there are any to clear, so a submit without saves costs no extra query.
        saved = AttemptChoice.objects.filter(item=OuterRef("pk"))
        items = list(attempt.items.annotate(has_saved=Exists(saved)))
        chosen = _validate(items=items, answers=answers)

        results = []
        choices = []
        for item in items:
            ids = chosen[item]
            item.is_correct = scoring.item_is_correct(correct_ids=item.correct_option_ids, selected_ids=ids)
            results.append((item.is_correct, item.critical))
            keys = {o["id"]: o["key"] for o in item.options}
            choices.extend(AttemptChoice(item=item, option_id=i, option_key=keys[i]) for i in sorted(ids))
        outcome = scoring.decide(results=results, pass_mark=attempt.pass_mark)

        # The claim: only one request can move the attempt out of "in progress".
        claimed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
            status=Attempt.Status.SUBMITTED,
            ended_at=now,
            correct_count=outcome.correct,
            score=outcome.score,
            passed=outcome.passed,
            critical_missed=outcome.critical_missed,
        )
        if claimed != 1:
            raise AttemptClosed(_("This attempt has already been submitted."), code="already_submitted")
        if any(item.has_saved for item in items):
            AttemptChoice.objects.filter(item__attempt=attempt).delete()
        AttemptChoice.objects.bulk_create(choices)
        AttemptQuestion.objects.bulk_update(items, ["is_correct"])
        attempt.status = Attempt.Status.SUBMITTED
        attempt.ended_at = now
        attempt.correct_count = outcome.correct
        attempt.score = outcome.score
        attempt.passed = outcome.passed
        attempt.critical_missed = outcome.critical_missed
        audit_record(
            "attempt.submitted",
            actor=user,
            obj=attempt,
            object_label=_attempt_label(attempt, user),
            payload={
                "score": outcome.score,
                "passed": outcome.passed,
                "critical_missed": outcome.critical_missed,
            },
            now=now,
        )
        if outcome.passed:
            quiz_passed.send(sender=Attempt, attempt=attempt)
    return attempt


def _chosen_ids(item: AttemptQuestion, tokens: list) -> set:
    """The option ids behind the tokens sent for one item; refuses tokens of anything else."""
    by_token = item.options_by_token()
    if not all(isinstance(value, str) and value in by_token for value in tokens):
        raise InvalidAnswers(_("The answers do not belong to this attempt."), code="foreign_option")
    ids = {by_token[value] for value in tokens}
    if item.kind != "multiple" and len(ids) > 1:
        raise InvalidAnswers(
            _("Question %(n)s takes exactly one answer.") % {"n": item.position}, code="one_answer"
        )
    return ids


def attempt_save_answers(*, attempt_id, user, answers: dict, clear_unanswered: bool = False, now=None) -> int:
    """Keep the options chosen so far in an open attempt, so a reload or a lost tab loses nothing.

    ``answers`` maps item ids to option tokens; each item sent replaces what was saved for it
    (an empty list clears it). With ``clear_unanswered`` (a whole form sent back), items not
    sent are cleared too. Saved choices are not scored: only a submit scores, from what it
    carries. Nothing is saved if anything is wrong. Returns how many questions have an answer.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _open_attempt_locked(attempt_id=attempt_id, user=user, now=now)
        items = {str(item.pk): item for item in attempt.items.all()}
        if set(answers) - set(items):
            raise InvalidAnswers(_("The answers do not belong to this attempt."), code="foreign_question")
        replaced = list(items) if clear_unanswered else list(answers)
        choices = []
        for item_id in replaced:
            item = items[item_id]
            keys = {o["id"]: o["key"] for o in item.options}
            ids = _chosen_ids(item, answers.get(item_id, []))
            choices.extend(AttemptChoice(item=item, option_id=i, option_key=keys[i]) for i in sorted(ids))
        AttemptChoice.objects.filter(item__in=[items[item_id] for item_id in replaced]).delete()
        AttemptChoice.objects.bulk_create(choices)
        return AttemptChoice.objects.filter(item__attempt=attempt).values("item").distinct().count()
