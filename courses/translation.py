"""Translations with wagtail-localize: Norwegian is the source, English a translation.

What decides scoring and structure is declared on the models as synchronised, not overridable
(``override_translatable_fields``); only text is extracted for translators. wagtail-localize
would publish a translation at once (its editor's *Publish*, *Sync translations* with *publish*,
*Translate* of a live source) and its draft mode writes the live row of an existing translation.
This module is the one way a translation is written here:

- ``translation_draft_save`` writes the translation as a *draft revision* and, when asked, submits
  it to the object's workflow (Medical review), declared as a non-material change. The live
  version is untouched until a reviewer approves. ``Translation.save_target`` (every write path of
  wagtail-localize) is routed here (``courses.apps``).
- ``translations_bring_in_step`` runs after a source publishes: the source's strings are
  re-extracted, so the translation editor shows what is new or changed ("out of date"); a
  translation whose every string is translated and reviewed is redone as a draft and submitted.
- ``translation_adopt`` turns an existing language version (made by the content loader, linked by
  translation_key) into a wagtail-localize translation without losing its text: its strings
  become the translation memory.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext
from wagtail.fields import StreamField
from wagtail.models import Locale, Page, RevisionMixin, TranslatableMixin
from wagtail_localize.models import (
    MissingRelatedObjectError,
    MissingTranslationError,
    SegmentOverride,
    String,
    StringSegment,
    StringTranslation,
    TranslatableObject,
    Translation,
    TranslationContext,
    TranslationLog,
    TranslationSource,
)
from wagtail_localize.segments import OverridableSegmentValue, StringSegmentValue, TemplateSegmentValue
from wagtail_localize.segments.extract import extract_segments

TRANSLATION_SUMMARY = (
    "Translation of the {language} source brought in step: the scoring and structure are the "
    "source's, the text is the translation memory's. The material decision was made on the source."
)


_paused = contextvars.ContextVar("translation_sync_paused", default=False)


@contextlib.contextmanager
def translation_sync_paused():
    """For the content loader, which loads every language from its own files."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def sync_is_paused() -> bool:
    return _paused.get()


class TranslationIncomplete(Exception):
    """Strings of the source have no translation yet: submitting would show source-language text."""

    def __init__(self, missing: int):
        self.missing = missing
        super().__init__(missing)


def _specific(obj):
    return obj.specific if isinstance(obj, Page) else obj


def translation_of(obj) -> Translation | None:
    """The enabled wagtail-localize translation whose target is ``obj``, if any."""
    if not isinstance(obj, TranslatableMixin):
        return None
    return (
        Translation.objects.filter(
            source__object_id=obj.translation_key, target_locale_id=obj.locale_id, enabled=True
        )
        .select_related("source", "target_locale")
        .first()
    )


def translation_start(source_obj, locale: Locale) -> Translation:
    """The Translation of ``source_obj`` into ``locale``, creating source and translation as needed
    (the source is re-extracted if it changed)."""
    source, _created = TranslationSource.update_or_create_from_instance(_specific(source_obj))
    translation, created = Translation.objects.get_or_create(
        source=source, target_locale=locale, defaults={"enabled": True}
    )
    if not created and not translation.enabled:
        translation.enabled = True
        translation.save(update_fields=["enabled"])
    return translation


def missing_strings(translation: Translation) -> int:
    total, translated = translation.get_progress()
    return total - translated


def localise_page_links(obj, locale):
    """Point FKs to pages (``Question.lesson``), which wagtail-localize copies from the source, at
    the page's version in ``locale``; None when that language has none yet."""
    for model_field in type(obj)._meta.concrete_fields:
        if (
            model_field.is_relation
            and model_field.many_to_one
            and issubclass(model_field.related_model, Page)
        ):
            page_id = getattr(obj, model_field.attname)
            if page_id is None:
                continue
            page = model_field.related_model._default_manager.filter(pk=page_id).first()
            if page is not None and page.locale_id != locale.pk:
                translated = (
                    model_field.related_model._default_manager.filter(
                        translation_key=page.translation_key, locale=locale
                    ).first()
                    if isinstance(page, TranslatableMixin)
                    else None
                )
                setattr(obj, model_field.name, translated)


