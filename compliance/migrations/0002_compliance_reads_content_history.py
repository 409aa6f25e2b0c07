"""Compliance officers read the content history (published change declarations)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    compliance = Group.objects.filter(name="Compliance officer").first()
    if compliance is None:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="courses", model="contentchange")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="view_contentchange", defaults={"name": "Can view content change"}
    )
    compliance.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_export_records"),
        ("courses", "0009_medical_affairs_translate_with_localize"),
        ("lms", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
