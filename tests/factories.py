"""factory_boy factories and small builders for programmes, lessons and question banks."""

import datetime
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from courses.models import LessonPage, ProgrammeIndexPage, ProgrammePage
from courses.translation import translation_adopt
from lms import roles
from lms.models import User
from quizzes.models import Option, Question, Topic

PASSWORD = "correct-horse-battery-staple"
# A prescriber's sign-up form that passes (copy it to change a field: {**SIGNUP_FORM, ...}).
SIGNUP_FORM = {
    "full_name": "Ola Nordmann",
    "email": "ola@example.no",
    "profession": "physician",
    "profession_other": "",
    "hpr_number": "9876543",
    "workplace": "St. Olavs hospital",
    "password1": "Sikkert-passord-2026",
    "password2": "Sikkert-passord-2026",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="no_NO")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        self.save()


class PrescriberFactory(UserFactory):
    """A prescriber whose HPR number a Compliance officer has confirmed (pass
    ``hpr_verified_at=None`` for one still waiting)."""

    profession = "physician"
    hpr_number = factory.Sequence(lambda n: f"{1000000 + n}")
    workplace = "Haukeland universitetssjukehus"
    hpr_verified_at = factory.LazyFunction(timezone.now)
    hpr_verification_method = factory.LazyAttribute(
        lambda o: User.HprVerification.COMPLIANCE if o.hpr_verified_at else ""
    )

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=roles.PRESCRIBER))


