"""The treatment-gate form: what a prescriber confirms before treatment is recorded.

The wording follows the Lemtrada DHPC of 16 April 2019 (in our own words); the rule that
every confirmation is required, and which keys exist, belongs to ``services``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services

INDICATION_CHOICES = [
    (
        "inadequate_response",
        _(
            "Alternative 1: the patient has had full and adequate treatment with at least two other "
            "disease-modifying therapies, and the effect was not sufficient."
        ),
    ),
    (
        "other_dmt_unsuitable",
        _(
            "Alternative 2: other disease-modifying therapy is contraindicated for the patient or "
            "unsuitable for other reasons."
        ),
    ),
]
INDICATION_SHORT = {
    "inadequate_response": _("Alternative 1: two other therapies without sufficient effect"),
    "other_dmt_unsuitable": _("Alternative 2: other therapy contraindicated or unsuitable"),
}

CONFIRMATION_LABELS = {
    "adult_highly_active_rrms": _(
        "The patient is an adult with highly active relapsing-remitting multiple sclerosis (RRMS)."
    ),
    "vital_signs_monitored": _(
        "Vital signs, including blood pressure, will be measured before the infusion and regularly "
        "during it, and the infusion will be stopped if they change in a clinically significant way."
    ),
    "ecg_considered": _("Additional monitoring, including ECG, has been considered."),
    "liver_function_checked": _(
        "Liver function will be assessed before treatment starts and during treatment."
    ),
    "told_symptoms_after_infusion": _(
        "The patient has been told the signs and symptoms of the serious reactions that can follow an "
        "infusion (pulmonary alveolar haemorrhage, myocardial infarction, stroke and cranio-cervical "
        "arterial dissection, most often within 1–3 days), and to seek immediate medical help if "
        "symptoms appear in the days after an infusion."
    ),
    "told_liver_symptoms": _(
        "The patient has been told about the risk of liver injury and its symptoms, and to seek "
        "immediate medical help if such symptoms appear."
    ),
    "told_late_hlh": _(
        "The patient has been told about haemophagocytic lymphohistiocytosis (HLH), a life-threatening "
        "immune reaction that can appear late: it has been reported from a few months to four years "
        "after treatment starts, and four years is the latest reported, not a limit."
    ),
    "alert_card_given": _("The patient has been given the patient alert card."),
}

GROUPS = [
    (
        "indication",
        _("Indication"),
        _(
            "A new patient may start treatment only when the patient group is right and one of the two "
            "alternatives applies."
        ),
        ["adult_highly_active_rrms", "indication_basis"],
    ),
    (
        "checks",
        _("Checks planned"),
        _("Around every infusion and throughout the treatment."),
        ["vital_signs_monitored", "ecg_considered", "liver_function_checked"],
    ),
    (
        "patient",
        _("Information for the patient"),
        _("What the patient has been told and given before the first infusion."),
        ["told_symptoms_after_infusion", "told_liver_symptoms", "told_late_hlh"],
    ),
]


def confirmation_texts(confirmations: dict) -> list[str]:
    """What a stored record confirms, as sentences in the active language."""
    texts = []
    basis = dict(INDICATION_CHOICES).get(confirmations.get("indication_basis"))
    for key in (*services.TREATMENT_CONFIRMATIONS, *services.RETIRED_TREATMENT_CONFIRMATIONS):
        if confirmations.get(key) is True:
            texts.append(str(CONFIRMATION_LABELS[key]))
        if key == "adult_highly_active_rrms" and basis:
            texts.append(str(basis))
    return texts


class TreatmentInitiationForm(forms.Form):
    patient_reference = forms.CharField(
        label=_("Patient reference"),
        max_length=services.PATIENT_REFERENCE_MAX_LENGTH,
        help_text=_(
            "A pseudonym that only you or your clinic can link to the patient, for example from your "
            "local key list. Never the patient's name or national identity number."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter a patient reference.")},
    )
    indication_basis = forms.ChoiceField(
        label=_("Which alternative applies?"),
        choices=INDICATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose which of the two alternatives applies.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in services.TREATMENT_CONFIRMATIONS:
            self.fields[key] = forms.BooleanField(
                label=CONFIRMATION_LABELS[key],
                error_messages={"required": _("Confirm this before you record the treatment initiation.")},
            )
        order = [name for _key, _legend, _help, names in GROUPS for name in names]
        self.order_fields(["patient_reference", *order])

    def clean_patient_reference(self):
        reference = self.cleaned_data["patient_reference"].strip()
        if services.looks_like_national_identity_number(reference):
            raise forms.ValidationError(
                _(
                    "This looks like a national identity number (fødselsnummer). Do not enter a national "
                    "identity number: use a pseudonymous reference that only you or your clinic can link "
                    "to the patient."
                ),
                code="national_identity_number",
            )
        return reference

    def groups(self) -> list[dict]:
        """The confirmations in the fieldsets they are shown in."""
        return [
            {"key": key, "legend": legend, "help": help_text, "fields": [self[name] for name in names]}
            for key, legend, help_text, names in GROUPS
        ]

    def error_summary(self) -> list[tuple[str | None, str]]:
        """(id of the field to jump to, message) for the summary above the form."""
        items = [(None, str(error)) for error in self.non_field_errors()]
        for name in ("patient_reference", "indication_basis"):
            items += [(self[name].id_for_label, str(error)) for error in self[name].errors]
        missing = [self[key] for key in services.TREATMENT_CONFIRMATIONS if self[key].errors]
        if missing:
            count = len(missing)
            message = ngettext(
                "%(count)s confirmation is missing: tick it before you record.",
                "%(count)s confirmations are missing: tick each of them before you record.",
                count,
            ) % {"count": count}
            items.append((missing[0].id_for_label, message))
        return items

    def confirmations(self) -> dict:
        """The confirmations as the service takes them (call after ``is_valid()``)."""
        data = {key: self.cleaned_data[key] for key in services.TREATMENT_CONFIRMATIONS}
        data["indication_basis"] = self.cleaned_data["indication_basis"]
        return data
