"""Create or update a programme (pages, topics, questions) from the files in content/<programme>/.

Every change goes through Wagtail revisions. Loading the same files twice changes nothing.

- The first load, on a database without the programme, publishes it: that is the install.
- Later loads never publish. What differs from the files is saved as a draft in the loader's
  name and submitted to the Medical review workflow, with a change declaration naming what
  changed; it goes live when a reviewer approves it.
- A page or question that a person has edited since the last load, or that is in review, is
  left alone, so running ``make run`` again never overwrites Medical affairs' work.
- ``force`` (development only: refused unless DEBUG is on) publishes the files over everything.
"""

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from wagtail.models import Locale, Page, Site

from courses.blocks import LessonBodyBlock
from courses.models import LessonPage, ProgrammeIndexPage, ProgrammePage
from courses.translation import (
    align_block_ids,
    strings_import,
    translation_adopt,
    translation_start,
    translation_sync_paused,
)
from lms.models import ProgrammeOwnerContact
from quizzes import selectors as quiz_selectors
from quizzes.models import Option, Question, Topic

CONTENT_DIR = Path(__file__).resolve().parent
LANGUAGES = ("nb", "en")
INDEX_TITLES = {"nb": "Opplæring for forskrivere", "en": "Prescriber training"}
INDEX_INTROS = {
    "nb": "Obligatorisk opplæring for leger som forskriver legemidler med særskilte sikkerhetskrav.",
    "en": "Mandatory training for physicians who prescribe medicines with special safety requirements.",
}
INDEX_SLUGS = {"nb": "forside", "en": "home"}


class ForceRefused(Exception):
    """``--force`` publishes unreviewed content: only for development (DEBUG on)."""


@dataclass
class Report:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    submitted: list = field(default_factory=list)
    unchanged: int = 0
    skipped: list = field(default_factory=list)

    def __str__(self):
        lines = [
            f"published {len(self.created)} new and {len(self.updated)} changed, "
            f"submitted for review {len(self.submitted)}, unchanged {self.unchanged}, "
            f"kept {len(self.skipped)}"
        ]
        lines += [f"  submitted for review: {item}" for item in self.submitted]
        lines += [f"  kept: {item}" for item in self.skipped]
        return "\n".join(lines)


def read_files(directory: Path, language: str) -> tuple[dict, dict]:
    with open(directory / f"programme.{language}.toml", "rb") as f:
        programme = tomllib.load(f)
    with open(directory / f"questions.{language}.toml", "rb") as f:
        questions = tomllib.load(f)
    return programme, questions


def ensure_locales() -> dict:
    default = Locale.get_default()
    locales = {default.language_code: default}
    for code in LANGUAGES:
        if code not in locales:
            locales[code], _ = Locale.objects.get_or_create(language_code=code)
    return locales


def _strip_ids(value):
    if isinstance(value, dict):
        return {k: _strip_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_strip_ids(v) for v in value]
    return value


def normalise_body(raw_blocks) -> str:
    block = LessonBodyBlock()
    value = block.to_python(raw_blocks)
    list(value)  # convert every block: list items are compared in the current stored format
    return json.dumps(_strip_ids(block.get_prep_value(value)), sort_keys=True, cls=DjangoJSONEncoder)


def body_blocks(blocks: list, programme: dict) -> list:
    """Translate the content file's blocks into StreamField raw data."""
    raw = []
    for item in blocks:
        kind = item["type"]
        if kind == "text":
            raw.append({"type": "text", "value": item["html"]})
        elif kind == "key_message":
            raw.append(
                {
                    "type": "key_message",
                    "value": {
                        "heading": item["heading"],
                        "text": item["html"],
                        "anchor": item.get("anchor", ""),
                    },
                }
            )
        elif kind == "checklist":
            raw.append(
                {
                    "type": "checklist",
                    "value": {
                        "heading": item["heading"],
                        "items": item["items"],
                        "anchor": item.get("anchor", ""),
                    },
                }
            )
        elif kind == "table":
            raw.append(
                {
                    "type": "table",
                    "value": {
                        "caption": item.get("caption", ""),
                        "columns": [{"type": "text", "heading": h} for h in item["columns"]],
                        "rows": [{"values": list(row)} for row in item["rows"]],
                    },
                }
            )
        elif kind == "citation":
            raw.append(
                {
                    "type": "citation",
                    "value": {
                        "source_title": programme["source_title"],
                        "sender": programme["source_sender"],
                        "date": programme["source_date"].isoformat(),
                        "authority": programme.get("source_authority", ""),
                        "section": item.get("section", ""),
                    },
                }
            )
        else:
            raise ValueError(f"Unknown block type {kind!r} in the content files.")
    return raw


