"""Medical affairs withdraw a live question urgently from its editor, in headless chromium."""

import pytest
from django.contrib.contenttypes.models import ContentType

from courses.models import LessonPage
from quizzes.models import Question
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REASON = "Feil nøkkel: svaret motsier brevet."


def test_medical_affairs_withdraw_a_question_from_its_editor(in_browser, axe_check):
    programme = factories.programme(questions_per_topic=1)
    question = factories.question_bank(programme, topics=1, per_topic=2)[0]
    editor = factories.MedicalAffairsFactory()
    withdraw_path = f"/admin/withdraw/{ContentType.objects.get_for_model(Question).pk}/{question.pk}/"
    lesson = LessonPage.objects.child_of(programme).first()
    lesson_withdraw_path = f"/admin/withdraw/{ContentType.objects.get_for_model(LessonPage).pk}/{lesson.pk}/"

    def journey(page):
        page.goto("/en/accounts/login/")
        page.locator("#id_login").fill(editor.email)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url("**/accounts/2fa/authenticate/")  # staff give their authenticator's code
        axe_check(page, "two-factor-code")
        page.locator("#id_code").fill(factories.fresh_totp_code(editor.totp_secret))
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/accounts/" not in url)

        page.goto(f"/admin/snippets/quizzes/question/edit/{question.pk}/")
        page.locator("footer [data-w-dropdown-target='toggle']").first.click()
        page.locator(f"a[href='{withdraw_path}']").click()
        page.wait_for_url(f"**{withdraw_path}")
        axe_check(page, "withdraw-question-confirm")

        page.locator("#id_reason").fill("   ")
        page.locator("form button.serious").click()
        page.locator(".w-field--error .error-message").wait_for(state="visible")  # the page re-shown
        assert page.locator("#id_reason").input_value() == "   "
        axe_check(page, "withdraw-question-reason-missing")

        page.locator("#id_reason").fill(REASON)
        page.locator("form button.serious").click()
        page.wait_for_url(f"**/admin/snippets/quizzes/question/edit/{question.pk}/")
        page.locator(".messages .success").first.wait_for(state="visible")
        page.wait_for_timeout(1000)  # Wagtail's message fades in; axe measures contrast mid-fade
        axe_check(page, "withdraw-question-done")

        page.goto(f"/admin/snippets/quizzes/question/history/{question.pk}/")
        assert page.get_by_text(REASON).first.is_visible()
        axe_check(page, "withdraw-question-history")

        page.goto(f"/admin/pages/{lesson.pk}/edit/")
        page.locator("footer [data-w-dropdown-target='toggle']").first.click()
        page.locator(f"a[href='{lesson_withdraw_path}']").click()
        page.wait_for_url(f"**{lesson_withdraw_path}")
        axe_check(page, "withdraw-lesson-confirm")

    in_browser(journey)
    question = Question.objects.get(pk=question.pk)
    assert not question.live and not question.active
    assert LessonPage.objects.get(pk=lesson.pk).live  # only looked at
