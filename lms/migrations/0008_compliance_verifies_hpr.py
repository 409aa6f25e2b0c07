"""Compliance officers confirm prescribers' HPR numbers and edit the programme owner's contact details."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = (("lms", "verify_hpr_number"), ("lms", "change_programmeownercontact"))


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("lms")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Compliance officer")
    for app_label, codename in GRANTS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Compliance officer").first()
    if group:
        for app_label, codename in GRANTS:
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [("lms", "0007_verify_hpr_permission")]

    operations = [migrations.RunPython(forwards, backwards)]
