"""The help page: the programme owner's contact details, edited by staff, linked from every page."""

import pytest
from django.urls import reverse

from lms.models import ProgrammeOwnerContact

pytestmark = pytest.mark.django_db


def _contact(**fields):
    contact = ProgrammeOwnerContact.load()
    values = {
        "organisation": "Eksempel Pharma AS",
        "postal_address": "Postboks 1, 0001 Oslo",
        "phone": "22 00 00 00",
        "email": "medinfo@example.no",
    }
    values.update(fields)
    for name, value in values.items():
        setattr(contact, name, value)
    contact.save()
    return contact


def test_help_page_shows_the_contact_details_staff_entered(client):
    _contact()
    body = client.get("/en/help/").content.decode()
    assert "Eksempel Pharma AS" in body
    assert 'href="tel:22000000"' in body
    assert 'href="mailto:medinfo@example.no"' in body


def test_help_page_follows_an_edit_of_the_contact_details(client):
    _contact()
    _contact(phone="99 99 99 99")
    body = client.get("/en/help/").content.decode()
    assert "99 99 99 99" in body
    assert "22 00 00 00" not in body


def test_help_page_without_contact_details_says_they_are_missing(client):
    body = client.get("/en/help/").content.decode()
    assert "have not been entered yet" in body


@pytest.mark.parametrize("path", ["/nb/help/", "/en/accounts/login/", "/nb/verify/"])
def test_every_page_links_the_help_page(client, path):
    response = client.get(path)
    lang = path.split("/")[1]
    assert f'href="{reverse("help").replace("/nb/", f"/{lang}/")}"' in response.content.decode()


def test_the_loaded_programme_fills_the_owner_contact_from_the_letter(programme_loaded_once):
    contact = ProgrammeOwnerContact.objects.get()
    assert contact.organisation == "sanofi-aventis Norge AS"
    assert contact.phone == "67 10 71 00"
    assert contact.email == "medinfo-norge@sanofi.com"


def test_loading_again_keeps_contact_details_staff_changed(programme_loaded_once):
    from content.loader import load_programme

    _contact(organisation="Endret AS", phone="11 11 11 11", email="ny@example.no")
    load_programme()
    contact = ProgrammeOwnerContact.objects.get()
    assert (contact.organisation, contact.phone) == ("Endret AS", "11 11 11 11")
