"""Medical affairs edit programme pages; another Medical affairs member must approve before publishing."""

from django.db import migrations


PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")
IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")
DOCUMENT_PERMISSIONS = ("add_document", "change_document", "choose_document")


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    PeerReviewTask = apps.get_model("courses", "PeerReviewTask")

    medical = Group.objects.get(name="Medical affairs")
    root = Page.objects.filter(depth=1).first()
    collection = Collection.objects.filter(depth=1).first()
    for codename in PAGE_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=medical, page=root, permission=permission)
    for app_label, codenames in (("wagtailimages", IMAGE_PERMISSIONS), ("wagtaildocs", DOCUMENT_PERMISSIONS)):
        for codename in codenames:
            permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            GroupCollectionPermission.objects.get_or_create(
                group=medical, collection=collection, permission=permission
            )

    task_type, _ = ContentType.objects.get_or_create(app_label="courses", model="peerreviewtask")
    task, _ = PeerReviewTask.objects.get_or_create(
        name="Medical review", defaults={"content_type": task_type, "active": True}
    )
    task.groups.set([medical])
    workflow, _ = Workflow.objects.get_or_create(name="Medical review", defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    # The whole page tree goes through this review instead of Wagtail's sample workflow.
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_initial"),
        ("lms", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
