"""load_programme after the install: it never publishes; what differs goes to Medical review."""

import shutil
import tomllib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from content.loader import CONTENT_DIR, Loader
from courses.models import ContentChange, LessonPage, ProgrammePage
from quizzes.models import Question, Topic
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(programme_loaded_once, tmp_path) -> Path:
    """A copy of the content files, installed (once per module: each test's changes roll back)."""
    directory = tmp_path / "lemtrada"
    shutil.copytree(CONTENT_DIR / "lemtrada", directory)
    return directory


def _replace(path: Path, old: str, new: str, count: int = 1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _nb_lesson():
    return LessonPage.objects.filter(locale__language_code="nb").order_by("path").first()


def test_the_first_load_publishes_the_programme_with_its_topics(files):
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    assert programme.live
    topics = tomllib.loads((files / "questions.nb.toml").read_text(encoding="utf-8"))["topics"]
    assert [t.key for t in programme.quiz_topics.all()] == [t["key"] for t in topics]
    assert "quiz_topics" in programme.live_revision.content
    assert not ContentChange.objects.exists()


def test_a_later_load_submits_a_changed_lesson_for_review_and_publishes_nothing(files):
    lesson = _nb_lesson()
    _replace(files / "programme.nb.toml", f'title = "{lesson.title}"', 'title = "Ny tittel fra filene"')
    report = Loader(directory=files, summary="Ny tittel.").run()

    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert lesson.title != "Ny tittel fra filene"  # live content unchanged
    assert lesson.get_latest_revision_as_object().title == "Ny tittel fra filene"
    assert lesson.current_workflow_state is not None
    assert lesson.current_workflow_state.workflow.name == "Medical review"
    change = ContentChange.objects.get(revision=lesson.latest_revision)
    assert change.material and change.summary == "Ny tittel."
    assert any("title" in line for line in report.submitted)


def test_a_later_load_names_what_changed_when_no_summary_is_given(files):
    question = Question.objects.filter(locale__language_code="nb").order_by("pk").first()
    old = f'rationale = "{question.rationale}"'
    _replace(files / "questions.nb.toml", old, 'rationale = "Ny forklaring."')
    report = Loader(directory=files, material=False).run()
    assert report.submitted and not report.created and not report.updated
    # Nothing changed live: the change waits for review.
    assert Question.objects.get(pk=question.pk).rationale == question.rationale
    change = ContentChange.objects.get()
    assert not change.material
    assert "rationale" in change.summary


def test_a_new_critical_flag_from_the_files_is_material_even_when_declared_not(files):
    critical_before = set(Question.objects.filter(critical=True).values_list("pk", flat=True))
    _replace(files / "questions.nb.toml", "critical = true", "critical = false")
    Loader(directory=files, material=False).run()
    assert set(Question.objects.filter(critical=True).values_list("pk", flat=True)) == critical_before
    change = ContentChange.objects.get()
    assert change.material
    assert "critical" in change.summary


def test_a_new_question_from_the_files_waits_for_review_and_is_not_drawn(files):
    before = set(Question.objects.values_list("pk", flat=True))
    text = (files / "questions.nb.toml").read_text(encoding="utf-8")
    first = text.index("[[questions]]")
    block = text[first : text.index("[[questions]]", first + 1)]
    key_line = next(line for line in block.splitlines() if line.startswith("key ="))
    (files / "questions.nb.toml").write_text(
        text + "\n" + block.replace(key_line, 'key = "ny-fra-filene"'), encoding="utf-8"
    )
    Loader(directory=files).run()
    new = Question.objects.exclude(pk__in=before).get()
    assert not new.live
    assert new.current_workflow_state is not None
    assert not Question.objects.drawable().filter(pk=new.pk).exists()


def test_a_changed_topic_name_is_submitted_with_the_programme_not_written_live(files):
    topic = Topic.objects.filter(locale__language_code="nb").order_by("sort_order").first()
    _replace(files / "questions.nb.toml", f'name = "{topic.name}"', 'name = "Nytt emnenavn"')
    Loader(directory=files).run()
    assert Topic.objects.get(pk=topic.pk).name == topic.name
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")
    draft = programme.get_latest_revision_as_object()
    assert "Nytt emnenavn" in [t.name for t in draft.quiz_topics.all()]
    assert programme.current_workflow_state is not None


def test_reloading_unchanged_files_submits_nothing(files):
    report = Loader(directory=files).run()
    assert not report.submitted and not report.created and not report.updated
    assert not ContentChange.objects.exists()


def test_content_in_review_is_left_alone_by_a_second_load(files):
    lesson = _nb_lesson()
    _replace(files / "programme.nb.toml", f'title = "{lesson.title}"', 'title = "Første forslag"')
    Loader(directory=files).run()
    _replace(files / "programme.nb.toml", 'title = "Første forslag"', 'title = "Andre forslag"')
    report = Loader(directory=files).run()
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert lesson.get_latest_revision_as_object().title == "Første forslag"
    assert any("in review" in line for line in report.skipped)


def test_force_is_refused_with_debug_off(programme_loaded_once):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_programme", "--force", verbosity=0)


@override_settings(DEBUG=True)
def test_force_publishes_over_admin_edits_in_development(programme_loaded_once):
    lesson = _nb_lesson()
    lesson.title = "Redigert av medisinsk avdeling"
    lesson.save_revision(user=factories.MedicalAffairsFactory()).publish()
    call_command("load_programme", "--force", verbosity=0)
    assert LessonPage.objects.get(pk=lesson.pk).title != "Redigert av medisinsk avdeling"


def test_a_question_removed_from_the_files_is_submitted_for_retirement_not_deleted(files):
    text = (files / "questions.nb.toml").read_text(encoding="utf-8")
    first = text.index("[[questions]]")
    second = text.index("[[questions]]", first + 1)
    block = text[first:second]
    key = next(line for line in block.splitlines() if line.startswith("key =")).split('"')[1]
    (files / "questions.nb.toml").write_text(text[:first] + text[second:], encoding="utf-8")
    Loader(directory=files).run()
    question = Question.objects.get(key=key, locale__language_code="nb")
    assert question.active and question.live  # still live until a reviewer approves
    assert question.get_latest_revision_as_object().active is False
    assert question.current_workflow_state is not None
    assert "retired" in ContentChange.objects.get(revision=question.latest_revision).summary


def test_a_text_changed_in_both_languages_reaches_the_translation_memory_as_a_pair(
    files, django_capture_on_commit_callbacks
):
    from wagtail_localize.models import StringTranslation

    from courses.translation import translation_status

    source = Question.objects.filter(locale__language_code="nb", key__gt="").order_by("pk").first()
    english = Question.objects.get(translation_key=source.translation_key, locale__language_code="en")
    _replace(files / "questions.nb.toml", f'text = "{source.text}"', 'text = "Ny norsk tekst?"')
    _replace(files / "questions.en.toml", f'text = "{english.text}"', 'text = "New English text?"')
    Loader(directory=files).run()

    # Nothing live changed; both languages wait for review, and the memory pairs the new texts.
    assert Question.objects.get(pk=english.pk).text == english.text
    assert Question.objects.get(pk=english.pk).get_latest_revision_as_object().text == "New English text?"
    assert StringTranslation.objects.get(translation_of__data="Ny norsk tekst?").data == "New English text?"

    reviewer = factories.MedicalAffairsFactory()
    for question in (source, english):
        state = Question.objects.get(pk=question.pk).current_workflow_state
        with django_capture_on_commit_callbacks(execute=True):
            state.current_task_state.task.specific.on_action(state.current_task_state, reviewer, "approve")
    assert Question.objects.get(pk=english.pk).text == "New English text?"
    assert translation_status(Question.objects.get(pk=english.pk)).missing == 0  # in step
