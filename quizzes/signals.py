from django.dispatch import Signal

# Sent inside the transaction that scores a passing attempt, with ``attempt=<Attempt>``.
# Receivers (the attestation service) run in that same transaction.
quiz_passed = Signal()
