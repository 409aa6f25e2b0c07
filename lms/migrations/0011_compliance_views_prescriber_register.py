"""Compliance officers view the prescriber register (profiles, HPR state, progress, attempts)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = (("lms", "view_prescriber_register"),)


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
            permissions = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("lms", "0010_prescriber_register_permission")]

    operations = [migrations.RunPython(forwards, backwards)]
