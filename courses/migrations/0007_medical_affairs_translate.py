"""Medical affairs translate: they may make a translation copy (a draft that goes through review)."""

from django.db import migrations


def medical_affairs_may_translate(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    medical = Group.objects.filter(name="Medical affairs").first()
    if medical is None:
        return
    content_type, _ = ContentType.objects.get_or_create(
        app_label="simple_translation", model="simpletranslation"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="submit_translation", defaults={"name": "Can submit translations"}
    )
    medical.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0006_source_status_review_due_withdraw"),
    ]

    operations = [migrations.RunPython(medical_affairs_may_translate, migrations.RunPython.noop)]
