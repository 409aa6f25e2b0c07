import random

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import factories
from tests.test_quiz_harvest import _sit, quiz  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user):
    page.goto("/en/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def _shots(page, name, url):
    out = {}
    for code in ("nb", "en"):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url.format(code=code))
            page.screenshot(path=f"/tmp/shots/{name}-{code}-{width}.png", full_page=True)
            res = Axe().run(page)
            out[(code, width)] = [v["id"] for v in res.response["violations"] if v.get("impact") in ("serious", "critical")]
    return out


def test_shots(in_browser, client, quiz):  # noqa: F811
    prescriber = factories.PrescriberFactory(hpr_verified_at=None)
    factories.read_all(prescriber, quiz["nb"])
    client.force_login(prescriber)
    passed = _sit(client, prescriber, quiz, language="en", rng=random.Random(11), right=5)

    def journey(page):
        _log_in(page, prescriber)
        page.goto("/admin/")
        r = {"chain_url": page.url}
        r["admin"] = _shots(page, "admin", "/{code}/admin/login/?next=/admin/")
        r["result"] = _shots(page, "result", f"/{{code}}/quiz/attempt/{passed.pk}/result/")
        return r

    print(in_browser(journey))
