"""Where the attestation app listens: a pass issues, a material change requires renewal, a
confirmed HPR number releases the PDFs held back."""

from django.db import transaction
from django.dispatch import receiver

from courses.signals import material_change_published
from lms.signals import hpr_verified
from quizzes.selectors import register_eligibility_check
from quizzes.signals import quiz_passed

from . import selectors, services, tasks


@receiver(quiz_passed, dispatch_uid="certificates.issue_on_pass")
def issue_on_pass(sender, attempt, **kwargs):
    """In the scoring transaction: the record. After commit: the PDF, in the background."""
    attestation = services.attestation_issue(attempt=attempt)
    if selectors.attestation_may_render(attestation=attestation):
        transaction.on_commit(lambda: tasks.queue_render(attestation.pk), robust=True)
    # Otherwise the PDF waits for the holder's HPR number to be confirmed (``render_on_hpr_verified``).


@receiver(material_change_published, dispatch_uid="certificates.renewal_on_material_change")
def renewal_on_material_change(sender, change, **kwargs):
    services.attestations_require_renewal(change=change)


@receiver(hpr_verified, dispatch_uid="certificates.render_on_hpr_verified")
def render_on_hpr_verified(sender, user, **kwargs):
    """In the verification transaction: find the PDFs held back. After commit: render them."""
    ids = selectors.attestations_to_render_for(user=user)
    if ids:
        transaction.on_commit(lambda: tasks.queue_renders(ids), robust=True)


register_eligibility_check(selectors.quiz_closed_while_valid)
