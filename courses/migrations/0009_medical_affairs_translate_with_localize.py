"""Medical affairs translate with wagtail-localize: its "Translate" and "Sync translations" need
``wagtail_localize.submit_translation``. The permission of Wagtail's simple translation (no longer
installed) is removed from the group."""

from django.db import migrations


def medical_affairs_may_translate(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    medical = Group.objects.filter(name="Medical affairs").first()
    if medical is None:
        return
    medical.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="simple_translation", codename="submit_translation"
        )
    )
    medical.permissions.add(
        *Permission.objects.filter(content_type__app_label="wagtail_localize", codename="submit_translation")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_translatable_anchor_and_table"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(medical_affairs_may_translate, migrations.RunPython.noop)]
