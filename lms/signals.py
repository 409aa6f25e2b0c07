"""Signals lms sends, so the apps can act without lms importing them."""

from django.dispatch import Signal

#: A prescriber's HPR number has just been confirmed as theirs (``hpr_verify``), for the first
#: time. Sent inside the transaction that records it, with ``user`` (the updated row),
#: ``method`` and ``by``: a receiver's own changes commit or roll back with the verification,
#: and it defers side effects (tasks, e-mail) with ``transaction.on_commit``. A second
#: confirmation of a number already verified sends nothing.
hpr_verified = Signal()
