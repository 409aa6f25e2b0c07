"""Account events written to the audit trail (connected in ``LmsConfig.ready``)."""

from allauth.account.signals import email_confirmed, user_signed_up
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from audit.services import audit_record

from .middleware import staff_signed_in
from .models import User


@receiver(user_signed_up, dispatch_uid="lms.audit_signed_up")
def signed_up(sender, request, user, **kwargs):
    audit_record(
        "account.signed_up",
        actor=user,
        obj=user,
        payload={"hpr_number": user.hpr_number or "", "sociallogin": bool(kwargs.get("sociallogin"))},
    )


@receiver(email_confirmed, dispatch_uid="lms.audit_email_confirmed")
def email_verified(sender, request, email_address, **kwargs):
    user = email_address.user
    audit_record("account.email_verified", actor=user, obj=user, payload={"email": email_address.email})


@receiver(user_logged_in, dispatch_uid="lms.audit_admin_sign_in")
def admin_signed_in(sender, request, user, **kwargs):
    """Sign-ins of people who may use the admin (staff roles, superusers)."""
    if user.has_perm("wagtailadmin.access_admin"):
        audit_record("account.admin_signed_in", actor=user, obj=user, payload={"path": request.path[:200]})
    if request is not None:
        staff_signed_in(request, user)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="lms.audit_roles_changed")
def roles_changed(sender, instance, action, pk_set, reverse, **kwargs):
    """A user's groups changed, from the user (``user.groups``) or from the group (``user_set``)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from django.contrib.auth.models import Group

    if isinstance(instance, User):
        users = [instance]
        names = sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    else:
        users = list(User.objects.filter(pk__in=pk_set or ()))
        names = [instance.name]
    for user in users:
        audit_record(
            "account.roles_changed",
            obj=user,
            payload={
                "change": action.removeprefix("post_"),
                "roles": names,
                "roles_now": sorted(user.groups.values_list("name", flat=True)),
            },
        )


def _second_factor(action):
    def record(sender, request, user, authenticator, **kwargs):
        audit_record(action, actor=user, obj=user, payload={"type": authenticator.type})

    return record


# Who set up, regenerated or removed a second factor, and which kind (allauth MFA's signals).
mfa_added = _second_factor("account.mfa_added")
mfa_reset = _second_factor("account.mfa_reset")
mfa_removed = _second_factor("account.mfa_removed")
authenticator_added.connect(mfa_added, dispatch_uid="lms.audit_mfa_added")
authenticator_reset.connect(mfa_reset, dispatch_uid="lms.audit_mfa_reset")
authenticator_removed.connect(mfa_removed, dispatch_uid="lms.audit_mfa_removed")
