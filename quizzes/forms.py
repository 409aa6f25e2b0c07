from django import forms
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.blocks import body_anchors
from courses.forms import ChangeDeclarationForm

# What decides scoring: set by the default-language (Norwegian) source, never per language.
SYNCHRONISED_FIELDS = ("kind", "critical", "active", "topic", "lesson", "lesson_anchor")
SYNCHRONISED_OPTION_FIELDS = ("key", "is_correct")


class QuestionForm(ChangeDeclarationForm, WagtailAdminModelForm):
    """Checks that the options marked correct fit the question type; asks for the change declaration.

    In a translation, what decides scoring is read-only: it follows the source (see
    ``courses.translation``); only the text is translated. This form is used for a translation
    only when its synchronised (wagtail-localize) translation was stopped.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self._is_translation():
            note = _("Follows the Norwegian source; change it there.")
            for name in SYNCHRONISED_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = note
            options = self.formsets.get("options") if hasattr(self, "formsets") else None
            for form in getattr(options, "forms", []):
                for name in SYNCHRONISED_OPTION_FIELDS:
                    if name in form.fields:
                        form.fields[name].disabled = True

    def _is_translation(self) -> bool:
        from wagtail.models import Locale

        locale_id = self.instance.locale_id
        return bool(self.instance.pk and locale_id and locale_id != Locale.get_default().pk)

    def clean(self):
        cleaned = super().clean()
        self._check_lesson_anchor(cleaned)
        self._check_language(cleaned)
        formset = self.formsets.get("options") if hasattr(self, "formsets") else None
        if formset is None or not formset.is_valid():
            return cleaned
        options = [
            f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        correct = sum(1 for option in options if option.get("is_correct"))
        kind = cleaned.get("kind")
        keys = [option.get("key") for option in options]
        if len(keys) != len(set(keys)):
            raise forms.ValidationError(_("Each option needs its own reference (a, b, c …)."))
        if kind in ("single", "true_false") and correct != 1:
            raise forms.ValidationError(_("Mark exactly one option as correct for this question type."))
        if kind == "true_false" and len(options) != 2:
            raise forms.ValidationError(_("A true-or-false question has exactly two options."))
        if kind == "multiple" and (correct < 2 or correct == len(options)):
            raise forms.ValidationError(
                _("A multiple-choice question needs at least two correct options and at least one wrong one.")
            )
        self._check_declared_material(cleaned, options)
        return cleaned

    def _check_declared_material(self, cleaned, options):
        """A change to how the question is scored, against the version learners last saw, cannot
        be declared "not material" (``selectors.keyed_answer_changed``)."""
        if not self.is_declaring() or cleaned.get("material_change") != "no":
            return
        from .selectors import keyed_answer_changed

        if keyed_answer_changed(
            question=self.instance,
            kind=cleaned.get("kind", self.instance.kind),
            critical=cleaned.get("critical", self.instance.critical),
            options=[(o.get("key"), o.get("text", ""), bool(o.get("is_correct"))) for o in options],
        ):
            self.add_error(
                "material_change",
                _(
                    "This change alters how the question is scored (its type, whether it is critical, "
                    "which answer is correct or what the correct answer says), so it is material: "
                    "prescribers who attested under the old answer must renew."
                ),
            )

    def _check_language(self, cleaned):
        """Topic and lesson are those of the question's own language version of the programme."""
        locale_id = self.instance.locale_id
        if locale_id is None:
            return
        topic, lesson = cleaned.get("topic"), cleaned.get("lesson")
        if topic is not None and topic.locale_id != locale_id:
            self.add_error("topic", _("Choose a topic of the programme in the question's language."))
        if lesson is not None and lesson.locale_id != locale_id:
            self.add_error("lesson", _("Choose a lesson in the question's language."))
        if topic is not None and lesson is not None and lesson.get_parent().pk != topic.programme_id:
            self.add_error("lesson", _("Choose a lesson of the programme the topic belongs to."))

    def _check_lesson_anchor(self, cleaned):
        """The link target must be one the chosen lesson's published text has."""
        anchor, lesson = cleaned.get("lesson_anchor"), cleaned.get("lesson")
        if not anchor:
            return
        if lesson is None:
            self.add_error("lesson_anchor", _("Choose the lesson that has this part first."))
            return
        anchors = body_anchors(lesson.specific.body)
        if anchor not in anchors:
            self.add_error(
                "lesson_anchor",
                _(
                    "The lesson “%(lesson)s” has no part with the link target “%(anchor)s”. "
                    "Its link targets: %(anchors)s."
                )
                % {
                    "lesson": lesson.title,
                    "anchor": anchor,
                    "anchors": ", ".join(sorted(anchors)) or _("none"),
                },
            )
