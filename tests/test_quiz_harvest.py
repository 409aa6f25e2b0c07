"""The harvest: however many accounts fail however many attempts, no page reachable before a pass
gives away a keyed answer or a rationale.

The bank below has distinctive texts ("KEYED …", "distractor …", "RATIONALE …") so that a match can
only come from the quiz, never from a lesson or a label. The learners choose only wrong options, or
a mix of right and wrong: a keyed option they chose themselves is their own answer and may be shown,
so it is left out of the comparison.
"""

import random

import pytest
from django.core import mail

from courses.models import LessonPage
from quizzes.models import Attempt, Option, Question, Topic
from tests import factories

pytestmark = pytest.mark.django_db

LANGUAGES = ("nb", "en")
ANCHOR = "what-to-check"


def _lesson_bodies(programme):
    for n, lesson in enumerate(LessonPage.objects.child_of(programme).order_by("path"), start=1):
        lesson.body = [
            {"type": "text", "value": f"<p>Innhold {n}.</p>"},
            {
                "type": "key_message",
                "value": {"heading": f"Key message {n}", "text": "<p>Read this.</p>", "anchor": ANCHOR},
            },
        ]
        lesson.save_revision().publish()


def _bank(programmes):
    """Three topics of four questions (single and multiple choice) in nb and en, linked as translations."""
    lessons = {
        code: list(LessonPage.objects.child_of(page).order_by("path")) for code, page in programmes.items()
    }
    for t in range(3):
        topics = {}
        for code, page in programmes.items():
            topic = Topic(
                programme=page,
                name=f"Topic {t + 1} ({code})",
                sort_order=t,
                key=f"t{t + 1}",
                locale=page.locale,
            )
            if code != "nb":
                topic.translation_key = topics["nb"].translation_key
            topic.save()
            topics[code] = topic
        for q in range(4):
            key = f"q{t + 1}-{q + 1}"
            kind = "multiple" if q % 2 else "single"
            keys = ("a", "b", "c", "d") if kind == "multiple" else ("a", "b", "c")
            correct = {"a", "b"} if kind == "multiple" else {"a"}
            source = None
            for code, page in programmes.items():
                question = Question(
                    topic=topics[code],
                    kind=kind,
                    text=f"Harvest question {key} ({code})",
                    rationale=f"RATIONALE {key} ({code})",
                    lesson=lessons[code][t % len(lessons[code])],
                    lesson_anchor=ANCHOR,
                    locale=page.locale,
                    key=key,
                    live=True,
                )
                if source is not None:
                    question.translation_key = source.translation_key
                question.options = [
                    Option(
                        key=k,
                        text=f"{'KEYED' if k in correct else 'distractor'} {key}-{k} ({code})",
                        is_correct=k in correct,
                        sort_order=i,
                    )
                    for i, k in enumerate(keys)
                ]
                question.save()
                question.save_revision().publish()
                question.save_revision().publish()
                source = source or question


@pytest.fixture
def quiz(db):
    nb = factories.programme(code="nb", slug="harvest", lessons=2, questions_per_topic=2)
    en = factories.programme(code="en", slug="harvest", lessons=2, source=nb)
    for page in (nb, en):
        _lesson_bodies(page)
    _bank({"nb": nb, "en": en})
    return {"nb": nb, "en": en}


def _choose(item, *, rng, right: bool) -> list:
    """Option tokens for ``item``: all of the keyed ones when ``right``, else a wrong answer.

    A wrong answer to a multiple-choice question is sometimes one keyed option plus a distractor,
    so the learner's own answer includes a keyed option they may see again.
    """
    correct = [o for o in item.options if o["id"] in item.correct_option_ids]
    wrong = [o for o in item.options if o["id"] not in item.correct_option_ids]
    if right:
        chosen = correct
    elif item.kind == "multiple" and rng.random() < 0.5:
        chosen = [rng.choice(correct), rng.choice(wrong)]
    elif item.kind == "multiple":
        chosen = rng.sample(wrong, rng.randint(1, len(wrong)))
    else:
        chosen = [rng.choice(wrong)]
    return [o["token"] for o in chosen]


