"""Medical affairs withdraw a live lesson or question urgently, with a reason that is logged;
a withdrawn question is retired and never drawn again."""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from wagtail.models import ModelLogEntry, PageLogEntry, WorkflowState

from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import LessonPage
from lms import roles
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.models import Question
from tests import factories

pytestmark = pytest.mark.django_db

REASON = "Feil nøkkel: svaret motsier brevet."


def withdraw_url(obj):
    return f"/admin/withdraw/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"


def question_edit_url(question):
    return f"/admin/snippets/quizzes/question/edit/{question.pk}/"


def permission_denied(response) -> bool:
    """Wagtail's answer to a user without the permission: 403, or back to the dashboard."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def lessons_of(programme):
    return list(LessonPage.objects.child_of(programme).order_by("path"))


@pytest.fixture
def editor():
    return factories.MedicalAffairsFactory()


@pytest.fixture
def bank(programme_with_bank):
    return list(
        Question.objects.filter(topic__programme=programme_with_bank).order_by("topic__sort_order", "pk")
    )


# Questions


def test_medical_affairs_withdraw_a_live_question_and_it_is_never_drawn_again(
    client, editor, programme_with_bank, bank, ready_prescriber
):
    question = bank[0]
    client.force_login(editor)

    response = client.post(withdraw_url(question), {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == question_edit_url(question)
    question = Question.objects.get(pk=question.pk)
    assert not question.live
    assert not question.active
    drawable = quiz_selectors.drawable_questions(programme=programme_with_bank, locale=question.locale)
    assert question.pk not in {q.pk for q in drawable}
    attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    drawn = {item.question_key for item in attempt.items.all()}
    same_topic = {q.translation_key for q in bank if q.topic_id == question.topic_id and q.pk != question.pk}
    assert same_topic <= drawn  # two per topic: the two left in the topic are both drawn
    assert question.translation_key not in drawn


def test_an_attempt_under_way_keeps_and_scores_a_question_withdrawn_during_it(
    editor, programme_with_bank, ready_prescriber
):
    attempt = quiz_services.attempt_start(user=ready_prescriber, programme=programme_with_bank)
    item = attempt.items.first()

    course_services.content_withdraw(obj=item.question, user=editor, reason=REASON)

    answers = factories.correct_answers(attempt)
    submitted = quiz_services.attempt_submit(attempt_id=attempt.pk, user=ready_prescriber, answers=answers)
    assert submitted.question_count == attempt.question_count
    assert submitted.items.get(pk=item.pk).is_correct is True
    assert submitted.passed


def test_the_withdrawal_and_its_reason_are_in_the_question_history(client, editor, bank):
    question = bank[0]
    client.force_login(editor)
    client.post(withdraw_url(question), {"reason": REASON})

    entry = ModelLogEntry.objects.get(object_id=str(question.pk), action="courses.withdrawn")
    assert entry.user == editor
    assert entry.data == {"reason": REASON, "retired": True}
    history = client.get(f"/admin/snippets/quizzes/question/history/{question.pk}/").content.decode()
    assert REASON in history


def test_a_withdrawn_question_edited_and_published_again_stays_retired(
    client, editor, programme_with_bank, bank
):
    question = bank[0]
    course_services.content_withdraw(obj=question, user=editor, reason=REASON)
    client.force_login(editor)
    form = client.get(question_edit_url(question)).content.decode()
    active_input = re.search(r'<input[^>]*name="active"[^>]*>', form).group(0)
    assert "checked" not in active_input

    draft = Question.objects.get(pk=question.pk).get_latest_revision_as_object()
    draft.text = "Omskrevet spørsmål."
    draft.save_revision(user=factories.MedicalAffairsFactory()).publish()

    question = Question.objects.get(pk=question.pk)
    assert question.live and question.text == "Omskrevet spørsmål."
    assert not question.active
    drawable = quiz_selectors.drawable_questions(programme=programme_with_bank, locale=question.locale)
    assert question.pk not in {q.pk for q in drawable}


def test_withdrawing_a_question_withdraws_its_translations(editor, programme_with_bank, bank):
    english = factories.programme(code="en", source=programme_with_bank)
    translated = factories.translate_bank(bank[:1], english)[0]

    withdrawn = course_services.content_withdraw(obj=bank[0], user=editor, reason=REASON)

    assert {q.pk for q in withdrawn} == {bank[0].pk, translated.pk}
    translated = Question.objects.get(pk=translated.pk)
    assert not translated.live and not translated.active
    assert ModelLogEntry.objects.filter(object_id=str(translated.pk), action="courses.withdrawn").exists()


def test_withdrawing_a_question_in_review_cancels_the_review(client, editor, bank):
    question = bank[0]
    question.text = "Endret i gjennomgang."
    question.save_revision(user=editor)
    state = question.get_workflow().start(question, editor)
    colleague = factories.MedicalAffairsFactory()

    course_services.content_withdraw(obj=question, user=colleague, reason=REASON)

    assert WorkflowState.objects.get(pk=state.pk).status == WorkflowState.STATUS_CANCELLED
    assert Question.objects.get(pk=question.pk).current_workflow_state is None


def test_an_empty_reason_is_refused_and_nothing_changes(client, editor, bank):
    question = bank[0]
    client.force_login(editor)

    response = client.post(withdraw_url(question), {"reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    question = Question.objects.get(pk=question.pk)
    assert question.live and question.active
    assert not ModelLogEntry.objects.filter(action="courses.withdrawn").exists()
    with pytest.raises(course_services.ContentNotWithdrawable):
        course_services.content_withdraw(obj=question, user=editor, reason=" \n ")
    assert Question.objects.get(pk=question.pk).live


def test_a_reason_over_the_limit_is_shown_again_as_typed(client, editor, bank):
    client.force_login(editor)
    typed = "x" * 2001
    response = client.post(withdraw_url(bank[0]), {"reason": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert typed in response.content.decode()
    assert Question.objects.get(pk=bank[0].pk).live


def test_a_compliance_officer_cannot_withdraw(client, bank):
    question = bank[0]
    client.force_login(factories.ComplianceFactory())

    assert permission_denied(client.get(withdraw_url(question)))
    assert permission_denied(client.post(withdraw_url(question), {"reason": REASON}))
    question = Question.objects.get(pk=question.pk)
    assert question.live and question.active


def test_a_draft_question_cannot_be_withdrawn(client, editor, bank):
    question = bank[0]
    question.unpublish()
    client.force_login(editor)
    response = client.post(withdraw_url(question), {"reason": REASON})
    assert response.status_code == 200
    assert response.context["refusal"]
    assert Question.objects.get(pk=question.pk).active
    with pytest.raises(course_services.ContentNotWithdrawable):
        course_services.content_withdraw(obj=question, user=editor, reason=REASON)


def test_the_withdraw_action_is_offered_on_a_live_question_not_on_a_draft(client, editor, bank):
    live, draft = bank[0], bank[1]
    draft.unpublish()
    client.force_login(editor)
    assert withdraw_url(live) in client.get(question_edit_url(live)).content.decode()
    assert withdraw_url(draft) not in client.get(question_edit_url(draft)).content.decode()


def test_the_withdraw_action_is_offered_while_the_question_is_locked_in_review(client, editor, bank):
    question = bank[0]
    question.text = "Endret i gjennomgang."
    question.save_revision(user=editor)
    question.get_workflow().start(question, editor)
    question = Question.objects.get(pk=question.pk)
    assert question.get_lock().for_user(editor)  # the author is locked out while it is in review
    client.force_login(editor)
    assert withdraw_url(question) in client.get(question_edit_url(question)).content.decode()


def test_the_withdraw_action_is_not_offered_to_an_editor_without_the_permission(client, bank):
    medical = Group.objects.get(name=roles.MEDICAL_AFFAIRS)
    editors_only = Group.objects.create(name="Editors without withdraw")
    editors_only.permissions.set(medical.permissions.exclude(codename="withdraw_content"))
    user = factories.StaffFactory()  # staff, with a second factor
    user.groups.add(editors_only)
    client.force_login(user)
    response = client.get(question_edit_url(bank[0]))
    assert response.status_code == 200
    assert withdraw_url(bank[0]) not in response.content.decode()
    assert permission_denied(client.get(withdraw_url(bank[0])))


# Lessons


def test_medical_affairs_withdraw_a_live_lesson_and_learners_no_longer_reach_it(client, editor, programme):
    english = factories.programme(code="en", source=programme)
    lesson, lesson_en = lessons_of(programme)[0], lessons_of(english)[0]
    nb_url, en_url = lesson.url, lesson_en.url
    client.force_login(editor)

    response = client.post(withdraw_url(lesson), {"reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{lesson.pk}/edit/"
    assert not LessonPage.objects.get(pk=lesson.pk).live
    assert not LessonPage.objects.get(pk=lesson_en.pk).live
    prescriber = factories.PrescriberFactory()
    client.force_login(prescriber)
    assert client.get(nb_url).status_code == 404
    assert client.get(en_url).status_code == 404
    entries = PageLogEntry.objects.filter(action="courses.withdrawn")
    assert {entry.page_id for entry in entries} == {lesson.pk, lesson_en.pk}
    assert all(entry.data["reason"] == REASON and entry.user_id == editor.pk for entry in entries)


def test_a_withdrawn_lesson_no_longer_counts_so_a_learner_who_read_the_others_may_take_the_quiz(
    editor, programme_with_bank, prescriber
):
    first, *others = lessons_of(programme_with_bank)
    for lesson in others:
        course_services.lesson_opened_record(user=prescriber, lesson=lesson)
        course_services.lesson_mark_read(user=prescriber, lesson=lesson)
    assert not quiz_selectors.quiz_eligibility(user=prescriber, programme=programme_with_bank).ok

    course_services.content_withdraw(obj=first, user=editor, reason=REASON)

    progress = course_selectors.programme_progress(user=prescriber, programme=programme_with_bank)
    assert progress.complete
    assert progress.total == len(others)
    assert quiz_selectors.quiz_eligibility(user=prescriber, programme=programme_with_bank).ok


def test_a_programme_cannot_be_withdrawn(client, editor, programme):
    client.force_login(editor)
    client.post(withdraw_url(programme), {"reason": REASON})
    assert client.get(withdraw_url(programme), follow=True).status_code == 404
    with pytest.raises(course_services.ContentNotWithdrawable):
        course_services.content_withdraw(obj=programme, user=editor, reason=REASON)
    assert programme.__class__.objects.get(pk=programme.pk).live


def test_the_withdraw_action_is_offered_on_a_live_lesson_not_on_its_programme(client, editor, programme):
    lesson = lessons_of(programme)[0]
    client.force_login(editor)
    assert withdraw_url(lesson) in client.get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert "/admin/withdraw/" not in client.get(f"/admin/pages/{programme.pk}/edit/").content.decode()


def test_the_confirmation_page_names_every_language_version(client, editor, programme):
    english = factories.programme(code="en", source=programme)
    lesson, lesson_en = lessons_of(programme)[0], lessons_of(english)[0]
    client.force_login(editor)
    response = client.get(withdraw_url(lesson))
    assert response.status_code == 200
    assert [v.pk for v in response.context["versions"]] == sorted(
        [lesson.pk, lesson_en.pk], key=lambda pk: LessonPage.objects.get(pk=pk).locale.language_code
    )
    assert LessonPage.objects.get(pk=lesson.pk).live
