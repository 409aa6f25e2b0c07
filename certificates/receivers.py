"""Where the attestation app listens: a pass issues, a material change requires renewal."""

from django.db import transaction
from django.dispatch import receiver

from courses.signals import material_change_published
from quizzes.selectors import register_eligibility_check
from quizzes.signals import quiz_passed

from . import selectors, services, tasks


@receiver(quiz_passed, dispatch_uid="certificates.issue_on_pass")
def issue_on_pass(sender, attempt, **kwargs):
    """In the scoring transaction: the record. After commit: the PDF, in the background."""
    attestation = services.attestation_issue(attempt=attempt)
    transaction.on_commit(lambda: tasks.queue_render(attestation.pk), robust=True)


@receiver(material_change_published, dispatch_uid="certificates.renewal_on_material_change")
def renewal_on_material_change(sender, change, **kwargs):
    services.attestations_require_renewal(change=change)


register_eligibility_check(selectors.quiz_closed_while_valid)
