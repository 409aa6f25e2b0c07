from django.dispatch import Signal

# Sent inside the transaction that publishes a change declared material, with ``change=<ContentChange>``.
# The attestation app marks earlier attestations for renewal.
material_change_published = Signal()