def translated_instance(translation: Translation, *, fallback: bool = False):
    """The translation as it would be saved now: the existing target with the source's
    synchronised fields and the translated strings (not saved)."""
    target = _specific(
        translation.source.get_ephemeral_translated_instance(translation.target_locale, fallback=fallback)
    )
    localise_page_links(target, translation.target_locale)
    return target


def translation_draft_save(translation: Translation, *, user=None, submit: bool = False):
    """Write the translation as a draft revision; with ``submit``, declare it and start Medical
    review. Returns the revision (None for a model without revisions).

    - No target yet: wagtail-localize creates it as a draft (never live), strings not translated yet
      in the source language so the translator sees what to do; it cannot be submitted until every
      string is translated.
    - Existing target: only ``save_revision`` is called on the translated instance, so the live
      version stays as approved until the reviewer approves this draft.

    Raises ``TranslationIncomplete`` when ``submit`` is asked for and strings are missing.
    """
    source = translation.source
    locale = translation.target_locale
    if not issubclass(source.specific_content_type.model_class(), RevisionMixin):
        return None  # a topic: translated as part of its programme page, never on its own
    missing = missing_strings(translation)
    if submit and missing:
        raise TranslationIncomplete(missing)
    try:
        existing = source.get_translated_instance(locale)
    except ObjectDoesNotExist:
        existing = None
    with transaction.atomic():
        if existing is None:
            target, _created = source.create_or_update_translation(
                locale, user=user, publish=False, fallback=True, copy_parent_pages=True
            )
            target = _specific(target)
            # wagtail-localize copies the source's publishing state; a new translation has none.
            unpublished = {
                "live": False,
                "live_revision": None,
                "first_published_at": None,
                "last_published_at": None,
            }
            type(target)._default_manager.filter(pk=target.pk).update(**unpublished)
            for name, value in unpublished.items():
                setattr(target, name, value)
            localise_page_links(target, locale)
            if not isinstance(target, Page):
                target.save()  # not live: the row may take the lesson of its own language
            revision = target.save_revision(user=user, log_action=True)
        else:
            target = translated_instance(translation, fallback=not submit)
            revision = target.save_revision(user=user, log_action=True)
            TranslationLog.objects.create(source=source, locale=locale, revision=revision)
        if submit and revision is not None:
            from .services import content_submit_for_review

            language = Locale.objects.get(pk=source.locale_id).get_display_name()
            content_submit_for_review(
                obj=target,
                revision=revision,
                material=False,
                summary=TRANSLATION_SUMMARY.format(language=language),
                user=user,
            )
    return revision


def save_target(translation: Translation, user=None, publish=True):
    """Replaces ``wagtail_localize.models.Translation.save_target``: never publishes. What
    wagtail-localize would publish is submitted to Medical review when complete, else saved as a
    draft for the translator to finish."""
    complete = missing_strings(translation) == 0
    return translation_draft_save(translation, user=user, submit=bool(publish) and complete)


def translators_since(*, versions) -> dict:
    """(translation_key, locale id) -> [(user id, when)] of every text a person translated for that
    language version (wagtail-localize's translation memory), in one query. The review counts a
    translator whose text changed after the live revision was made as an author."""
    versions = [v for v in versions if v and v[0] is not None and v[1] is not None]
    if not versions:
        return {}
    wanted = set(versions)
    rows = StringTranslation.objects.filter(
        context__object_id__in={key for key, _locale in versions},
        locale_id__in={locale for _key, locale in versions},
        last_translated_by__isnull=False,
    ).values_list("context__object_id", "locale_id", "last_translated_by_id", "updated_at")
    found = defaultdict(list)
    for key, locale_id, user_id, updated_at in rows:
        if (key, locale_id) in wanted:
            found[(key, locale_id)].append((user_id, updated_at))
    return found


