"""A reviewer sees a question as the learner will, with nothing that gives the key away."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from quizzes.models import Option, Question
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    page = factories.programme()
    factories.question_bank(page, topics=1, per_topic=1)
    question = Question.objects.get(key="q1-1")
    question.text = "Hvilken prøve tas før hver infusjon?"
    question.options = [
        Option(key="a", text="Leverfunksjon", is_correct=True, sort_order=0),
        Option(key="b", text="Synsfelt", sort_order=1),
        Option(key="c", text="Hørsel", sort_order=2),
    ]
    question.save()
    return question


def _preview(question, user):
    request = RequestFactory().get("/admin/snippets/quizzes/question/preview/")
    request.user = user
    with translation.override("en"):
        response = question.serve_preview(request, question.default_preview_mode)
        response.render()
    return response.content.decode()


def test_the_preview_shows_the_question_and_its_options_as_the_attempt_page_does(question):
    body = _preview(question, factories.MedicalAffairsFactory())
    assert '<span class="question-text" lang="nb">Hvilken prøve tas før hver infusjon?</span>' in body
    for n, text in enumerate(["Leverfunksjon", "Synsfelt", "Hørsel"], start=1):
        assert f'<input type="radio" name="qpreview" id="qpreview-o{n}" value="{n}" required>' in body
        assert f'<label for="qpreview-o{n}" lang="nb">{text}</label>' in body
    assert '<p class="hint">Velg ett svaralternativ.</p>' in body  # in the learner's language


def test_the_preview_does_not_reveal_the_keyed_option(question):
    user = factories.MedicalAffairsFactory()
    keyed_a = _preview(question, user)
    question.options = [
        Option(pk=o.pk, key=o.key, text=o.text, is_correct=o.key == "c", sort_order=o.sort_order)
        for o in question.options.all()
    ]
    assert [o.is_correct for o in question.options.all()] == [False, False, True]
    keyed_c = _preview(question, user)
    assert keyed_a == keyed_c  # moving the key changes nothing a reviewer or learner can see
    assert "Forklaring" not in keyed_a  # nor is the rationale shown


def test_the_question_editor_offers_the_preview(client, question):
    client.force_login(factories.MedicalAffairsFactory())
    body = client.get(reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk])).content.decode()
    assert reverse("wagtailsnippets_quizzes_question:preview_on_edit", args=[question.pk]) in body