def enrol_totp(user) -> str:
    """Give ``user`` an authenticator app (allauth MFA, TOTP); returns its secret for ``totp_code``."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def change_password(client, new_password: str, *, language: str = "en"):
    """The signed-in user changes their password on allauth's page (the old one is ``PASSWORD``)."""
    return client.post(
        f"/{language}/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )


def totp_code(secret: str, *, periods_ago: int = 0) -> str:
    """The code the authenticator app with ``secret`` shows now (or ``periods_ago`` periods back)."""
    counter = int(time.time()) // 30 - periods_ago
    return format_hotp_value(hotp_value(secret, counter))


def fresh_totp_code(secret: str, *, margin: int = 8) -> str:
    """The code now, unless its 30-second period ends within ``margin`` seconds: then the next
    period's, after waiting for it. A browser typing a code near the end of its period on a busy
    machine would otherwise submit it after it expired (allauth allows no earlier period)."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.1)
    return totp_code(secret)


class StaffFactory(UserFactory):
    """Staff have set up two-factor authentication (the admin requires it); pass ``mfa=False`` for
    one who has not yet. The secret is kept as ``totp_secret``."""

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        self.totp_secret = enrol_totp(self) if create and extracted is not False else None


class MedicalAffairsFactory(StaffFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=roles.MEDICAL_AFFAIRS))


class ComplianceFactory(StaffFactory):
    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))


def locale(code: str) -> Locale:
    return Locale.objects.get_or_create(language_code=code)[0]


def index_page(code: str = "nb", source: ProgrammeIndexPage | None = None) -> ProgrammeIndexPage:
    existing = ProgrammeIndexPage.objects.filter(locale__language_code=code).first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    page = ProgrammeIndexPage(title=f"Forside {code}", slug=f"home-{code}", locale=locale(code))
    if source is not None:
        page.translation_key = source.translation_key
    root.add_child(instance=page)
    if code == "nb":
        Site.objects.update_or_create(
            is_default_site=True, defaults={"root_page": page, "hostname": "localhost"}
        )
    return page


def programme(*, code="nb", slug="testmed", lessons=3, source=None, **fields) -> ProgrammePage:
    index = index_page(code, source=index_page("nb") if code != "nb" else None)
    values = {
        "title": f"Testmedisin ({code})",
        "product": "Testmedisin",
        "summary": "Et testprogram.",
        "source_title": "Testbrev",
        "source_sender": "Firma AS",
        "source_date": datetime.date(2019, 4, 16),
        "source_authority": "Statens legemiddelverk",
    }
    values.update(fields)
    page = ProgrammePage(slug=slug, locale=locale(code), **values)
    if source is not None:
        page.translation_key = source.translation_key
    index.add_child(instance=page)
    source_lessons = list(LessonPage.objects.child_of(source).order_by("path")) if source else []
    for n in range(lessons):
        lesson = LessonPage(
            title=f"Leksjon {n + 1} ({code})",
            slug=f"leksjon-{n + 1}",
            locale=page.locale,
            intro="Innledning.",
            body=[{"type": "text", "value": f"<p>Innhold {n + 1}.</p>"}],
        )
        if n < len(source_lessons):
            lesson.translation_key = source_lessons[n].translation_key
        page.add_child(instance=lesson)
    return page


def question_bank(
    programme_page, *, topics=2, per_topic=3, kinds=("single",), critical_first=False, source_topics=None
):
    """Topics with questions whose option "a" is correct (and "b" too for multiple choice)."""
    lessons = list(LessonPage.objects.child_of(programme_page).order_by("path"))
    made = []
    for t in range(topics):
        topic = Topic.objects.create(
            programme=programme_page,
            name=f"Emne {t + 1}",
            sort_order=t,
            key=f"t{t + 1}",
            locale=programme_page.locale,
        )
        for q in range(per_topic):
            kind = kinds[(t * per_topic + q) % len(kinds)]
            question = Question(
                topic=topic,
                kind=kind,
                text=f"Spørsmål {t + 1}.{q + 1}",
                rationale=f"Forklaring {t + 1}.{q + 1}",
                lesson=lessons[0] if lessons else None,
                critical=critical_first and q == 0,
                locale=programme_page.locale,
                key=f"q{t + 1}-{q + 1}",
                live=True,
            )
            if kind == "true_false":
                options = [
                    Option(key="true", text="Riktig", is_correct=True),
                    Option(key="false", text="Galt"),
                ]
            elif kind == "multiple":
                options = [
                    Option(key="a", text="A", is_correct=True),
                    Option(key="b", text="B", is_correct=True),
                    Option(key="c", text="C"),
                    Option(key="d", text="D"),
                ]
            else:
                options = [
                    Option(key="a", text="A", is_correct=True),
                    Option(key="b", text="B"),
                    Option(key="c", text="C"),
                ]
            for i, option in enumerate(options):
                option.sort_order = i
            question.options = options
            question.save()
            question.save_revision().publish()  # attempts record the published revision they showed
            made.append(question)
    return made


def read_all(user, programme_page):
    """Every lesson of the programme opened (as if served to ``user``) and marked read."""
    from courses.services import lesson_mark_read, lesson_opened_record

    for lesson in LessonPage.objects.child_of(programme_page):
        lesson_opened_record(user=user, lesson=lesson)
        lesson_mark_read(user=user, lesson=lesson)


def correct_answers(attempt, *, wrong=()):
    """Form data (option tokens) answering every question; positions in ``wrong`` answered wrongly."""
    data = {}
    for item in attempt.items.all():
        if item.position in wrong:
            chosen = [o for o in item.options if o["id"] not in item.correct_option_ids][:1]
        else:
            chosen = [o for o in item.options if o["id"] in item.correct_option_ids]
        data[str(item.pk)] = [o["token"] for o in chosen]
    return data


def as_post(answers: dict) -> dict:
    return {f"q{k}": v for k, v in answers.items()}


def translate_bank(questions, programme_page, *, skip=()):
    """English (or other) versions of ``questions``, linked as translations; keys in ``skip`` left out."""
    topics = {}
    made = []
    for question in questions:
        if question.key in skip:
            continue
        source_topic = question.topic
        if source_topic.pk not in topics:
            topics[source_topic.pk] = Topic.objects.create(
                programme=programme_page,
                name=f"Topic {source_topic.sort_order + 1}",
                sort_order=source_topic.sort_order,
                key=source_topic.key,
                locale=programme_page.locale,
                translation_key=source_topic.translation_key,
            )
        lesson = None
        if question.lesson_id:
            lesson = LessonPage.objects.filter(
                translation_key=question.lesson.translation_key, locale=programme_page.locale
            ).first()
        copy = Question(
            topic=topics[source_topic.pk],
            kind=question.kind,
            text=f"Question {question.key}",
            rationale=f"Explanation {question.key}",
            lesson=lesson,
            lesson_anchor=question.lesson_anchor,
            critical=question.critical,
            locale=programme_page.locale,
            key=question.key,
            live=True,
            translation_key=question.translation_key,
        )
        copy.options = [
            Option(
                key=o.key,
                text=f"{o.text} (en)",
                is_correct=o.is_correct,
                sort_order=o.sort_order,
                translation_key=o.translation_key,
            )
            for o in question.options.all()
        ]
        copy.save()
        copy.save_revision().publish()
        # As the content loader does: the version becomes the wagtail-localize translation of its
        # source, its text the translation memory.
        translation_adopt(Question.objects.get(pk=question.pk), Question.objects.get(pk=copy.pk))
        made.append(copy)
    return made


def url_pattern_texts() -> list[str]:
    """Every URL pattern of the project as text (``"nb/attestations/<int:pk>/pdf/"``), nested
    resolvers walked through, parameters left unfilled: for tests that generate their requests
    from the URL configuration."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix):
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, text)
            else:
                yield text

    return list(walk(get_resolver().url_patterns, ""))
