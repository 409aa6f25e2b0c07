"""The journeys a prescriber clicks through, in headless chromium, with axe-core checks."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from courses.models import LessonPage, ProgrammePage
from quizzes.models import Attempt
from tests import factories
from tests.programme_snapshot import programme_install

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def lemtrada():
    programme_install()
    return ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")


def read_every_lesson(page, programme, axe_check=None):
    page.goto(programme.url)
    page.get_by_role(
        "link", name=re.compile("Start the first lesson|Start den første leksjonen|Fortsett der du slapp")
    ).click()
    total = LessonPage.objects.child_of(programme).live().count()
    for number in range(1, total + 1):
        page.wait_for_selector("h1")
        if number == 1 and axe_check:
            axe_check(page, "lesson-nb")
        page.locator("form[action*='/read/'] button[type=submit]").click()
    page.wait_for_url(f"**{programme.url}#progress")  # the read that completes it scrolls to the quiz


def test_sign_up_verify_and_read_the_whole_course(in_browser, lemtrada, mailoutbox, axe_check):
    in_browser(lambda page: _sign_up_verify_and_read(page, lemtrada, mailoutbox, axe_check))


def _sign_up_verify_and_read(page, lemtrada, mailoutbox, axe_check):
    page.goto("/nb/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "nb"
    axe_check(page, "signup-nb")
    page.get_by_label("Fullt navn").fill("Ingrid Lege")
    page.get_by_label("E-post").first.fill("ingrid@example.no")
    page.get_by_label("Lege", exact=True).check()
    page.get_by_label("HPR-nummer").fill("123")  # too short: refused, nothing lost
    page.get_by_label("Arbeidssted").fill("Sørlandet sykehus")
    page.locator("#id_password1").fill("Et-godt-passord-2026")
    page.locator("#id_password2").fill("Et-godt-passord-2026")
    page.locator("form button[type=submit]").click()
    assert page.get_by_text("HPR-nummeret må bestå av 7 til 9 sifre").is_visible()
    assert page.get_by_label("Arbeidssted").input_value() == "Sørlandet sykehus"
    axe_check(page, "signup-errors-nb")
    page.get_by_label("HPR-nummer").fill("1234567")
    page.locator("#id_password1").fill("Et-godt-passord-2026")
    page.locator("#id_password2").fill("Et-godt-passord-2026")
    page.locator("form button[type=submit]").click()

    page.goto(lemtrada.url)
    assert "/accounts/login/" in page.url  # not verified yet: no course page

    link = re.search(r"https?://\S+/confirm-email/\S+", mailoutbox[-1].body).group(0)
    assert link.startswith(settings.PUBLIC_BASE_URL + "/")  # e-mails link to the public address
    page.goto(urlsplit(link).path)  # the test server stands in for the public address
    page.locator("form button[type=submit]").click()

    page.goto(lemtrada.url)
    assert page.locator("progress").get_attribute("value") == "0"
    axe_check(page, "programme-nb")
    read_every_lesson(page, lemtrada, axe_check)
    assert page.locator("progress").get_attribute("value") == "100"
    assert page.get_by_role("link", name="Gå til quizen").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    axe_check(page, "programme-nb-phone")


def _log_in(page, user):
    page.goto("/nb/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/nb/**")


FOCUSED_ELEMENT = """() => {
    const e = document.activeElement;
    return {tag: e.tagName, type: e.type, name: e.name, value: e.value, checked: e.checked};
}"""


def _answer_with_keyboard(page, attempt, wrong=()):
    """Tab through the form; pick answers with Space and the arrow keys only."""
    answers = factories.correct_answers(attempt, wrong=wrong)
    wanted = {f"q{item_id}": set(tokens) for item_id, tokens in answers.items()}
    page.locator("h1").click()
    for _ in range(500):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_ELEMENT)
        if focused["tag"] == "BUTTON":
            page.keyboard.press("Enter")
            return
        if focused["tag"] != "INPUT" or focused["name"] not in wanted:
            continue
        targets = wanted[focused["name"]]
        if focused["type"] == "checkbox":
            if (focused["value"] in targets) != focused["checked"]:
                page.keyboard.press("Space")
        elif focused["type"] == "radio":
            if focused["value"] in targets:
                page.keyboard.press("Space")
            else:
                for _ in range(10):
                    page.keyboard.press("ArrowDown")
                    if page.evaluate("() => document.activeElement.value") in targets:
                        break
    raise AssertionError("never reached the submit button")


def test_fail_once_follow_the_lesson_links_then_pass_by_keyboard(in_browser, lemtrada, axe_check):
    prescriber = factories.PrescriberFactory()
    in_browser(lambda page: _fail_then_pass(page, lemtrada, prescriber, axe_check))
    assert Attempt.objects.filter(user=prescriber, passed=True).count() == 1
    assert Attempt.objects.filter(user=prescriber, passed=False).count() == 1


def _fail_then_pass(page, lemtrada, prescriber, axe_check):
    _log_in(page, prescriber)
    read_every_lesson(page, lemtrada)

    page.get_by_role("link", name="Gå til quizen").click()
    page.get_by_role("button", name="Start quizen").click()
    axe_check(page, "quiz-nb")
    attempt = Attempt.objects.get(user=prescriber, status="in_progress")
    assert attempt.question_count == 12
    _answer_with_keyboard(page, attempt, wrong={1, 2, 3})
    page.wait_for_url("**/result/")
    assert page.get_by_role("heading", name="Ikke bestått").is_visible()
    assert page.get_by_role("heading", name="Dette bør du repetere").is_visible()
    first_missed = attempt.items.get(position=1)
    assert page.get_by_text(first_missed.text).first.is_visible()
    assert first_missed.rationale not in page.content()  # keys and rationales come after a pass
    assert page.get_by_role("link", name=re.compile("Les leksjonen på nytt")).first.is_visible()
    axe_check(page, "result-fail-nb")
    page.get_by_role("link", name=re.compile("Les leksjonen på nytt")).first.click()
    page.wait_for_url(f"**#{first_missed.lesson_anchor}")
    assert page.locator(f"#{first_missed.lesson_anchor}").is_visible()
    page.go_back()

    page.get_by_role("link", name="Tilbake til quizen").click()
    page.get_by_role("button", name="Start quizen").click()
    second = Attempt.objects.get(user=prescriber, status="in_progress")
    _answer_with_keyboard(page, second)
    page.wait_for_url("**/result/")
    assert page.get_by_role("heading", name="Bestått").is_visible()
    second.refresh_from_db()
    assert second.passed
    serial = second.attestation.serial
    assert page.get_by_text(serial).is_visible()
    assert page.get_by_role("link", name="Last ned attestasjonen (PDF)").is_visible()
    axe_check(page, "result-pass-nb")