def _has_unreviewed_work(translation: Translation, target) -> bool:
    """Texts a person translated after the live version was made (while it was in review, or
    since): that person submits them, and may then not approve them; an automatic sync does not."""
    live = target.live_revision if getattr(target, "live", False) else None
    version = (target.translation_key, target.locale_id)
    return any(
        live is None or translated_at > live.created_at
        for _user, translated_at in translators_since(versions=[version]).get(version, ())
    )


def _content_differs(target, draft) -> bool:
    from .models import content_without_bookkeeping, revision_content

    latest = target.get_latest_revision()
    if latest is None:
        return True
    return revision_content(latest) != content_without_bookkeeping(draft.serializable_data())


def translations_bring_in_step(source_obj) -> list:
    """After ``source_obj`` (default language) was published: re-extract its strings, and redo as a
    submitted draft each translation that is complete, reviewed, differs and is not in review.

    A translation with strings to translate stays as it is and is listed as out of date
    (``translation_status``); a question that differs in scoring is not drawn meanwhile
    (``quizzes.selectors.draw_pool``). Returns the revisions submitted.
    """
    source_obj = _specific(source_obj)
    submitted = []
    for source in TranslationSource.objects.filter(
        object_id=source_obj.translation_key, locale_id=source_obj.locale_id
    ):
        source.update_from_db()
        for translation in source.translations.filter(enabled=True).select_related("target_locale"):
            try:
                target = _specific(source.get_translated_instance(translation.target_locale))
            except ObjectDoesNotExist:
                continue
            if missing_strings(translation) or getattr(target, "workflow_in_progress", False):
                continue
            if _has_unreviewed_work(translation, target):
                continue
            try:
                draft = translated_instance(translation)
            except (MissingTranslationError, MissingRelatedObjectError):
                continue  # e.g. a topic or lesson without a version in that language yet
            if not _content_differs(target, draft):
                continue
            submitted.append(translation_draft_save(translation, user=None, submit=True))
    return submitted


@dataclass(frozen=True)
class TranslationStatus:
    translation: Translation | None
    missing: int


def untranslated_counts(locale: Locale) -> dict:
    """translation_key -> number of source strings without a translation into ``locale``, for every
    enabled translation into it that has any (one query)."""
    rows = (
        StringSegment.objects.filter(
            source__translations__target_locale=locale, source__translations__enabled=True
        )
        .annotate_translation(locale)
        .filter(translation__isnull=True)
        .values("source__object_id")
        .annotate(missing=Count("pk"))
    )
    return {row["source__object_id"]: row["missing"] for row in rows}


def translation_status(obj) -> TranslationStatus:
    """For a translated object: its wagtail-localize translation and how many source strings
    have no translation yet (out of date when above zero)."""
    translation = translation_of(obj)
    if translation is None:
        return TranslationStatus(None, 0)
    return TranslationStatus(translation, missing_strings(translation))


# -- adopting existing language versions ------------------------------------------------------


@dataclass
class AdoptReport:
    imported: int = 0
    overrides: int = 0
    problems: list = field(default_factory=list)

    def add(self, other: AdoptReport):
        self.imported += other.imported
        self.overrides += other.overrides
        self.problems += other.problems


def align_block_ids(source_raw, target_raw, path="body", problems=None):
    """A copy of ``target_raw`` (StreamField prep value) with the source's block ids, paired by
    position (StreamBlock children and ListBlock items). The language versions were written
    separately, so their ids differ while their structure is the same."""
    problems = problems if problems is not None else []
    if isinstance(source_raw, list) and isinstance(target_raw, list):
        if len(source_raw) != len(target_raw):
            problems.append(
                f"{path}: {len(source_raw)} blocks in the source, {len(target_raw)} in the translation"
            )
        return [
            align_block_ids(source_raw[i] if i < len(source_raw) else None, tgt, f"{path}[{i}]", problems)
            for i, tgt in enumerate(target_raw)
        ]
    if isinstance(source_raw, dict) and isinstance(target_raw, dict):
        out = dict(target_raw)
        if "id" in target_raw and "id" in source_raw:
            if source_raw.get("type") != target_raw.get("type"):
                problems.append(f"{path}: {source_raw.get('type')} vs {target_raw.get('type')}")
            out["id"] = source_raw["id"]
        for key, value in target_raw.items():
            if key != "id" and key in source_raw:
                out[key] = align_block_ids(source_raw[key], value, f"{path}.{key}", problems)
        return out
    return target_raw


