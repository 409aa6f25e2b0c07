"""Medical affairs publish through peer review: one submits, another approves."""

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry

from courses.models import ProgrammePage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors():
    return factories.MedicalAffairsFactory(), factories.MedicalAffairsFactory()


def _submit(page, editor):
    page.save_revision(user=editor)
    workflow = page.get_workflow()
    return workflow, workflow.start(page, editor)


def test_medical_affairs_cannot_publish_pages_directly(programme, editors):
    editor, _ = editors
    perms = programme.permissions_for_user(editor)
    assert perms.can_edit()
    assert not perms.can_publish()


def test_editor_cannot_approve_their_own_submission_but_a_colleague_can(
    client, programme, editors, django_capture_on_commit_callbacks
):
    editor, reviewer = editors
    programme.summary = "Oppdatert sammendrag."
    workflow, state = _submit(programme, editor)
    assert workflow.name == "Medical review"
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.get_actions(programme, editor) == []
    assert [name for name, *_ in task.get_actions(programme, reviewer)][:2] == ["reject", "approve"]

    url = reverse("wagtailadmin_pages:workflow_action", args=(programme.pk, "approve", task_state.pk))
    client.force_login(editor)
    refused = client.post(url)
    assert refused.status_code in (302, 403)
    assert refused.status_code == 403 or refused["Location"] == "/admin/"  # Wagtail's "permission denied"
    assert ProgrammePage.objects.get(pk=programme.pk).summary != "Oppdatert sammendrag."

    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code in (200, 302)
    published = ProgrammePage.objects.get(pk=programme.pk)
    assert published.summary == "Oppdatert sammendrag."
    assert published.live_revision.user == editor
    assert published.live_revision == published.latest_revision


def test_nothing_awaits_the_submitters_own_review(programme, editors):
    editor, reviewer = editors
    _submit(programme, editor)
    task = programme.get_workflow().tasks.first().specific
    assert not task.get_task_states_user_can_moderate(editor).exists()
    assert task.get_task_states_user_can_moderate(reviewer).exists()


def test_questions_go_through_the_same_review(programme, editors):
    question = factories.question_bank(programme, topics=1, per_topic=1)[0]
    workflow = question.get_workflow()
    assert workflow is not None and workflow.name == "Medical review"


def test_medical_affairs_can_start_a_second_programme_without_code(client, programme, editors):
    editor, _ = editors
    client.force_login(editor)
    index = programme.get_parent()
    response = client.get(f"/admin/pages/add/courses/programmepage/{index.pk}/")
    assert response.status_code == 200
    assert "attestation_validity_months" in response.content.decode()


def test_content_under_review_is_locked_for_its_authors_and_open_to_its_reviewers(programme, editors):
    editor, reviewer = editors
    _, state = _submit(programme, editor)
    task = state.current_task_state.task.specific
    page = ProgrammePage.objects.get(pk=programme.pk)
    assert page.get_lock().for_user(editor)
    assert not page.get_lock().for_user(reviewer)
    compliance = factories.ComplianceFactory()
    assert task.locked_for_user(page, compliance)


def test_a_colleague_who_changed_the_content_during_review_cannot_approve_it(programme, editors):
    editor, colleague = editors
    third = factories.MedicalAffairsFactory()
    _, state = _submit(programme, editor)
    programme.summary = "Endret under gjennomgang."
    programme.save_revision(user=colleague)
    task = state.current_task_state.task.specific
    assert task.get_actions(programme, colleague) == []
    assert task.get_actions(programme, third)


def test_a_reviewer_who_wrote_part_of_the_change_cannot_approve_it_when_a_colleague_submits_it(
    client, programme, editors
):
    author, submitter = editors
    third = factories.MedicalAffairsFactory()
    programme.summary = "Skrevet av den første."
    programme.save_revision(user=author)
    page = ProgrammePage.objects.get(pk=programme.pk)
    page.get_workflow().start(page, submitter)
    page = ProgrammePage.objects.get(pk=programme.pk)
    task_state = page.current_workflow_task_state
    task = task_state.task.specific
    assert task.get_actions(page, author) == []
    assert not task.get_task_states_user_can_moderate(author).exists()
    assert task.get_task_states_user_can_moderate(third).exists()
    client.force_login(author)
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    client.post(url)
    assert not ProgrammePage.objects.get(pk=programme.pk).summary == "Skrevet av den første."


