"""Password rules as Django ships them, with messages our catalogue translates.

Django 5 changed the "too short" message to ``%d``; its bokmål catalogue still translates only
the old ``%(min_length)d`` wording, so the message appeared in English on Norwegian pages. The
same msgids here are extracted into lms/locale, whose translation applies first.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return (
            ngettext(
                "This password is too short. It must contain at least %d character.",
                "This password is too short. It must contain at least %d characters.",
                self.min_length,
            )
            % self.min_length
        )
