"""No sideways scrolling at phone width (390 px): every learner page, in both languages, signed in
and signed out, with the real Lemtrada content (tables, long titles), a failed and a passed
result and an attestation."""

import pytest
from playwright.sync_api import expect

from certificates.models import Attestation
from courses import services as course_services
from courses.models import LessonPage, ProgrammePage
from quizzes import services as quiz_services
from tests import factories
from tests.programme_snapshot import programme_install

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
LANGUAGES = ("nb", "en")

# documentElement.scrollWidth counts everything laid out, so one over-wide element is enough to fail.
OVERFLOW = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.closest(".table-scroll"))
        .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).split(" ").join(".")}`);
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def lemtrada():
    programme_install()
    return ProgrammePage.objects.get(slug="lemtrada", locale__language_code="nb")


def _attempt(user, programme, *, passing):
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    wrong = () if passing else tuple(item.position for item in attempt.items.all())
    answers = factories.correct_answers(attempt, wrong=wrong)
    return quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=answers)


def _lesson_urls(code):
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code=code)
    return [lesson.url for lesson in LessonPage.objects.child_of(programme).live().order_by("path")]


def _visit_all(page, urls, *, sign_in=None):
    """Open each URL at phone width; return the pages that scroll sideways, do not open, or have
    serious or critical accessibility violations (axe-core)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.set_viewport_size(PHONE)
    if sign_in is not None:
        page.goto("/en/accounts/login/")
        page.locator("#id_login").fill(sign_in.email)
        page.locator("#id_password").fill(factories.PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
    problems = []
    for url in urls:
        response = page.goto(url)
        if response is None or response.status != 200:
            problems.append(f"{url}: HTTP {response.status if response else '?'}")
            continue
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["innerWidth"]:
            problems.append(f"{url}: {measured}")
        for violation in axe.run(page).response["violations"]:
            if violation.get("impact") in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{url}: axe {violation['id']} ({violation['impact']}) {targets}")
    return problems


def test_no_learner_page_scrolls_sideways_or_fails_axe_at_390_px(
    in_browser, lemtrada, django_capture_on_commit_callbacks
):
    holder = factories.PrescriberFactory(full_name="Maria Kristine Johannessen-Bjørnstad")
    factories.read_all(holder, lemtrada)
    failed = _attempt(holder, lemtrada, passing=False)
    with django_capture_on_commit_callbacks(execute=True):
        passed = _attempt(holder, lemtrada, passing=True)
    attestation = Attestation.objects.get(attempt=passed)
    assert not failed.passed and passed.passed

    learner = factories.PrescriberFactory()
    factories.read_all(learner, lemtrada)
    in_progress = quiz_services.attempt_start(user=learner, programme=lemtrada)

    code = attestation.verification_code
    public = [f"/verify/{code}/"]
    holder_urls, learner_urls = [], []
    for lang in LANGUAGES:
        public += [
            f"/{lang}/",
            f"/{lang}/help/",
            f"/{lang}/verify/",
            f"/{lang}/verify/{code}/",
            f"/{lang}/accounts/login/",
            f"/{lang}/accounts/signup/",
            f"/{lang}/accounts/password/reset/",
        ]
        holder_urls += [
            f"/{lang}/",
            f"/{lang}/lemtrada/",
            *_lesson_urls(lang),
            f"/{lang}/quiz/lemtrada/",
            f"/{lang}/quiz/attempt/{failed.pk}/result/",
            f"/{lang}/quiz/attempt/{passed.pk}/result/",
            f"/{lang}/attestations/",
            f"/{lang}/treatment/lemtrada/",
            f"/{lang}/help/",
            f"/{lang}/accounts/email/",
            f"/{lang}/accounts/password/change/",
            f"/{lang}/accounts/logout/",
        ]
        learner_urls += [
            f"/{lang}/lemtrada/",
            f"/{lang}/quiz/lemtrada/",
            f"/{lang}/quiz/attempt/{in_progress.pk}/",
        ]

    problems = in_browser(lambda page: _visit_all(page, public))
    problems += in_browser(lambda page: _visit_all(page, holder_urls, sign_in=holder))
    problems += in_browser(lambda page: _visit_all(page, learner_urls, sign_in=learner))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("lang", "viewport"), [("nb", {"width": 1280, "height": 800}), ("en", PHONE)])
def test_after_the_last_lesson_the_way_to_the_quiz_is_in_view(
    in_browser, lemtrada, axe_check, lang, viewport
):
    """Mark the last unread lesson read: the quiz is on screen without scrolling, on the programme
    page it leads to and on the lesson page; lesson navigation and reading times pass axe."""
    learner = factories.PrescriberFactory()
    programme = ProgrammePage.objects.get(slug="lemtrada", locale__language_code=lang)
    *earlier, last = LessonPage.objects.child_of(programme).live().order_by("path")
    for lesson in earlier:
        course_services.lesson_opened_record(user=learner, lesson=lesson)
        course_services.lesson_mark_read(user=learner, lesson=lesson)
    size = f"{viewport['width']}"

    def journey(page):
        _visit_all(page, [], sign_in=learner)
        page.set_viewport_size(viewport)
        page.goto(last.url)
        assert page.locator(".quiz-next").count() == 0
        assert page.locator(".lesson-nav [aria-current=page]").inner_text() == last.title
        axe_check(page, f"lesson-last-{lang}-{size}")
        page.locator("form[action*='/read/'] button[type=submit]").click()
        page.wait_for_url(f"**{programme.url}#progress")
        expect(page.locator(".quiz-card a.button")).to_be_in_viewport(ratio=1)
        axe_check(page, f"programme-complete-{lang}-{size}")
        page.goto(last.url)
        expect(page.locator(".quiz-next a.button")).to_be_in_viewport(ratio=1)
        axe_check(page, f"lesson-complete-{lang}-{size}")

    in_browser(journey)
