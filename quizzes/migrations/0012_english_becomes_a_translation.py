"""The existing language versions become wagtail-localize translations of the Norwegian source.

Until now each language was loaded from its own files and linked only by translation_key. For
every page and question in another language whose default-language source exists, this creates
the wagtail-localize source and translation and records the version's text, as it is live, as the
translation of the source's text (``courses.translation.translation_adopt``): nothing a learner
reads changes, and the translation editor opens with every string translated.

It uses the current models on purpose (wagtail-localize extracts text through them), so it must
run at this point of the migration history; on an empty database it does nothing.
"""

from django.db import migrations


def adopt(apps, schema_editor):
    from django.conf import settings
    from wagtail.models import Locale
    from wagtail_localize.models import Translation

    from courses.models import LessonPage, ProgrammeIndexPage, ProgrammePage
    from courses.translation import translation_adopt
    from quizzes.models import Question

    default = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()
    if default is None:
        return
    for model in (ProgrammeIndexPage, ProgrammePage, LessonPage, Question):
        order = "path" if model is not Question else "pk"
        for source in model.objects.filter(locale=default).order_by(order):
            for target in model.objects.filter(translation_key=source.translation_key).exclude(
                locale=default
            ):
                if Translation.objects.filter(
                    source__object_id=source.translation_key, target_locale=target.locale
                ).exists():
                    continue
                translation_adopt(source, target)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0011_options_translatable"),
        ("courses", "0008_translatable_anchor_and_table"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