def _sit(client, user, quiz, *, language, rng, right=0) -> Attempt:
    """Start an attempt in ``language`` and submit it, the first ``right`` questions answered right."""
    slug = quiz[language].slug
    assert client.post(f"/{language}/quiz/{slug}/start/").status_code == 302
    attempt = Attempt.objects.get(user=user, status="in_progress")
    answers = {
        str(item.pk): _choose(item, rng=rng, right=item.position <= right) for item in attempt.items.all()
    }
    response = client.post(f"/{language}/quiz/attempt/{attempt.pk}/", factories.as_post(answers))
    assert response.status_code == 302
    attempt.refresh_from_db()
    return attempt


def _reachable_pages(client, quiz, attempts) -> dict:
    """Every page a learner can open before passing, by URL."""
    urls = ["/nb/", "/en/", "/nb/attestations/", "/en/attestations/"]
    for page in quiz.values():
        urls += [page.url, f"/{page.locale.language_code}/quiz/{page.slug}/"]
        urls += [lesson.url for lesson in LessonPage.objects.child_of(page)]
    for attempt in attempts:
        for code in LANGUAGES:
            urls += [f"/{code}/quiz/attempt/{attempt.pk}/", f"/{code}/quiz/attempt/{attempt.pk}/result/"]
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    # Starting again during the cooldown: the refusal page.
    refused = client.post(f"/en/quiz/{quiz['en'].slug}/start/")
    pages["start during cooldown"] = refused.content.decode()
    return pages


def _keyed_and_rationales(user) -> set:
    """Every keyed option text and rationale in the bank, except keyed options the user chose."""
    own = set(
        Attempt.objects.filter(user=user)
        .values_list("items__question_key", "items__choices__option_key")
        .exclude(items__choices__option_key=None)
    )
    secrets = set()
    for question in Question.objects.prefetch_related("options"):
        secrets.add(question.rationale)
        secrets.update(
            option.text
            for option in question.options.all()
            if option.is_correct and (question.translation_key, option.key) not in own
        )
    return secrets


def _fail_three_times(client, quiz, *, seed) -> tuple:
    user = factories.PrescriberFactory()
    factories.read_all(user, quiz["nb"])
    client.force_login(user)
    rng = random.Random(seed)
    attempts = []
    for n in range(3):  # the third failure starts the cooldown
        language = LANGUAGES[(seed + n) % 2]
        attempt = _sit(client, user, quiz, language=language, rng=rng, right=(seed + n) % 4)
        assert attempt.status == "submitted" and attempt.passed is False
        attempts.append(attempt)
    return user, attempts


def test_failed_attempts_by_many_accounts_reveal_no_keyed_answer_or_rationale(client, quiz):
    learners = [_fail_three_times(client, quiz, seed=seed) for seed in range(4)]
    for user, attempts in learners:
        client.force_login(user)
        pages = _reachable_pages(client, quiz, attempts)
        forbidden = _keyed_and_rationales(user)
        assert len(forbidden) > 24  # the comparison is not empty
        for url, body in pages.items():
            leaked = sorted(text for text in forbidden if text in body)
            assert not leaked, f"{url} reveals {leaked[:3]}"
        for attempt in attempts:
            # What a failed attempt does show: the missed questions, the learner's own answers
            # and the part of the lesson that teaches each, in the attempt's language.
            result = pages[f"/en/quiz/attempt/{attempt.pk}/result/"]
            missed = attempt.items.filter(is_correct=False).prefetch_related("choices")
            assert missed
            for item in missed:
                assert item.text in result
                chosen = {c.option_id for c in item.choices.all()}
                assert all(o["text"] in result for o in item.options if o["id"] in chosen)
                lesson = LessonPage.objects.get(
                    translation_key=item.lesson_key, locale__language_code=attempt.language
                )
                assert f'href="{lesson.url}#{ANCHOR}"' in result
        for message in mail.outbox:
            assert not any(text in message.body for text in forbidden)

    # The same pages with answer review "always": now the keys and rationales are there, so the
    # comparison above would have caught them.
    quiz["nb"].answer_review = "always"
    quiz["nb"].save()
    user, attempts = learners[0]
    client.force_login(user)
    for attempt in attempts:
        body = client.get(f"/nb/quiz/attempt/{attempt.pk}/result/").content.decode()
        for item in attempt.items.all():
            assert item.rationale in body
            assert all(o["text"] in body for o in item.options if o["id"] in item.correct_option_ids)