def _lesson_form(lesson, **extra):
    """The lesson's edit form as the browser posts it."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

    data = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "intro": lesson.intro,
            "body": streamfield([("text", rich_text("<p>Uendret tekst.</p>"))]),
            "comments": inline_formset([]),
        }
    )
    return data | extra


def test_a_reviewer_approves_a_question_from_its_edit_view_and_it_goes_live(
    client, programme, editors, django_capture_on_commit_callbacks
):
    from quizzes.models import Question
    from tests.test_material_change import edit_url, question_form

    editor, reviewer = editors
    question = factories.question_bank(programme, topics=1, per_topic=1)[0]
    question.text = "Hvem kan starte behandling med Lemtrada?"
    _submit(question, editor)
    url = edit_url(question)

    client.force_login(editor)
    body = client.get(url).content.decode()
    assert 'data-workflow-action-name="approve"' not in body
    assert Question.objects.get(pk=question.pk).get_lock().for_user(editor)

    client.force_login(reviewer)
    body = client.get(url).content.decode()
    assert 'data-workflow-action-name="approve"' in body
    assert 'data-workflow-action-name="reject"' in body
    draft = Question.objects.get(pk=question.pk).get_latest_revision_as_object()
    data = question_form(draft, correct="a", action=None)
    data |= {"action-workflow-action": "true", "workflow-action-name": "approve"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    live = Question.objects.get(pk=question.pk)
    assert live.text == "Hvem kan starte behandling med Lemtrada?"
    assert live.live_revision.user == editor
    assert live.current_workflow_state is None


def test_a_question_in_review_cannot_be_saved_by_its_author(client, programme, editors):
    from quizzes.models import Question
    from tests.test_material_change import edit_url, question_form

    editor, _ = editors
    question = factories.question_bank(programme, topics=1, per_topic=1)[0]
    question.text = "Sendt til gjennomgang."
    _submit(question, editor)
    client.force_login(editor)
    draft = Question.objects.get(pk=question.pk).get_latest_revision_as_object()
    data = question_form(draft, correct="b", action=None)
    client.post(edit_url(question), data)
    latest = Question.objects.get(pk=question.pk).get_latest_revision_as_object()
    assert [o.key for o in latest.options.all() if o.is_correct] == ["a"]


def test_requesting_changes_needs_a_comment(client, programme, editors):
    editor, reviewer = editors
    programme.summary = "Trenger endring."
    _, state = _submit(programme, editor)
    task_state = state.current_task_state
    task = task_state.task.specific
    form = task.get_form_for_action("reject")({"comment": "  "})
    assert not form.is_valid()
    client.force_login(reviewer)
    url = reverse("wagtailadmin_pages:workflow_action", args=(programme.pk, "reject", task_state.pk))
    client.post(url, {"comment": ""}, headers={"x-requested-with": "XMLHttpRequest"})
    assert ProgrammePage.objects.get(pk=programme.pk).current_workflow_task_state.status == "in_progress"

    client.post(url, {"comment": "Kilden mangler for 1–3 dager."})
    state.refresh_from_db()
    assert state.status == "needs_changes"
    task_state.refresh_from_db()
    assert task_state.comment == "Kilden mangler for 1–3 dager."


def test_approval_publishes_the_reviewed_revision_not_a_later_draft(
    programme, editors, django_capture_on_commit_callbacks
):
    editor, reviewer = editors
    third = factories.MedicalAffairsFactory()
    programme.summary = "Gjennomgått tekst."
    _, state = _submit(programme, editor)
    later = ProgrammePage.objects.get(pk=programme.pk)
    later.summary = "Ikke gjennomgått."
    later.save_revision(user=reviewer)
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.get_actions(later, reviewer) == []  # saving a change made her an author
    with django_capture_on_commit_callbacks(execute=True):
        task.on_action(task_state, third, "approve")
    page = ProgrammePage.objects.get(pk=programme.pk)
    assert page.summary == "Gjennomgått tekst."
    assert page.has_unpublished_changes


def test_a_reviewer_cannot_change_the_content_and_approve_it_in_one_step(client, programme, editors):
    from courses.models import LessonPage

    editor, reviewer = editors
    lesson = LessonPage.objects.child_of(programme).first()
    lesson.intro = "Sendt til gjennomgang."
    _submit(lesson, editor)
    client.force_login(reviewer)
    edit_url = reverse("wagtailadmin_pages:edit", args=(lesson.pk,))
    draft = LessonPage.objects.get(pk=lesson.pk).get_latest_revision_as_object()
    data = _lesson_form(draft, **{"action-workflow-action": "true", "workflow-action-name": "approve"})
    data["intro"] = "Endret av den som godkjenner."
    client.post(edit_url, data)
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert lesson.intro != "Endret av den som godkjenner."
    task_state = lesson.current_workflow_task_state
    assert task_state.status == "in_progress"
    assert task_state.revision.as_object().intro == "Sendt til gjennomgang."
    assert task_state.task.specific.get_actions(lesson, reviewer) == []
    assert PageLogEntry.objects.filter(page=lesson, action="courses.approval_refused", user=reviewer).exists()


def test_medical_affairs_cannot_delete_questions_or_topics(editors):
    editor, _ = editors
    assert not editor.has_perm("quizzes.delete_question")
    assert not editor.has_perm("quizzes.delete_topic")
    assert not editor.has_perm("quizzes.publish_question")
    assert editor.has_perm("quizzes.change_question")


def test_a_translate_copy_of_a_live_question_is_a_draft_until_reviewed(programme):
    from wagtail.models import Locale

    from quizzes import selectors as quiz_selectors
    from quizzes.models import Question

    question = factories.question_bank(programme, topics=1, per_topic=1)[0]
    english, _ = Locale.objects.get_or_create(language_code="en")
    copy = Question.objects.get(pk=question.pk).copy_for_translation(english)
    copy.save()  # what Wagtail's "Translate" does for a snippet
    copy = Question.objects.get(pk=copy.pk)
    assert not copy.live
    assert not quiz_selectors.drawable_questions(programme=programme, locale=english).exists()


def test_medical_affairs_may_translate_but_not_publish_translations(editors):
    editor, _ = editors
    assert editor.has_perm("wagtail_localize.submit_translation")
    assert not editor.has_perm("quizzes.publish_question")


def test_approving_another_items_task_state_through_ones_own_url_is_refused(
    client, programme, editors, django_capture_on_commit_callbacks
):
    """Wagtail's workflow-action URL names an object and a task state: they must agree."""
    from quizzes.models import Question

    editor, colleague = editors
    mine, theirs = factories.question_bank(programme, topics=1, per_topic=2)
    theirs.text = "Kollegaens endring."
    _submit(theirs, colleague)
    mine.text = "Min uinspiserte endring."
    _, my_state = _submit(mine, editor)
    client.force_login(editor)
    url = reverse(
        "wagtailsnippets_quizzes_question:workflow_action",
        args=(theirs.pk, "approve", my_state.current_task_state.pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"comment": ""})
    assert Question.objects.get(pk=mine.pk).text != "Min uinspiserte endring."
    assert Question.objects.get(pk=mine.pk).current_workflow_task_state.status == "in_progress"


