"""The three roles as groups. Medical affairs and compliance officers may enter the Wagtail admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Prescriber", "Medical affairs", "Compliance officer")
ADMIN_ROLES = ("Medical affairs", "Compliance officer")
WAGTAIL_DEFAULT_GROUPS = ("Editors", "Moderators")


def ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name in ADMIN_ROLES:
            group.permissions.add(access_admin)
    # Wagtail's sample groups would be a second, confusing set of roles.
    Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS).delete()


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailusers", "0015_userprofile_keyboard_shortcuts"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