def body_prep(raw: list, current: list | None = None) -> list:
    """The body in StreamField's current stored format (list items as blocks with ids, which
    wagtail-localize needs to translate them); with ``current`` (the stored body), blocks keep
    their ids by position, so a translation's memory of them stays attached."""
    block = LessonBodyBlock()
    value = block.to_python(raw)
    list(value)  # convert every block, so that get_prep_value writes the current format
    prep = block.get_prep_value(value)
    return align_block_ids(current, prep) if current else prep


def _options(options: list, keys: dict, rows: dict | None = None) -> list:
    """Option objects; ``keys`` (option reference -> translation_key) keeps each option linked to
    the same option in the other languages, and ``rows`` (option reference -> pk of the question's
    own option) keeps an existing option's row, so publishing updates it instead of deleting it and
    inserting a new one."""
    rows = rows or {}
    result = []
    for i, (k, t, c) in enumerate(options):
        option = Option(key=k, text=t, is_correct=c, sort_order=i, pk=rows.get(k))
        if k in keys:
            option.translation_key = keys[k]
        result.append(option)
    return result


def _option_keys(*questions) -> dict:
    """Option reference -> translation_key of the latest version of each question (later ones win)."""
    keys = {}
    for question in questions:
        if question is None or question.pk is None:
            continue
        latest = question.get_latest_revision_as_object() if question.latest_revision_id else question
        keys.update({option.key: option.translation_key for option in latest.options.all()})
    return keys


