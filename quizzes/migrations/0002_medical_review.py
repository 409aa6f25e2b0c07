"""Medical affairs edit topics and questions; questions go through the same peer review as pages."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# No delete and no publish: questions are retired, and published only through review.
PERMISSIONS = (
    "add_topic",
    "change_topic",
    "add_question",
    "change_question",
    "view_item_statistics",
)


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("quizzes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    medical = Group.objects.get(name="Medical affairs")
    medical.permissions.add(
        *Permission.objects.filter(content_type__app_label="quizzes", codename__in=PERMISSIONS)
    )
    question_type, _ = ContentType.objects.get_or_create(app_label="quizzes", model="question")
    workflow = Workflow.objects.get(name="Medical review")
    WorkflowContentType.objects.update_or_create(
        content_type=question_type, defaults={"workflow": workflow}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0001_initial"),
        ("courses", "0003_medical_review"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
