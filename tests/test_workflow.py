"""Medical affairs publish through peer review: one submits, another approves."""

import pytest
from django.urls import reverse

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


def test_content_under_review_is_locked_for_everybody(programme, editors):
    editor, reviewer = editors
    _, state = _submit(programme, editor)
    task = state.current_task_state.task.specific
    assert task.locked_for_user(programme, editor)
    assert task.locked_for_user(programme, reviewer)


def test_a_colleague_who_changed_the_content_during_review_cannot_approve_it(programme, editors):
    editor, colleague = editors
    third = factories.MedicalAffairsFactory()
    _, state = _submit(programme, editor)
    programme.summary = "Endret under gjennomgang."
    programme.save_revision(user=colleague)
    task = state.current_task_state.task.specific
    assert task.get_actions(programme, colleague) == []
    assert task.get_actions(programme, third)


def test_approval_publishes_the_reviewed_revision_not_a_later_draft(
    programme, editors, django_capture_on_commit_callbacks
):
    editor, reviewer = editors
    programme.summary = "Gjennomgått tekst."
    _, state = _submit(programme, editor)
    later = ProgrammePage.objects.get(pk=programme.pk)
    later.summary = "Ikke gjennomgått."
    later.save_revision(user=editor)
    task_state = state.current_task_state
    with django_capture_on_commit_callbacks(execute=True):
        task_state.task.specific.on_action(task_state, reviewer, "approve")
    assert ProgrammePage.objects.get(pk=programme.pk).summary == "Gjennomgått tekst."


def test_medical_affairs_cannot_delete_questions_or_topics(editors):
    editor, _ = editors
    assert not editor.has_perm("quizzes.delete_question")
    assert not editor.has_perm("quizzes.delete_topic")
    assert not editor.has_perm("quizzes.publish_question")
    assert editor.has_perm("quizzes.change_question")