def test_a_pass_shows_the_full_review_with_keyed_answers_and_rationales(client, quiz):
    user = factories.PrescriberFactory()
    factories.read_all(user, quiz["nb"])
    client.force_login(user)
    rng = random.Random(7)
    failed = _sit(client, user, quiz, language="nb", rng=rng)
    passed = _sit(client, user, quiz, language="en", rng=rng, right=6)
    assert failed.passed is False and passed.passed is True
    body = client.get(f"/en/quiz/attempt/{passed.pk}/result/").content.decode()
    for item in passed.items.all():
        assert item.text in body
        assert item.rationale in body
        assert all(o["text"] in body for o in item.options if o["id"] in item.correct_option_ids)
    # The failed attempt's own result still keeps its keys: the review belongs to the attempt passed.
    earlier = client.get(f"/en/quiz/attempt/{failed.pk}/result/").content.decode()
    assert not any(item.rationale in earlier for item in failed.items.all())


def test_with_answer_review_never_not_even_a_pass_shows_keyed_answers(client, quiz):
    quiz["nb"].answer_review = "never"
    quiz["nb"].save()
    user = factories.PrescriberFactory()
    factories.read_all(user, quiz["nb"])
    client.force_login(user)
    rng = random.Random(3)
    passed = _sit(client, user, quiz, language="nb", rng=rng, right=5)
    assert passed.passed is True  # 5 of 6 right
    body = client.get(f"/nb/quiz/attempt/{passed.pk}/result/").content.decode()
    assert "Bestått" in body
    for item in passed.items.prefetch_related("choices"):
        assert item.rationale not in body
        chosen = {c.option_id for c in item.choices.all()}
        keyed = [
            o["text"] for o in item.options if o["id"] in item.correct_option_ids and o["id"] not in chosen
        ]
        assert not any(text in body for text in keyed)
    missed = passed.items.get(is_correct=False)
    assert missed.text in body  # what was missed is still shown, with its lesson link


HPR_MESSAGE = "The right answers and explanations are shown once your HPR number has been confirmed."


def _leaks(body, user) -> list:
    forbidden = _keyed_and_rationales(user)
    assert len(forbidden) > 24  # the comparison is not empty
    return sorted(text for text in forbidden if text in body)


def test_an_unverified_learner_who_passes_sees_no_keyed_answers_and_is_told_why(client, quiz):
    user = factories.PrescriberFactory(hpr_verified_at=None)
    factories.read_all(user, quiz["nb"])
    client.force_login(user)
    passed = _sit(client, user, quiz, language="en", rng=random.Random(11), right=5)
    assert passed.passed is True  # 5 of 6 right, under the default "after_pass"
    response = client.get(f"/en/quiz/attempt/{passed.pk}/result/")
    body = response.content.decode()
    assert not _leaks(body, user)
    assert HPR_MESSAGE in body
    assert 'href="/en/help/"' in body
    missed = passed.items.get(is_correct=False)
    assert missed.text in body  # the missed question and its lesson link are still there
    assert response.context["result"].review is False


def test_a_verified_learner_who_passes_sees_the_review_without_the_hpr_message(client, quiz):
    user = factories.PrescriberFactory()
    factories.read_all(user, quiz["nb"])
    client.force_login(user)
    passed = _sit(client, user, quiz, language="en", rng=random.Random(11), right=5)
    assert passed.passed is True
    body = client.get(f"/en/quiz/attempt/{passed.pk}/result/").content.decode()
    assert HPR_MESSAGE not in body
    for item in passed.items.all():
        assert item.rationale in body
        assert all(o["text"] in body for o in item.options if o["id"] in item.correct_option_ids)


def test_with_answer_review_always_an_unverified_learner_still_sees_no_keyed_answers(client, quiz):
    quiz["nb"].answer_review = "always"
    quiz["nb"].save()
    user = factories.PrescriberFactory(hpr_verified_at=None)
    factories.read_all(user, quiz["nb"])
    client.force_login(user)
    rng = random.Random(5)
    failed = _sit(client, user, quiz, language="nb", rng=rng)
    passed = _sit(client, user, quiz, language="en", rng=rng, right=6)
    assert failed.passed is False and passed.passed is True
    for attempt in (failed, passed):
        for code in LANGUAGES:
            body = client.get(f"/{code}/quiz/attempt/{attempt.pk}/result/").content.decode()
            assert not _leaks(body, user), f"{code} result of attempt {attempt.pk}"
    assert HPR_MESSAGE in client.get(f"/en/quiz/attempt/{failed.pk}/result/").content.decode()
