"""Topics are part of the programme page now: put them into its revisions.

Revisions saved before topics belonged to the page do not list them; publishing or reverting to
such a revision would delete the page's topics (and fail on their questions). Each programme
page revision that lacks ``quiz_topics`` gets the page's topics as they are in the database.
"""

from django.db import migrations


def topics_into_revisions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    Topic = apps.get_model("quizzes", "Topic")
    programme_type = ContentType.objects.filter(app_label="courses", model="programmepage").first()
    if programme_type is None:
        return
    topics_by_page = {}
    for topic in Topic.objects.order_by("sort_order", "pk"):
        topics_by_page.setdefault(topic.programme_id, []).append(
            {
                "pk": topic.pk,
                "translation_key": str(topic.translation_key),
                "locale": topic.locale_id,
                "programme": topic.programme_id,
                "name": topic.name,
                "sort_order": topic.sort_order,
                "key": topic.key,
            }
        )
    for revision in Revision.objects.filter(content_type=programme_type).iterator():
        if "quiz_topics" in revision.content:
            continue
        revision.content["quiz_topics"] = topics_by_page.get(int(revision.object_id), [])
        revision.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0009_topics_belong_to_the_programme"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(topics_into_revisions, migrations.RunPython.noop)]
