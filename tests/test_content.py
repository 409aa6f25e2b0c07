"""The Lemtrada programme as loaded by load_programme: complete, exact, bilingual, idempotent."""

import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision

from courses.models import LessonPage, ProgrammePage
from quizzes.models import Question, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("load_programme", verbosity=0)


def _lesson_text(code):
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code=code)
    lessons = LessonPage.objects.child_of(programme).order_by("path")
    return programme, list(lessons), " ".join(str(lesson.body) + lesson.intro for lesson in lessons)


def test_programme_has_slug_lemtrada_in_both_languages_linked_as_translations(loaded):
    nb = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    en = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="en")
    assert nb.translation_key == en.translation_key
    assert nb.live and en.live
    assert nb.source_date.isoformat() == "2019-04-16"


def test_at_least_six_lessons_in_each_language_with_matching_translations(loaded):
    _, nb, _ = _lesson_text("nb")
    _, en, _ = _lesson_text("en")
    assert len(nb) >= 6
    assert [lesson.translation_key for lesson in nb] == [lesson.translation_key for lesson in en]


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        (
            "nb",
            [
                "11. april 2019",
                "minst to andre sykdomsmodifiserende",
                "kontraindisert",
                "EKG",
                "blodtrykk",
                "1–3 dager",
                "fire år",
                "hemofagocytisk lymfohistiocytose",
                "autoimmun hepatitt",
                "https://legemiddelverket.no/meldeskjema",
                "67 10 71 00",
                "medinfo-norge@sanofi.com",
                "Postboks 133, 1325 Lysaker",
                "pulmonal alveolær blødning",
                "hjerteinfarkt",
                "disseksjon",
            ],
        ),
        (
            "en",
            [
                "11 April 2019",
                "at least two other disease-modifying",
                "contraindicated",
                "ECG",
                "blood pressure",
                "1–3 days",
                "four years",
                "haemophagocytic lymphohistiocytosis",
                "autoimmune hepatitis",
                "https://legemiddelverket.no/meldeskjema",
                "67 10 71 00",
                "medinfo-norge@sanofi.com",
                "Postboks 133, 1325 Lysaker",
                "pulmonary alveolar haemorrhage",
                "myocardial infarction",
                "dissection",
            ],
        ),
    ],
)
def test_every_fact_of_the_letter_is_taught(loaded, code, facts):
    _, _, text = _lesson_text(code)
    text = re.sub(r"\s+", " ", text)
    missing = [fact for fact in facts if fact.lower() not in text.lower()]
    assert not missing


def test_no_wrong_time_windows_slip_in(loaded):
    for code in ("nb", "en"):
        _, _, text = _lesson_text(code)
        assert "1-3 uker" not in text and "1–3 weeks" not in text
        assert "to år etter" not in text and "two years after" not in text


def test_question_bank_has_36_per_language_and_6_per_topic(loaded):
    for code in ("nb", "en"):
        questions = Question.objects.filter(locale__language_code=code, live=True, active=True)
        assert questions.count() >= 36
        per_topic = Counter(questions.values_list("topic__key", flat=True))
        assert len(per_topic) == 6
        assert min(per_topic.values()) >= 6
        assert all(q.lesson_id for q in questions)


def test_question_translations_share_keys_and_correct_options(loaded):
    nb = {q.translation_key: q for q in Question.objects.filter(locale__language_code="nb")}
    en = {q.translation_key: q for q in Question.objects.filter(locale__language_code="en")}
    assert nb.keys() == en.keys()
    for key, question in nb.items():
        nb_correct = sorted(o.key for o in question.options.all() if o.is_correct)
        en_correct = sorted(o.key for o in en[key].options.all() if o.is_correct)
        assert nb_correct == en_correct
        assert en[key].lesson.locale.language_code == "en"
        assert en[key].topic.locale.language_code == "en"


def test_loading_twice_leaves_the_same_pages_and_revisions(loaded):
    before = (Page.objects.count(), Revision.objects.count(), Question.objects.count(), Topic.objects.count())
    call_command("load_programme", verbosity=0)
    after = (Page.objects.count(), Revision.objects.count(), Question.objects.count(), Topic.objects.count())
    assert before == after


def test_pages_are_created_through_revisions(loaded):
    for page in LessonPage.objects.all():
        assert page.live_revision_id is not None


def test_a_change_made_by_a_person_in_the_admin_is_kept(loaded):
    from tests.factories import MedicalAffairsFactory

    editor = MedicalAffairsFactory()
    lesson = LessonPage.objects.filter(locale__language_code="nb").order_by("path").first()
    lesson.title = "Redigert av medisinsk avdeling"
    lesson.save_revision(user=editor).publish()
    call_command("load_programme", verbosity=0)
    lesson.refresh_from_db()
    assert lesson.title == "Redigert av medisinsk avdeling"
    call_command("load_programme", "--force", verbosity=0)
    lesson.refresh_from_db()
    assert lesson.title != "Redigert av medisinsk avdeling"


def test_the_home_page_lists_the_programme_in_both_languages(loaded, client):
    assert "Lemtrada" in client.get("/nb/").content.decode()
    assert "Lemtrada" in client.get("/en/").content.decode()


SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "lemtrada-dhpc-2019-nb.txt"


@pytest.mark.skipif(not SEED.exists(), reason="the source letter is not beside the checkout")
def test_the_content_is_written_in_our_own_words():
    words = re.findall(r"\w+", SEED.read_text(encoding="utf-8").lower())
    letter_runs = {" ".join(words[i : i + 12]) for i in range(len(words) - 11)}
    for path in sorted((Path(__file__).resolve().parents[1] / "content").rglob("*.toml")):
        ours = re.findall(r"\w+", path.read_text(encoding="utf-8").lower())
        copied = [
            " ".join(ours[i : i + 12])
            for i in range(len(ours) - 11)
            if " ".join(ours[i : i + 12]) in letter_runs
        ]
        assert not copied, f"{path.name} repeats the letter word for word: {copied[:2]}"
