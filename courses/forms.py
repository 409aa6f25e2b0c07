"""Admin forms: whoever submits a change for review declares whether it is material and what changed."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.forms import TaskStateCommentForm

from lms.validators import visible_text

# The admin buttons that send a change for review (Wagtail posts the button's name) or publish it
# directly (only superusers may): these need the declaration, a plain "Save draft" does not.
DECLARING_ACTIONS = ("action-submit", "action-restart-workflow", "action-publish")

MATERIAL_CHOICES = [
    ("yes", _("Yes: it changes what a prescriber must know or do")),
    ("no", _("No: wording, a typo or layout only")),
]


class ChangeDeclarationForm(forms.Form):
    """Two fields that are not stored on the content: the view's hook records them as a ContentChange.

    Mixed into an admin model form (``class F(ChangeDeclarationForm, WagtailAdminModelForm)``):
    Wagtail's ``FieldPanel`` may name a field declared on the model's ``base_form_class``.
    """

    material_change = forms.ChoiceField(
        label=_("Is this a material change?"),
        choices=MATERIAL_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    change_summary = forms.CharField(
        label=_("What changed?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_(
            "Write it for prescribers: when a material change is published, holders of an "
            "attestation receive this text by e-mail."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        declared = self._declaration_under_review()
        if declared is not None:
            # The reviewer sees what the author declared (and an author sent back sees it again).
            self.initial.setdefault("material_change", "yes" if declared.material else "no")
            self.initial.setdefault("change_summary", declared.summary)

    def _declaration_under_review(self):
        """The declaration kept with the revision in review (or sent back), for an admin form."""
        instance = getattr(self, "instance", None)
        if instance is None or instance.pk is None:
            return None
        # In review, or sent back (Wagtail's current_workflow_task_state covers only the first).
        state = getattr(instance, "current_workflow_state", None)
        task_state = state.current_task_state if state is not None else None
        if task_state is None or task_state.revision_id is None:
            return None
        from .models import ContentChange

        return ContentChange.objects.filter(revision_id=task_state.revision_id).first()

    def is_declaring(self) -> bool:
        """Whether the button pressed submits the change for review (or publishes it)."""
        return self.is_bound and any(self.data.get(name) for name in DECLARING_ACTIONS)

    def clean(self):
        cleaned = super().clean()
        if self.is_declaring():
            if cleaned.get("material_change") not in ("yes", "no"):
                self.add_error("material_change", _("Say whether this change is material."))
            if not visible_text(cleaned.get("change_summary")):
                self.add_error("change_summary", _("Describe what changed."))
        return cleaned

    def change_declaration(self) -> tuple[bool, str] | None:
        """(material, summary) when the editor declared the change, else None."""
        if not self.is_valid():
            return None
        answer = self.cleaned_data.get("material_change")
        summary = visible_text(self.cleaned_data.get("change_summary"))
        if answer not in ("yes", "no") or not summary:
            return None
        return answer == "yes", summary


def change_declaration_panel():
    """The "Submitting for review" panel; add it to a model's panels next to ChangeDeclarationForm."""
    return MultiFieldPanel(
        [
            FieldPanel("material_change", disable_comments=True),
            FieldPanel("change_summary", disable_comments=True),
        ],
        heading=_("Submitting for review"),
        help_text=_(
            "Required when you submit for review. Material means it changes what a prescriber must "
            "know or do: the indication, contraindications, monitoring, what the patient is told, "
            "or the keyed answer of a question. Once published, a material change requires every "
            "attestation holder to read the changed lessons and pass the quiz again before the "
            "programme's grace period ends. A typo, wording or layout change is not material and "
            "changes no attestation."
        ),
    )


class ChangeDeclarationPageForm(ChangeDeclarationForm, WagtailAdminPageForm):
    """Base form for programme and lesson pages."""


class ProgrammePageForm(ChangeDeclarationPageForm):
    """The programme's form: its quiz topics are part of it; a topic with questions stays."""

    def clean(self):
        cleaned = super().clean()
        topics = self.formsets.get("quiz_topics")
        for form in getattr(topics, "deleted_forms", []):
            topic = form.instance
            if topic.pk and topic.questions.exists():
                self.add_error(
                    None,
                    _(
                        "The topic “%(name)s” has questions. Move them to another topic or retire "
                        "them before you remove it."
                    )
                    % {"name": topic.name},
                )
        return cleaned


class ReviewCommentRequiredForm(TaskStateCommentForm):
    """Requesting changes without saying which leaves the author guessing: the comment is required."""

    comment = forms.CharField(
        label=_("What needs to change"),
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": _("Say what needs to change before you send it back.")},
    )
