"""A material change, declared when Medical affairs submit it and published after peer review,
requires earlier attestations to be renewed; a typo changes nothing."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail.users.models import UserProfile

from certificates import selectors as attestation_selectors
from certificates.models import Attestation
from courses import selectors as course_selectors
from courses.models import ContentChange, LessonPage, ProgrammePage
from courses.services import lesson_mark_read
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.models import Question
from tests import factories

pytestmark = pytest.mark.django_db

GRACE_DAYS = 10
SUMMARY = "Leverfunksjon skal nå kontrolleres før hver infusjon."


def medical_affairs():
    """A Medical affairs member who reads the admin in English."""
    user = factories.MedicalAffairsFactory()
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def editors():
    return medical_affairs(), medical_affairs()


@pytest.fixture
def programme(programme_with_bank):
    ProgrammePage.objects.filter(pk=programme_with_bank.pk).update(renewal_grace_days=GRACE_DAYS)
    return ProgrammePage.objects.get(pk=programme_with_bank.pk)


def pass_quiz(user, programme):
    attempt = quiz_services.attempt_start(user=user, programme=programme)
    quiz_services.attempt_submit(attempt_id=attempt.pk, user=user, answers=factories.correct_answers(attempt))
    return Attestation.objects.get(attempt=attempt)


def attested(programme):
    prescriber = factories.PrescriberFactory()
    factories.read_all(prescriber, programme)
    return pass_quiz(prescriber, programme)


def english_holder(programme):
    """A prescriber who read and passed the English version of the programme."""
    english = factories.programme(code="en", slug=programme.slug, source=programme)
    factories.translate_bank(Question.objects.filter(locale=programme.locale), english)
    return attested(english), english


def lessons(programme):
    return list(LessonPage.objects.child_of(programme).order_by("path"))


def mail_to(*users):
    """E-mails to these people (the workflow also e-mails the editors)."""
    addresses = {user.email for user in users}
    return [message for message in mail.outbox if set(message.to) & addresses]


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def declaration(material=None, summary=""):
    data = {"change_summary": summary}
    if material is not None:
        data["material_change"] = "yes" if material else "no"
    return data


def lesson_form(lesson, *, text, action="action-submit", **declared):
    data = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "intro": lesson.intro,
            "body": streamfield([("text", rich_text(f"<p>{text}</p>"))]),
            "comments": inline_formset([]),
        }
    )
    data.update(declared)
    if action:
        data[action] = "1"
    return data


def question_form(question, *, correct, action="action-submit", **declared):
    options = list(question.options.all())
    data = nested_form_data(
        {
            "topic": question.topic_id,
            "kind": question.kind,
            "text": question.text,
            "rationale": question.rationale,
            "lesson": question.lesson_id or "",
            "active": "on",
            "options": inline_formset(
                [
                    {
                        "id": option.pk,
                        "key": option.key,
                        "text": option.text,
                        "ORDER": str(i + 1),
                        **({"is_correct": "on"} if option.key == correct else {}),
                    }
                    for i, option in enumerate(options)
                ],
                initial=len(options),
                min=2,
            ),
        }
    )
    data.update(declared)
    if action:
        data[action] = "1"
    return data


def edit_url(obj):
    return AdminURLFinder().get_edit_url(obj)


def approve(client, obj, reviewer, capture):
    """The colleague approves the change under review through the admin; returns the publish time."""
    obj = fresh(obj)
    task_state = obj.current_workflow_task_state
    if isinstance(obj, LessonPage):
        url = reverse("wagtailadmin_pages:workflow_action", args=(obj.pk, "approve", task_state.pk))
    else:
        url = reverse(
            "wagtailsnippets_quizzes_question:workflow_action", args=(obj.pk, "approve", task_state.pk)
        )
    client.force_login(reviewer)
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code in (200, 302)
    return task_state.revision


def submit_lesson_change(client, lesson, editor, *, material, summary=SUMMARY, text="Ny tekst."):
    client.force_login(editor)
    response = client.post(edit_url(lesson), lesson_form(lesson, text=text, **declaration(material, summary)))
    assert response.status_code == 302, response.content.decode()[:2000]
    return ContentChange.objects.get(revision=fresh(lesson).current_workflow_task_state.revision)


# Declaring --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["programme", "lesson", "question"])
def test_the_edit_form_asks_whether_the_change_is_material(client, programme, editors, kind):
    obj = {
        "programme": programme,
        "lesson": lessons(programme)[0],
        "question": Question.objects.filter(locale=programme.locale).first(),
    }[kind]
    client.force_login(editors[0])
    body = client.get(edit_url(obj)).content.decode()
    assert "Submitting for review" in body
    assert 'name="material_change"' in body
    assert 'name="change_summary"' in body
    radios = re.findall(r'<input[^>]*name="material_change"[^>]*>', body)
    assert len(radios) == 2
    assert not any("checked" in radio for radio in radios)  # no default answer


@pytest.mark.parametrize(
    "declared, missing",
    [
        ({}, ("Say whether this change is material.", "Describe what changed.")),
        (declaration(True), ("Describe what changed.",)),
        (declaration(None, SUMMARY), ("Say whether this change is material.",)),
    ],
)
def test_submitting_without_the_declaration_is_refused_and_nothing_is_submitted(
    client, programme, editors, declared, missing
):
    lesson = lessons(programme)[1]
    revisions_before = Revision.objects.for_instance(lesson).count()
    client.force_login(editors[0])
    response = client.post(edit_url(lesson), lesson_form(lesson, text="Ny tekst.", **declared))
    assert response.status_code == 200
    body = response.content.decode()
    for message in missing:
        assert message in body
    lesson = fresh(lesson)
    assert lesson.current_workflow_state is None
    assert Revision.objects.for_instance(lesson).count() == revisions_before
    assert not ContentChange.objects.exists()


def test_a_plain_save_needs_no_declaration_and_records_none(client, programme, editors):
    lesson = lessons(programme)[1]
    client.force_login(editors[0])
    response = client.post(edit_url(lesson), lesson_form(lesson, text="Utkast.", action=None))
    assert response.status_code == 302
    assert "Utkast." in str(fresh(lesson).get_latest_revision_as_object().body)
    assert fresh(lesson).current_workflow_state is None
    assert not ContentChange.objects.exists()


def test_the_reviewer_sees_the_declaration_in_the_edit_view(client, programme, editors):
    editor, reviewer = editors
    lesson = lessons(programme)[0]
    submit_lesson_change(client, lesson, editor, material=True, summary="Leverfunksjon før hver infusjon.")
    client.force_login(reviewer)
    page = client.get(edit_url(lesson), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<input[^>]*name="material_change"[^>]*value="yes"[^>]*checked', page)
    assert "Leverfunksjon før hver infusjon.</textarea>" in page


def test_an_author_sent_back_finds_the_declaration_again(client, programme, editors):
    editor, reviewer = editors
    lesson = lessons(programme)[0]
    submit_lesson_change(client, lesson, editor, material=False, summary="Rettet en skrivefeil.")
    task_state = fresh(lesson).current_workflow_task_state
    client.force_login(reviewer)
    url = reverse("wagtailadmin_pages:workflow_action", args=(lesson.pk, "reject", task_state.pk))
    assert client.post(url, {"comment": "Skriv om avsnitt 2."}).status_code in (200, 302)
    assert fresh(lesson).current_workflow_state.status == "needs_changes"
    client.force_login(editor)
    page = client.get(edit_url(lesson), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<input[^>]*name="material_change"[^>]*value="no"[^>]*checked', page)
    assert "Rettet en skrivefeil.</textarea>" in page


def test_a_submitted_lesson_change_is_declared_on_the_revision_under_review(client, programme, editors):
    lesson = lessons(programme)[1]
    change = submit_lesson_change(client, lesson, editors[0], material=True)
    under_review = fresh(lesson).current_workflow_task_state.revision
    assert change.revision == under_review
    assert "Ny tekst." in str(under_review.as_object().body)
    assert change.material is True
    assert change.summary == SUMMARY
    assert change.programme_key == programme.translation_key
    assert change.lesson_key == lesson.translation_key
    assert change.declared_by == editors[0]
    assert change.published_at is None and change.content_version is None
    assert course_selectors.programme_content_version(programme_key=programme.translation_key) == 1


def test_the_declaration_shows_in_the_history_of_the_page(
    client, programme, editors, django_capture_on_commit_callbacks
):
    lesson = lessons(programme)[1]
    submit_lesson_change(client, lesson, editors[0], material=True)
    approve(client, lesson, editors[1], django_capture_on_commit_callbacks)
    body = client.get(reverse("wagtailadmin_pages:history", args=(lesson.pk,))).content.decode()
    assert "Declared a material change" in body
    assert SUMMARY in body
    assert "Material change published: programme content version 2." in body


def test_preview_and_revision_comparison_work_with_the_declaration_fields(client, programme, editors):
    lesson = lessons(programme)[1]
    first = lesson.save_revision(user=editors[0])
    client.force_login(editors[0])
    preview = client.post(
        reverse("wagtailadmin_pages:preview_on_edit", args=(lesson.pk,)),
        lesson_form(lesson, text="Forhåndsvisning.", action=None),
    )
    assert json.loads(preview.content)["is_valid"] is True
    shown = client.get(reverse("wagtailadmin_pages:preview_on_edit", args=(lesson.pk,)))
    assert "Forhåndsvisning." in shown.content.decode()
    submit_lesson_change(client, lesson, editors[0], material=False, summary="Skrivefeil.")
    second = fresh(lesson).get_latest_revision()
    client.force_login(editors[1])
    compare = client.get(
        reverse("wagtailadmin_pages:revisions_compare", args=(lesson.pk, first.pk, second.pk))
    )
    assert compare.status_code == 200
    assert "Ny tekst." in compare.content.decode()


# Publishing a material change -------------------------------------------------------------------


def test_material_change_end_to_end(client, programme, editors, django_capture_on_commit_callbacks):
    editor, reviewer = editors
    holder_nb = attested(programme)
    holder_en, english = english_holder(programme)
    changed, unchanged = lessons(programme)[1], lessons(programme)[2]
    old_nb, old_en = holder_nb.pk, holder_en.pk
    assert holder_nb.content_version == 1
    assert quiz_selectors.quiz_eligibility(user=holder_nb.user, programme=programme).code == "attested"

    change = submit_lesson_change(client, changed, editor, material=True)
    mail.outbox.clear()
    published = approve(client, changed, reviewer, django_capture_on_commit_callbacks)

    # Published, and the content version went up.
    assert fresh(changed).live_revision == published == change.revision
    change.refresh_from_db()
    assert change.published_at is not None
    assert change.content_version == 2
    assert course_selectors.programme_content_version(programme_key=programme.translation_key) == 2

    # Both attestations need renewal after the programme's grace period; valid until then.
    due = change.published_at + datetime.timedelta(days=GRACE_DAYS)
    for pk in (old_nb, old_en):
        attestation = Attestation.objects.get(pk=pk)
        assert attestation.renewal_required_from == due
        assert attestation.renewal_change == change
    during = attestation_selectors.attestation_status(
        user=holder_nb.user, programme=programme, now=due - datetime.timedelta(minutes=1)
    )
    assert during.code == "valid" and during.renewal_pending
    after = attestation_selectors.attestation_status(user=holder_nb.user, programme=programme, now=due)
    assert after.code == "renewal_required"

    # Each holder is e-mailed the summary, in the language they took the quiz in.
    by_holder = {message.to[0]: message for message in mail_to(holder_nb.user, holder_en.user)}
    assert len(by_holder) == len(mail_to(holder_nb.user, holder_en.user)) == 2
    english_mail = by_holder[holder_en.user.email]
    assert english_mail.subject == f"The programme “{english.title}” has changed: renew your attestation"
    assert "What changed:" in english_mail.body and SUMMARY in english_mail.body
    assert SUMMARY in by_holder[holder_nb.user.email].body

    # The changed lesson, and only that one, is marked for them; the quiz waits until it is read.
    progress = course_selectors.programme_progress(user=holder_nb.user, programme=programme)
    assert progress.changed_keys == {changed.translation_key}
    assert not progress.complete
    client.force_login(holder_en.user)
    english_lessons = lessons(english)
    assert "Changed since you read it: read it again" in client.get(english_lessons[1].url).content.decode()
    assert "Changed since you read it" not in client.get(english_lessons[2].url).content.decode()
    assert "Changed: read again" in client.get(english.url).content.decode()
    eligibility = quiz_selectors.quiz_eligibility(user=holder_nb.user, programme=programme)
    assert eligibility.code == "lessons_unread"

    # Renewal: read the changed lesson again, pass again; the new attestation supersedes the old.
    # Marking it read counts only once its new text was delivered: the holder opens it first.
    client.force_login(holder_nb.user)
    refused = client.post(f"/nb/lessons/{changed.pk}/read/")
    assert refused["Location"] == fresh(changed).url
    progress = course_selectors.programme_progress(user=holder_nb.user, programme=programme)
    assert progress.changed_keys == {changed.translation_key}
    assert client.get(fresh(changed).url).status_code == 200
    lesson_mark_read(user=holder_nb.user, lesson=changed)
    assert (
        unchanged.translation_key
        in course_selectors.programme_progress(user=holder_nb.user, programme=programme).read_keys
    )
    assert quiz_selectors.quiz_eligibility(user=holder_nb.user, programme=programme).ok
    renewed = pass_quiz(holder_nb.user, programme)
    old = Attestation.objects.get(pk=old_nb)
    assert renewed.content_version == 2
    assert renewed.renewal_required_from is None
    assert old.state == Attestation.State.SUPERSEDED and old.superseded_by == renewed
    status = attestation_selectors.attestation_status(user=holder_nb.user, programme=programme, now=due)
    assert status.code == "valid" and not status.renewal_pending and status.attestation == renewed
    assert quiz_selectors.quiz_eligibility(user=holder_nb.user, programme=programme).code == "attested"
    # The English holder has not renewed yet.
    assert Attestation.objects.get(pk=old_en).state == Attestation.State.ACTIVE


def test_a_non_material_change_changes_no_attestation(
    client, programme, editors, django_capture_on_commit_callbacks
):
    editor, reviewer = editors
    attestation = attested(programme)
    lesson = lessons(programme)[1]
    change = submit_lesson_change(client, lesson, editor, material=False, summary="Rettet en skrivefeil.")
    mail.outbox.clear()
    published = approve(client, lesson, reviewer, django_capture_on_commit_callbacks)

    assert fresh(lesson).live_revision == published
    change.refresh_from_db()
    assert change.published_at is not None
    assert change.content_version is None
    assert course_selectors.programme_content_version(programme_key=programme.translation_key) == 1
    attestation.refresh_from_db()
    assert attestation.renewal_required_from is None
    assert (
        attestation_selectors.attestation_status(user=attestation.user, programme=programme).code == "valid"
    )
    assert not course_selectors.programme_progress(user=attestation.user, programme=programme).changed_keys
    assert quiz_selectors.quiz_eligibility(user=attestation.user, programme=programme).code == "attested"
    assert mail_to(attestation.user) == []


def test_a_second_programme_is_unaffected_by_the_first_ones_change(
    client, programme, editors, django_capture_on_commit_callbacks
):
    editor, reviewer = editors
    other = factories.programme(slug="annen", title="Annen medisin", questions_per_topic=2)
    factories.question_bank(other, topics=3, per_topic=3)
    prescriber = factories.PrescriberFactory()
    factories.read_all(prescriber, programme)
    factories.read_all(prescriber, other)
    first = pass_quiz(prescriber, programme)
    second = pass_quiz(prescriber, other)

    submit_lesson_change(client, lessons(programme)[0], editor, material=True)
    mail.outbox.clear()
    approve(client, lessons(programme)[0], reviewer, django_capture_on_commit_callbacks)

    assert Attestation.objects.get(pk=first.pk).renewal_required_from is not None
    second.refresh_from_db()
    assert second.renewal_required_from is None and second.renewal_change is None
    later = first.issued_at + datetime.timedelta(days=GRACE_DAYS + 1)
    assert attestation_selectors.attestation_status(user=prescriber, programme=programme, now=later).code == (
        "renewal_required"
    )
    assert (
        attestation_selectors.attestation_status(user=prescriber, programme=other, now=later).code == "valid"
    )
    assert course_selectors.programme_content_version(programme_key=other.translation_key) == 1
    assert not course_selectors.programme_progress(user=prescriber, programme=other).changed_keys
    # The holder passed in Norwegian, so the e-mail is in Norwegian.
    assert [m.subject for m in mail_to(prescriber)] == [
        f"Programmet «{programme.title}» er endret – forny attestasjonen din"
    ]


def test_a_material_change_to_a_question_requires_renewal_but_marks_no_lesson(
    client, programme, editors, django_capture_on_commit_callbacks
):
    editor, reviewer = editors
    attestation = attested(programme)
    question = Question.objects.filter(locale=programme.locale).order_by("pk").first()
    client.force_login(editor)
    response = client.post(
        edit_url(question),
        question_form(question, correct="b", **declaration(True, "Riktig svar er nå B.")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ContentChange.objects.get()
    assert change.revision == fresh(question).current_workflow_task_state.revision
    assert change.programme_key == programme.translation_key
    assert change.lesson_key is None

    before = fresh(question).live_revision
    approve(client, question, reviewer, django_capture_on_commit_callbacks)

    question = fresh(question)
    compare = client.get(
        reverse(
            "wagtailsnippets_quizzes_question:revisions_compare",
            args=(question.pk, before.pk, question.live_revision.pk),
        )
    )
    assert compare.status_code == 200
    assert [o.key for o in question.options.all() if o.is_correct] == ["b"]
    change.refresh_from_db()
    assert change.content_version == 2
    attestation.refresh_from_db()
    assert attestation.renewal_required_from == change.published_at + datetime.timedelta(days=GRACE_DAYS)
    assert not course_selectors.programme_progress(user=attestation.user, programme=programme).changed_keys
    # Nothing to read again: the quiz reopens at once for renewal.
    assert quiz_selectors.quiz_eligibility(user=attestation.user, programme=programme).ok


def _keyed(question) -> str:
    return next(option.key for option in question.options.all() if option.is_correct)


def test_a_new_keyed_answer_cannot_be_declared_not_material(client, programme, editors):
    """An editor in a hurry calls a new correct answer "wording only": refused, nothing submitted."""
    question = Question.objects.filter(locale=programme.locale, kind="single").order_by("pk").first()
    other = next(option.key for option in question.options.all() if not option.is_correct)
    client.force_login(editors[0])
    response = client.post(
        edit_url(question),
        question_form(question, correct=other, **declaration(False, "Ryddet i svaralternativene.")),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This change alters how the question is scored" in response.content.decode()
    assert fresh(question).current_workflow_state is None
    assert not ContentChange.objects.exists()


def _swap_keyed_text(data, question):
    """The form data with the keyed option's text and a wrong option's text swapped."""
    options = list(question.options.all())
    keyed = next(i for i, o in enumerate(options) if o.is_correct)
    wrong = next(i for i, o in enumerate(options) if not o.is_correct)
    data[f"options-{keyed}-text"], data[f"options-{wrong}-text"] = options[wrong].text, options[keyed].text
    return data


@pytest.mark.parametrize(
    "change",
    ["swap the texts", "rewrite the keyed text", "withdrawn first"],
)
def test_a_new_correct_answer_under_the_same_reference_cannot_be_declared_not_material(
    client, programme, editors, change
):
    question = Question.objects.filter(locale=programme.locale, kind="single").order_by("pk").first()
    if change == "withdrawn first":
        from courses.services import content_withdraw

        content_withdraw(obj=question, user=factories.StaffFactory(is_superuser=True), reason="Feil nøkkel")
        question = fresh(question)
        assert not question.live
    data = question_form(question, correct=_keyed(question), **declaration(False, "Ryddet."))
    if change == "swap the texts":
        _swap_keyed_text(data, question)
    elif change == "rewrite the keyed text":
        keyed = next(i for i, o in enumerate(question.options.all()) if o.is_correct)
        data[f"options-{keyed}-text"] = "Klinisk isolert syndrom uten tegn på sykdomsaktivitet"
    else:
        other = next(o.key for o in question.options.all() if not o.is_correct)
        data = question_form(question, correct=other, **declaration(False, "Ryddet."))
    client.force_login(editors[0])
    response = client.post(edit_url(question), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This change alters how the question is scored" in response.content.decode()
    assert not ContentChange.objects.exists()


def test_a_typo_fixed_in_the_correct_answer_may_be_declared_not_material(client, programme, editors):
    question = Question.objects.filter(locale=programme.locale, kind="single").order_by("pk").first()
    question.options.filter(is_correct=True).update(text="Relapserende remitterende multippel sklerose")
    keyed = next(i for i, o in enumerate(question.options.all()) if o.is_correct)
    data = question_form(question, correct=_keyed(question), **declaration(False, "Rettet en skrivefeil."))
    data[f"options-{keyed}-text"] = "Relapserende-remitterende multippel sklerose (RRMS)"
    client.force_login(editors[0])
    response = client.post(edit_url(question), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not ContentChange.objects.get().material


def test_a_wording_change_to_a_question_may_be_declared_not_material(client, programme, editors):
    question = Question.objects.filter(locale=programme.locale, kind="single").order_by("pk").first()
    data = question_form(question, correct=_keyed(question), **declaration(False, "Rettet en skrivefeil."))
    data["text"] = question.text + " (rettet)"
    client.force_login(editors[0])
    response = client.post(edit_url(question), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ContentChange.objects.get()
    assert not change.material
    assert fresh(question).current_workflow_state is not None


def test_a_question_submitted_without_the_declaration_is_refused(client, programme, editors):
    question = Question.objects.filter(locale=programme.locale).order_by("pk").first()
    client.force_login(editors[0])
    response = client.post(edit_url(question), question_form(question, correct="b"))
    assert response.status_code == 200
    assert "Say whether this change is material." in response.content.decode()
    assert fresh(question).current_workflow_state is None
    assert not ContentChange.objects.exists()


def test_publishing_directly_also_needs_and_applies_the_declaration(
    client, programme, django_capture_on_commit_callbacks
):
    """Superusers may publish without review; their material change counts all the same."""
    admin = factories.StaffFactory(is_superuser=True, is_staff=True)
    attestation = attested(programme)
    lesson = lessons(programme)[0]
    client.force_login(admin)
    refused = client.post(edit_url(lesson), lesson_form(lesson, text="Direkte.", action="action-publish"))
    assert refused.status_code == 200
    assert fresh(lesson).live_revision_id == lesson.live_revision_id

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            edit_url(lesson),
            lesson_form(lesson, text="Direkte.", action="action-publish", **declaration(True, SUMMARY)),
        )
    assert response.status_code == 302
    change = ContentChange.objects.get()
    assert change.revision == fresh(lesson).live_revision
    assert change.content_version == 2
    attestation.refresh_from_db()
    assert attestation.renewal_required_from == change.published_at + datetime.timedelta(days=GRACE_DAYS)
    assert course_selectors.programme_progress(user=attestation.user, programme=programme).changed_keys == {
        lesson.translation_key
    }