class Loader:
    def __init__(self, *, directory: Path, force: bool = False, material: bool = True, summary: str = ""):
        self.directory = directory
        self.force = force
        self.material = material
        self.summary = summary
        self.installing = True  # decided in run(): no programme yet in the default language
        self.report = Report()
        self.kept = set()  # (model, pk) of objects left alone: a person's work or a review

    # -- helpers -------------------------------------------------------------------------
    def _kept_reason(self, obj) -> str | None:
        """Why the files must not touch this object: a person's work, or a review under way."""
        if getattr(obj, "workflow_in_progress", False):
            return "in review"
        revision = obj.latest_revision
        if revision is not None and revision.user_id is not None:
            return "edited in the admin"
        return None

    def _publish(self, obj, label: str, *, new: bool):
        obj.save_revision(user=None, log_action=True).publish(user=None)
        (self.report.created if new else self.report.updated).append(label)

    def _submit(self, obj, label: str, changed: list, *, material: bool = False):
        """Save what the files say as a draft and send it to Medical review, declaring what changed."""
        from courses import services as course_services

        revision = obj.save_revision(user=None, log_action=True)
        summary = self.summary or "Loaded from the content files: " + ", ".join(changed) + "."
        course_services.content_submit_for_review(
            obj=obj, revision=revision, material=self.material or material, summary=summary, user=None
        )
        self.report.submitted.append(f"{label} ({', '.join(changed)})")

    def _save_new(self, obj, label: str):
        """A new page or question: published on install (or forced), otherwise a draft in review."""
        if self.installing or self.force:
            self._publish(obj, label, new=True)
        else:
            self._submit(obj, label, ["new"])

    def _update(self, obj, label: str, *, changed: list, apply, material: bool = False) -> bool:
        """Bring ``obj`` in line with the files: publish when installing or forced, else submit
        (declared material when ``material`` is set, whatever ``--not-material`` says)."""
        if not changed and obj.live:
            self.report.unchanged += 1
            return False
        reason = self._kept_reason(obj)
        if reason and not self.force:
            self.report.skipped.append(f"{label} ({reason})")
            self.kept.add((type(obj), obj.pk))
            return False
        apply()
        if self.installing or self.force:
            self._publish(obj, label, new=False)
        else:
            self._submit(obj, label, changed or ["not live"], material=material)
        return True

    def _update_fields(self, obj, values: dict, label: str, *, compare=None, extra_changes=()) -> bool:
        """Set ``values``; what changed is judged on ``compare`` (default: all of them)."""

        def apply():
            for name, value in values.items():
                setattr(obj, name, value)

        compare = values if compare is None else compare
        changed = [k for k, v in compare.items() if getattr(obj, k) != v] + list(extra_changes)
        return self._update(obj, label, changed=changed, apply=apply)

    # -- pages ---------------------------------------------------------------------------
    def index_page(self, locale, source=None) -> ProgrammeIndexPage:
        code = locale.language_code
        existing = ProgrammeIndexPage.objects.filter(locale=locale, depth=2).first()
        if existing:
            return existing
        root = Page.get_first_root_node()
        page = ProgrammeIndexPage(
            title=INDEX_TITLES.get(code, INDEX_TITLES["en"]),
            slug=INDEX_SLUGS.get(code, code),
            intro=INDEX_INTROS.get(code, ""),
            locale=locale,
        )
        if source is not None:
            page.translation_key = source.translation_key
        root.add_child(instance=page)
        self._publish(page, f"index ({code})", new=True)
        return page

    def point_site_at(self, index: ProgrammeIndexPage):
        # Wagtail's sample "Welcome" page is not ours: replace it.
        Page.objects.filter(
            depth=2, content_type__model="page", content_type__app_label="wagtailcore"
        ).exclude(pk=index.pk).delete()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost", port=80, root_page=index, is_default_site=True, site_name="LMS"
            )
        elif site.root_page_id != index.pk:
            site.root_page = index
            site.save()

    def programme_page(self, index, data: dict, question_data: dict, source=None) -> ProgrammePage:
        info = data["programme"]
        values = {
            "title": info["title"],
            "product": info["product"],
            "summary": info["summary"],
            "source_title": info["source_title"],
            "source_sender": info["source_sender"],
            "source_date": info["source_date"],
            "source_authority": info["source_authority"],
            "source_status": info.get("source_status", ProgrammePage.SourceStatus.CURRENT),
            "source_status_note": info.get("source_status_note", ""),
            "attestation_validity_months": info.get("attestation_validity_months", 12),
            "pass_mark": info.get("pass_mark", 80),
            "attestation_prefix": info.get("attestation_prefix", "ATT"),
            "renewal_grace_days": info.get("renewal_grace_days", 30),
        }
        page = ProgrammePage.objects.child_of(index).filter(slug=info["slug"]).first()
        if page is None and source is not None:
            page = ProgrammePage.objects.filter(
                translation_key=source.translation_key, locale=index.locale
            ).first()
        label = f"programme {info['slug']} ({index.locale.language_code})"
        if page is None:
            page = ProgrammePage(slug=info["slug"], locale=index.locale, **values)
            if "review_due" in info:
                page.review_due = info["review_due"]
            if source is not None:
                page.translation_key = source.translation_key
            page.quiz_topics = self._topics(page, question_data, source)
            if not (self.installing or self.force):
                page.live = False
            index.add_child(instance=page)
            self._save_new(page, label)
            return page
        topics = self._topics(page, question_data, source)
        current = [(t.key, t.name, t.sort_order) for t in page.quiz_topics.all()]
        wanted = [(t.key, t.name, t.sort_order) for t in topics]

        changed = [k for k, v in values.items() if getattr(page, k) != v]
        if current != wanted:
            changed.append("quiz topics")

        def apply():
            for name, value in values.items():
                setattr(page, name, value)
            page.quiz_topics = topics

        self._update(page, label, changed=changed, apply=apply)
        return page

    def _topics(self, page, data: dict, source=None) -> list:
        """The programme's quiz topics as the files list them (existing ones keep their identity)."""
        existing = {t.key: t for t in page.quiz_topics.all()} if page.pk else {}
        source_topics = {t.key: t for t in source.quiz_topics.all()} if source is not None else {}
        topics = []
        for order, item in enumerate(data["topics"]):
            topic = existing.get(item["key"]) or Topic(key=item["key"], locale=page.locale)
            topic.name, topic.sort_order = item["name"], order
            if topic.pk is None and item["key"] in source_topics:
                topic.translation_key = source_topics[item["key"]].translation_key
            topics.append(topic)
        return topics

    def lesson_pages(self, programme, data: dict, sources=None) -> dict:
        info = data["programme"]
        lessons = {}
        for position, lesson in enumerate(data["lessons"]):
            source = (sources or {}).get(lesson["key"])
            raw = body_prep(body_blocks(lesson["body"], info))
            values = {"title": lesson["title"], "intro": lesson.get("intro", "")}
            page = None
            if source is not None:
                page = LessonPage.objects.filter(
                    translation_key=source.translation_key, locale=programme.locale
                ).first()
            if page is None:
                page = LessonPage.objects.child_of(programme).filter(slug=lesson["slug"]).first()
            label = f"lesson {lesson['slug']} ({programme.locale.language_code})"
            if page is None:
                page = LessonPage(slug=lesson["slug"], locale=programme.locale, body=raw, **values)
                if source is not None:
                    page.translation_key = source.translation_key
                if not (self.installing or self.force):
                    page.live = False
                programme.add_child(instance=page)
                self._save_new(page, label)
            else:
                values["slug"] = lesson["slug"]
                raw = body_prep(raw, current=page.get_latest_revision_as_object().body.get_prep_value())
                body_differs = normalise_body(page.body.get_prep_value()) != normalise_body(raw)
                if self._update_fields(
                    page,
                    dict(values, body=raw),
                    label,
                    compare=values,
                    extra_changes=["body"] if body_differs else [],
                ):
                    page.refresh_from_db()
            lessons[lesson["key"]] = page
            self._keep_order(programme, page, position)
        return lessons

    def _keep_order(self, programme, page, position: int):
        siblings = list(LessonPage.objects.child_of(programme).order_by("path").values_list("pk", flat=True))
        if siblings.index(page.pk) != position:
            if position == 0:
                page.move(Page.objects.get(pk=siblings[0]), pos="left")
            else:
                page.move(Page.objects.get(pk=siblings[position - 1]), pos="right")

    # -- quiz bank -----------------------------------------------------------------------
    def questions(self, programme, data: dict, lessons: dict, sources=None) -> dict:
        result = {}
        code = programme.locale.language_code
        topics = {t.key: t for t in Topic.objects.filter(programme=programme)}
        for item in data["questions"]:
            source = (sources or {}).get(item["key"])
            label = f"question {item['key']} ({code})"
            if item["topic"] not in topics:
                self.report.skipped.append(f"{label} (its topic {item['topic']} is not live yet)")
                continue
            values = {
                "topic": topics[item["topic"]],
                "kind": item["kind"],
                "text": item["text"],
                "rationale": item["rationale"],
                "lesson": lessons.get(item.get("lesson")),
                "lesson_anchor": item.get("anchor", ""),
                "critical": item.get("critical", False),
            }
            options = [(o["key"], o["text"], bool(o.get("correct", False))) for o in item["options"]]
            question = Question.objects.filter(
                locale=programme.locale,
                key=item["key"],
                topic__programme__translation_key=programme.translation_key,
            ).first()
            if question is None:
                question = Question(locale=programme.locale, key=item["key"], active=True, **values)
                if source is not None:
                    question.translation_key = source.translation_key
                question.options = _options(options, _option_keys(source))
                if not (self.installing or self.force):
                    question.live = False
                question.save()
                self._save_new(question, label)
            else:
                current = [(o.key, o.text, o.is_correct) for o in question.options.all()]

                keys = _option_keys(question, source)
                rows = dict(Option.objects.filter(question=question).values_list("key", "pk"))

                def apply(question=question, values=values, options=options, keys=keys, rows=rows):
                    # In memory only: the revision carries it; publishing (install) writes it.
                    for name, value in values.items():
                        setattr(question, name, value)
                    question.options = _options(options, keys, rows)

                changed = [k for k, v in values.items() if getattr(question, k) != v]
                if current != options:
                    changed.append("options")
                # A new keyed answer is material even under --not-material.
                rescored = quiz_selectors.keyed_answer_changed(
                    question=question,
                    kind=values["kind"],
                    critical=values["critical"],
                    options=options,
                )
                self._update(question, label, changed=changed, apply=apply, material=rescored)
            result[item["key"]] = question
        self._retire_missing(programme, keep=[item["key"] for item in data["questions"]])
        return result

    def _retire_missing(self, programme, *, keep: list):
        """A question the files no longer have is retired (never deleted: attempts refer to it)."""
        code = programme.locale.language_code
        gone = (
            Question.objects.filter(locale=programme.locale, topic__programme=programme, active=True)
            .exclude(key="")
            .exclude(key__in=keep)
        )
        for question in gone:

            def apply(question=question):
                question.active = False

            self._update(
                question,
                f"question {question.key} ({code})",
                changed=["retired: no longer in the content files"],
                apply=apply,
            )

    def owner_contact(self, data: dict):
        """Fill the programme owner's contact details on first install; never overwrite staff's."""
        contact = ProgrammeOwnerContact.load()
        if data and not contact.is_complete:
            for name in ("organisation", "postal_address", "phone", "email", "hours"):
                setattr(contact, name, data.get(name, ""))
            contact.save()
            self.report.created.append("programme owner contact details")

    # -- everything ----------------------------------------------------------------------
    def run(self) -> Report:
        # The loader loads every language from its own files: no automatic translation drafts.
        with translation_sync_paused():
            return self._run()

    @transaction.atomic
    def _run(self) -> Report:
        if self.force and not settings.DEBUG:
            raise ForceRefused(
                "--force publishes the files without Medical review; it is for development only "
                "and refuses to run with DEBUG off."
            )
        locales = ensure_locales()
        default_code = Locale.get_default().language_code
        slug = read_files(self.directory, default_code)[0]["programme"]["slug"]
        self.installing = not ProgrammePage.objects.filter(slug=slug, locale=locales[default_code]).exists()
        order = [default_code] + [c for c in LANGUAGES if c != default_code]
        index_source = programme_source = None
        lesson_sources = question_sources = None
        for code in order:
            locale = locales[code]
            programme_data, question_data = read_files(self.directory, code)
            index = self.index_page(locale, source=index_source)
            if code == default_code:
                self.point_site_at(index)
                self.owner_contact(programme_data.get("owner_contact", {}))
            programme = self.programme_page(index, programme_data, question_data, source=programme_source)
            lessons = self.lesson_pages(programme, programme_data, sources=lesson_sources)
            questions = self.questions(programme, question_data, lessons, sources=question_sources)
            if code == default_code:
                index_source, programme_source = index, programme
                lesson_sources, question_sources = lessons, questions
            else:
                pairs = [(index_source, index), (programme_source, programme)]
                pairs += [(lesson_sources[k], page) for k, page in lessons.items() if k in lesson_sources]
                pairs += [(question_sources[k], q) for k, q in questions.items() if k in question_sources]
                self.translations(pairs, locale)
        return self.report

    def translations(self, pairs: list, locale):
        """Make each loaded version in ``locale`` the wagtail-localize translation of its source,
        and record its text as the translation of the source text loaded with it.

        On install both are live: the translation is adopted as it is. Later, each is paired as
        the files have it (the latest version of both, drafts included), so what this load
        submitted in English is also what the translation memory says; a version a person edited
        is left alone.
        """
        for source, target in pairs:
            if {(type(source), source.pk), (type(target), target.pk)} & self.kept:
                continue
            if isinstance(source, ProgrammeIndexPage) and not self.installing:
                continue  # created once, never loaded again
            source = type(source)._default_manager.get(pk=source.pk)
            target = type(target)._default_manager.get(pk=target.pk)
            if self.installing:
                translation_adopt(source, target)
                continue
            translation_start(source if source.live else source.get_latest_revision_as_object(), locale)
            strings_import(
                source.get_latest_revision_as_object(), target.get_latest_revision_as_object(), locale
            )


def load_programme(
    *, name: str = "lemtrada", force: bool = False, material: bool = True, summary: str = ""
) -> Report:
    directory = CONTENT_DIR / name
    if not directory.is_dir():
        raise FileNotFoundError(f"No content folder {directory}")
    return Loader(directory=directory, force=force, material=material, summary=summary).run()