def test_a_save_that_changes_nothing_makes_nobody_an_author(client, programme, editors):
    from quizzes.models import Question
    from tests.test_material_change import edit_url, question_form

    editor, reviewer = editors
    question = factories.question_bank(programme, topics=1, per_topic=1)[0]
    question.text = "Til gjennomgang."
    _submit(question, editor)
    client.force_login(reviewer)
    draft = Question.objects.get(pk=question.pk).get_latest_revision_as_object()
    data = question_form(draft, correct="a", action=None)
    data |= {"action-workflow-action": "true", "workflow-action-name": "reject"}  # no comment
    client.post(edit_url(question), data)
    question = Question.objects.get(pk=question.pk)
    assert question.current_workflow_task_state.status == "in_progress"
    assert question.current_workflow_task_state.task.specific.get_actions(question, reviewer)


def test_a_new_inline_topic_getting_a_fresh_translation_key_is_not_a_change(programme):
    import copy

    from courses.models import revision_content

    revision = ProgrammePage.objects.get(pk=programme.pk).save_revision()
    content = copy.deepcopy(revision.content)
    content["quiz_topics"] = [{"pk": None, "translation_key": "a", "name": "Nytt emne", "key": ""}]
    again = copy.deepcopy(content)
    again["quiz_topics"][0]["translation_key"] = "b"
    revision.content, other = content, copy.copy(revision)
    other.content = again
    assert revision_content(revision) == revision_content(other)
    again["quiz_topics"][0]["name"] = "Annet navn"
    assert revision_content(revision) != revision_content(other)


def test_awaiting_review_takes_the_same_queries_however_many_items_are_in_review(programme, editors):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import TaskState

    editor, reviewer = editors
    questions = factories.question_bank(programme, topics=1, per_topic=6)

    def count():
        with CaptureQueriesContext(connection) as queries:
            listed = list(TaskState.objects.reviewable_by(reviewer))
        return len(queries), len(listed)

    for question in questions[:2]:
        _submit(question, editor)
    count()
    few, listed_few = count()
    for question in questions[2:]:
        _submit(question, editor)
    count()  # caches warmed (content types, group checks) as for the few
    many, listed_many = count()
    assert (listed_few, listed_many) == (2, 6)
    assert many == few