def streamfields_normalise(obj):
    """Store the StreamFields of ``obj`` (in memory) in the current block format: list items as
    ``{type, value, id}``. wagtail-localize 1.14 extracts only list items stored that way; items
    stored as plain values (older content) would silently never be translated."""
    for model_field in type(obj)._meta.get_fields():
        if isinstance(model_field, StreamField):
            value = model_field.value_from_object(obj)
            setattr(obj, model_field.name, model_field.stream_block.get_prep_value(value))


def _with_source_block_ids(source_obj, target_obj, problems):
    for model_field in type(target_obj)._meta.get_fields():
        if isinstance(model_field, StreamField):
            src = model_field.value_from_object(source_obj).get_prep_value()
            tgt = model_field.value_from_object(target_obj).get_prep_value()
            setattr(target_obj, model_field.name, align_block_ids(src, tgt, model_field.name, problems))
    return target_obj


def strings_import(source_obj, target_obj, locale: Locale, *, user=None) -> AdoptReport:
    """Record the text of ``target_obj`` as the translation into ``locale`` of the text of
    ``source_obj`` (both may be in memory, e.g. built from the content files; same structure).

    Strings are paired by content path (StreamField block ids aligned by position) and, within one
    path (a rich text block is one string per paragraph), by order; the translation memory is keyed
    by the source string and its path, so the pairs hold also for a source version not published
    yet. Paths whose shape differs are reported in ``problems`` and left untranslated.
    """
    label = f"{type(source_obj).__name__} {source_obj.pk}"
    report = AdoptReport()
    problems = []
    aligned = _with_source_block_ids(source_obj, copy.copy(target_obj), problems)
    report.problems += [f"{label}: {p}" for p in problems]

    def grouped(obj):
        strings, templates, overrides = defaultdict(list), {}, {}
        for segment in extract_segments(obj):
            if isinstance(segment, StringSegmentValue):
                strings[segment.path].append(segment)
            elif isinstance(segment, TemplateSegmentValue):
                templates[segment.path] = segment
            elif isinstance(segment, OverridableSegmentValue):
                overrides[segment.path] = segment
        return strings, templates, overrides

    source_strings, source_templates, source_overrides = grouped(source_obj)
    target_strings, target_templates, target_overrides = grouped(aligned)
    for path, template in source_templates.items():
        theirs = target_templates.get(path)
        if theirs is None or theirs.template != template.template:
            report.problems.append(f"{label}: {path}: rich text structure differs")
            source_strings.pop(path, None)

    obj, _created = TranslatableObject.objects.get_or_create_from_instance(source_obj)
    pairs = []  # (path, source string value, translated text)
    for path, segments in source_strings.items():
        theirs = target_strings.get(path, [])
        if len(theirs) != len(segments):
            report.problems.append(
                f"{label}: {path}: {len(segments)} strings in the source, {len(theirs)} in the translation"
            )
            continue
        pairs += [
            (path, mine.string, their.string.data) for mine, their in zip(segments, theirs, strict=True)
        ]
    paths = {path for path, _value, _text in pairs} | set(source_overrides)
    contexts = _contexts(obj, paths)
    strings = _strings(source_obj.locale, [value for _path, value, _text in pairs])
    existing = {
        (t.translation_of_id, t.context_id): t
        for t in StringTranslation.objects.filter(
            locale=locale, context__in=contexts.values(), translation_of__in=strings.values()
        )
    }
    changed, new = [], []
    for path, value, text in pairs:
        string, context = strings[String._get_data_hash(value.data)], contexts[path]
        current = existing.get((string.pk, context.pk))
        if current is None:
            new.append(
                StringTranslation(
                    translation_of=string,
                    locale=locale,
                    context=context,
                    data=text,
                    translation_type=StringTranslation.TRANSLATION_TYPE_MANUAL,
                    last_translated_by=user,
                )
            )
        elif current.data != text or current.has_error:
            current.data, current.has_error, current.field_error = text, False, ""
            current.translation_type, current.last_translated_by = (
                StringTranslation.TRANSLATION_TYPE_MANUAL,
                user,
            )
            changed.append(current)
    StringTranslation.objects.bulk_create(new)
    if changed:
        now = timezone.now()
        for current in changed:
            current.updated_at = now  # auto_now is not applied by bulk_update
        StringTranslation.objects.bulk_update(
            changed,
            ["data", "has_error", "field_error", "translation_type", "last_translated_by", "updated_at"],
        )
    report.imported += len(pairs)

    def context_for(path):
        return contexts[path]

    for path, segment in source_overrides.items():
        theirs = target_overrides.get(path)
        if theirs is not None and theirs.data != segment.data:
            SegmentOverride.objects.update_or_create(
                locale=locale,
                context=context_for(path),
                defaults={"data_json": json.dumps(theirs.data), "last_translated_by": user},
            )
            report.overrides += 1
    return report


