"""Compliance officers browse and revoke attestations, see treatment records and manage API tokens."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMPLIANCE = {
    "attestation": ("view", "change"),
    "treatmentinitiation": ("view",),
    "apitoken": ("view", "add", "change"),
}


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("certificates")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Compliance officer")
    for model, actions in COMPLIANCE.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label="certificates", codename=f"{action}_{model}")
            )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Compliance officer").first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="certificates"))


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial"), ("lms", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
