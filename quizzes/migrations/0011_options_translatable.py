"""Options become translatable (wagtail-localize translates only translatable child objects).

Each option takes its question's locale. The options of the language versions of one question
share a translation_key per option reference (a, b, c...), so the English "b" is known as the
translation of the Norwegian "b". Question revisions (drafts in review, history) get the same
values, so publishing or reverting one keeps the links.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def link_options(apps, schema_editor):
    from django.conf import settings

    Question = apps.get_model("quizzes", "Question")
    Option = apps.get_model("quizzes", "Option")
    Locale = apps.get_model("wagtailcore", "Locale")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")

    default = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()
    keys = {}  # (question translation_key, option reference) -> option translation_key

    def key_for(question_key, option_key):
        return keys.setdefault((str(question_key), option_key), uuid.uuid4())

    # Default-language questions first (no matter: every language gets the same key per pair).
    questions = sorted(
        Question.objects.all(), key=lambda q: (default is None or q.locale_id != default.pk, q.pk)
    )
    by_pk = {}
    for question in questions:
        by_pk[question.pk] = question
        for option in Option.objects.filter(question=question):
            option.locale_id = question.locale_id
            option.translation_key = key_for(question.translation_key, option.key)
            option.save(update_fields=["locale", "translation_key"])

    question_type = ContentType.objects.filter(app_label="quizzes", model="question").first()
    if question_type is None:
        return
    for revision in Revision.objects.filter(content_type=question_type).iterator():
        question = by_pk.get(int(revision.object_id))
        options = revision.content.get("options")
        if question is None or not options:
            continue
        for option in options:
            option["locale"] = question.locale_id
            option["translation_key"] = str(key_for(question.translation_key, option.get("key", "")))
        revision.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0010_topics_in_programme_revisions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="option",
            name="locale",
            field=models.ForeignKey(
                null=True,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
                verbose_name="locale",
            ),
        ),
        migrations.AddField(
            model_name="option",
            name="translation_key",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(link_options, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="option",
            name="locale",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.locale",
                verbose_name="locale",
            ),
        ),
        migrations.AlterField(
            model_name="option",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterUniqueTogether(name="option", unique_together={("translation_key", "locale")}),
    ]
