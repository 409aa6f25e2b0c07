"""Answers saved as you go survive a reload; the attempt page in both languages and at phone width."""

import pytest

from quizzes.models import Attempt, AttemptChoice, Question
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def english_quiz():
    nb = factories.programme(questions_per_topic=2)
    factories.question_bank(nb, topics=3, per_topic=3)
    en = factories.programme(code="en", slug="testmed-en", source=nb)
    factories.translate_bank(Question.objects.filter(locale=nb.locale).order_by("pk"), en)
    prescriber = factories.PrescriberFactory()
    factories.read_all(prescriber, nb)
    return en, prescriber


def _log_in(page, user):
    page.goto("/en/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/en/**")


def test_answers_chosen_are_saved_as_you_go_and_survive_a_reload(in_browser, english_quiz, axe_check):
    programme, prescriber = english_quiz

    def journey(page):
        _log_in(page, prescriber)
        page.goto(f"/en/quiz/{programme.slug}/")
        page.get_by_role("button", name="Start the quiz").click()
        page.wait_for_url("**/quiz/attempt/**")
        assert page.locator("[data-answered]").text_content() == "0"
        fieldsets = page.locator("fieldset[data-item]")
        fieldsets.nth(0).locator("input").first.check()
        page.wait_for_function("() => document.getElementById('save-status').textContent === 'Saved'")
        fieldsets.nth(2).locator("input").nth(1).check()
        page.wait_for_function("() => document.getElementById('save-status').textContent === 'Saved'")
        assert page.locator("[data-answered]").text_content() == "2"
        chosen = [
            fieldsets.nth(0).locator("input").first.get_attribute("value"),
            fieldsets.nth(2).locator("input").nth(1).get_attribute("value"),
        ]
        axe_check(page, "attempt-en")

        page.reload()
        assert page.locator("[data-answered]").text_content() == "2"
        for value in chosen:
            assert page.locator(f'input[value="{value}"]').is_checked()

        page.goto(page.url.replace("/en/", "/nb/"))  # the attempt stays in English
        assert page.locator(".attempt-language").is_visible()
        assert page.locator(".question-text").first.get_attribute("lang") == "en"
        axe_check(page, "attempt-nb-started-in-en")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        axe_check(page, "attempt-nb-phone")
        return chosen

    in_browser(journey)
    attempt = Attempt.objects.get(user=prescriber)
    assert attempt.status == "in_progress"
    assert AttemptChoice.objects.filter(item__attempt=attempt).count() == 2
