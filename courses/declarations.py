"""Admin glue: after a create/edit view ran, keep the change declaration the editor made."""

from . import selectors, services
from .forms import ChangeDeclarationForm


def record_change_declaration(*, request, obj):
    """After an admin create/edit view ran its action: keep the declaration of a change that was
    submitted for review (or published directly), bound to that revision. Called by the
    ``after_create_*``/``after_edit_*`` hooks; a plain save records nothing."""
    form = ChangeDeclarationForm(data=request.POST)
    declaration = form.change_declaration() if form.is_declaring() else None
    if declaration is None:
        return None
    revision, live = selectors.declared_revision(obj=obj, publishing=bool(request.POST.get("action-publish")))
    if revision is None:
        return None
    material, summary = declaration
    programme_key, lesson_key = selectors.change_scope(obj=obj)
    change = services.content_change_declare(
        revision=revision,
        programme_key=programme_key,
        lesson_key=lesson_key,
        title=str(obj),
        material=material,
        summary=summary,
        user=request.user,
    )
    if live:
        # Published in the same request, before this declaration existed.
        services.content_change_published(revision=revision)
    return change
