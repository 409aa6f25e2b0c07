"""Questions gain Wagtail's lock: locked while in review, and Medical affairs may lock one by hand."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def medical_affairs_may_lock_questions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    medical = Group.objects.filter(name="Medical affairs").first()
    if medical is None:
        return
    question_type, _ = ContentType.objects.get_or_create(app_label="quizzes", model="question")
    for action in ("lock", "unlock"):
        permission, _ = Permission.objects.get_or_create(
            content_type=question_type, codename=f"{action}_question", defaults={"name": f"Can {action} question"}
        )
        medical.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0007_rationale_help_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='question',
            name='locked',
            field=models.BooleanField(default=False, editable=False, verbose_name='locked'),
        ),
        migrations.AddField(
            model_name='question',
            name='locked_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='locked at'),
        ),
        migrations.AddField(
            model_name='question',
            name='locked_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='locked_%(class)ss', to=settings.AUTH_USER_MODEL, verbose_name='locked by'),
        ),
        migrations.RunPython(medical_affairs_may_lock_questions, migrations.RunPython.noop),
    ]