def _contexts(obj, paths) -> dict:
    """path -> TranslationContext of ``obj`` (a TranslatableObject), created where missing."""
    ids = {TranslationContext._get_path_id(path): path for path in paths}
    found = {c.path: c for c in TranslationContext.objects.filter(object=obj, path_id__in=ids)}
    missing = [
        TranslationContext(object=obj, path=path, path_id=pid)
        for pid, path in ids.items()
        if path not in found
    ]
    if missing:
        TranslationContext.objects.bulk_create(missing, ignore_conflicts=True)
        found = {c.path: c for c in TranslationContext.objects.filter(object=obj, path_id__in=ids)}
    return found


def _strings(locale, values) -> dict:
    """data hash -> String of ``locale`` for each StringValue, created where missing."""
    hashes = {String._get_data_hash(value.data): value.data for value in values}
    found = {s.data_hash: s for s in String.objects.filter(locale=locale, data_hash__in=hashes)}
    String.objects.bulk_create(
        [String(locale=locale, data_hash=h, data=data) for h, data in hashes.items() if h not in found],
        ignore_conflicts=True,
    )
    if len(found) < len(hashes):
        found = {s.data_hash: s for s in String.objects.filter(locale=locale, data_hash__in=hashes)}
    return found


@transaction.atomic
def translation_adopt(source_obj, target_obj, *, user=None) -> AdoptReport:
    """Make ``target_obj`` (same translation_key, another locale; e.g. made by the content loader)
    the wagtail-localize translation of ``source_obj`` without losing its text: its live text
    becomes the translation memory. Neither object is changed (the stored StreamField format of
    both is brought up to date first, which changes no content). Safe to repeat."""
    source_obj, target_obj = _specific(source_obj), _specific(target_obj)
    for obj in (source_obj, target_obj):
        streamfields_normalise(obj)
        values = {
            f.name: f.get_prep_value(getattr(obj, f.name))
            for f in type(obj)._meta.get_fields()
            if isinstance(f, StreamField)
        }
        if values:
            type(obj)._default_manager.filter(pk=obj.pk).update(**values)
    source_obj = type(source_obj)._default_manager.get(pk=source_obj.pk)
    target_obj = type(target_obj)._default_manager.get(pk=target_obj.pk)
    translation_start(source_obj, target_obj.locale)
    return strings_import(source_obj, target_obj, target_obj.locale, user=user)


def incomplete_message(error: TranslationIncomplete) -> str:
    return ngettext(
        "%(count)s text of the source is not translated yet. Translate it before submitting the "
        "translation for review.",
        "%(count)s texts of the source are not translated yet. Translate them before submitting "
        "the translation for review.",
        error.missing,
    ) % {"count": error.missing}
