"""Background work (django-tasks; the database backend's worker is ``manage.py db_worker``)."""

from django_tasks import task


@task()
def render_attestation(attestation_id: int) -> str:
    """Render and store one attestation's PDF; raises (and is re-queued) when rendering fails."""
    from .services import attestation_render

    return attestation_render(attestation_id=attestation_id).pdf_status
