from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.fields import StreamField
from wagtail.models import AbstractGroupApprovalTask, Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from lms.validators import visible_text

from .blocks import LessonBodyBlock
from .forms import ChangeDeclarationPageForm, ProgrammePageForm, change_declaration_panel


class LearnerOnlyPageMixin:
    """Pages that only a signed-in person with a verified e-mail address may read."""

    def serve(self, request, *args, **kwargs):
        from . import access

        refusal = access.learner_refusal(request)
        if refusal is not None:
            return refusal
        return super().serve(request, *args, **kwargs)


class ProgrammeIndexPage(Page):
    """The home page: lists the training programmes of the site."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["courses.ProgrammePage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("programme index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from .selectors import programmes_progress

        programmes = list(ProgrammePage.objects.child_of(self).live().order_by("path"))
        context["programmes"] = programmes
        if request.user.is_authenticated:
            # Each programme with the signed-in person's progress: a fixed number of queries.
            context["programme_entries"] = programmes_progress(user=request.user, programmes=programmes)
        return context


class ProgrammePage(LearnerOnlyPageMixin, Page):
    """One medicine's training programme, built from one safety communication."""

    product = models.CharField(_("medicine"), max_length=200)
    summary = models.TextField(_("summary"))
    source_title = models.CharField(_("title of the safety communication"), max_length=300)
    source_sender = models.CharField(_("sender"), max_length=200)
    source_date = models.DateField(_("date of the safety communication"))
    source_authority = models.CharField(_("authority"), max_length=300)
    attestation_validity_months = models.PositiveSmallIntegerField(
        _("attestation validity (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("quiz pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    questions_per_topic = models.PositiveSmallIntegerField(
        _("questions drawn per topic"), default=2, validators=[MinValueValidator(1)]
    )
    attempts_before_cooldown = models.PositiveSmallIntegerField(
        _("attempts before a cooldown"), default=3, validators=[MinValueValidator(1)]
    )
    cooldown_hours = models.PositiveSmallIntegerField(_("cooldown (hours)"), default=24)
    attempt_lifetime_minutes = models.PositiveSmallIntegerField(
        _("attempt lifetime (minutes)"), default=120, validators=[MinValueValidator(5)]
    )
    shuffle = models.BooleanField(_("shuffle questions and options"), default=True)
    attestation_prefix = models.CharField(
        _("attestation serial prefix"),
        max_length=8,
        default="ATT",
        validators=[RegexValidator(r"^[A-Z]{2,8}$", _("Two to eight capital letters A–Z."))],
        help_text=_("Starts every attestation serial, e.g. LEM in LEM-2026-000123."),
    )
    renewal_grace_days = models.PositiveSmallIntegerField(
        _("grace period after a material change (days)"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "When a material change is published, earlier attestations stay valid this many days; "
            "then they require renewal."
        ),
    )

    class AnswerReview(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_PASS = "after_pass", _("After a pass")
        ALWAYS = "always", _("After every attempt")

    answer_review = models.CharField(
        _("show keyed answers and rationales"),
        max_length=20,
        choices=AnswerReview.choices,
        default=AnswerReview.AFTER_PASS,
        help_text=_(
            "After a failed attempt learners always see their score per topic, which questions they "
            "missed and where the lesson teaches it; this decides when they also see the right answers."
        ),
    )

    class SourceStatus(models.TextChoices):
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")

    source_status = models.CharField(
        _("status of the safety communication"),
        max_length=20,
        choices=SourceStatus.choices,
        default=SourceStatus.CURRENT,
        help_text=_(
            "Set it to superseded when later advice replaces the letter; the programme page then "
            "says so at the top, with the note below."
        ),
    )
    source_status_note = models.TextField(
        _("note on the status"),
        blank=True,
        help_text=_("What replaced the letter, or what still applies. Shown to prescribers."),
    )
    review_due = models.DateField(
        _("review due"),
        null=True,
        blank=True,
        help_text=_("When Medical affairs must next check the programme against its sources."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("product"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("source_title"),
                FieldPanel("source_sender"),
                FieldPanel("source_date"),
                FieldPanel("source_authority"),
                FieldPanel("source_status"),
                FieldPanel("source_status_note"),
                FieldPanel("review_due"),
            ],
            heading=_("Source safety communication"),
        ),
    ]
    rules_panels = [
        MultiFieldPanel(
            [
                FieldPanel("attestation_validity_months"),
                FieldPanel("attestation_prefix"),
                FieldPanel("renewal_grace_days"),
            ],
            heading=_("Attestation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("questions_per_topic"),
                FieldPanel("attempts_before_cooldown"),
                FieldPanel("cooldown_hours"),
                FieldPanel("attempt_lifetime_minutes"),
                FieldPanel("shuffle"),
                FieldPanel("answer_review"),
            ],
            heading=_("Quiz rules"),
            help_text=_(
                "The rules of the default-language (Norwegian) version apply to every "
                "language version of the programme."
            ),
        ),
        InlinePanel(
            "quiz_topics",
            label=_("Quiz topic"),
            heading=_("Quiz topics"),
            help_text=_(
                "The quiz draws its questions per topic. Topics change with the programme: "
                "a new or renamed topic goes live when Medical review approves the programme."
            ),
            min_num=1,
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels + [change_declaration_panel()], heading=_("Content")),
            ObjectList(rules_panels, heading=_("Quiz and attestation")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
        ]
    )
    base_form_class = ProgrammePageForm
    # wagtail-localize: the quiz and attestation rules, the source's date and status and the review
    # date are the same in every language (copied from the Norwegian source on every sync, never
    # edited per language); the rest is text. The topics (a child relation of translatable
    # objects) are copied from the source too, with only their names translated.
    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in (
            "source_date",
            "source_status",
            "review_due",
            "attestation_validity_months",
            "pass_mark",
            "questions_per_topic",
            "attempts_before_cooldown",
            "cooldown_hours",
            "attempt_lifetime_minutes",
            "shuffle",
            "attestation_prefix",
            "renewal_grace_days",
            "answer_review",
        )
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("product")]
    parent_page_types = ["courses.ProgrammeIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("training programme")

    def get_context(self, request, *args, **kwargs):
        from .selectors import programme_content_approval, programme_progress

        context = super().get_context(request, *args, **kwargs)
        progress = programme_progress(user=request.user, programme=self)
        context["progress"] = progress
        context["approval"] = programme_content_approval(programme=self, lessons=progress.lessons)
        return context


class LessonPage(LearnerOnlyPageMixin, Page):
    """A lesson of a programme; read in order, confirmed at its end."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(LessonBodyBlock(), verbose_name=_("body"))

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        change_declaration_panel(),
    ]
    base_form_class = ChangeDeclarationPageForm
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["courses.ProgrammePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")

    def serve(self, request, *args, **kwargs):
        """Deliver the lesson; a delivery to a learner (never an editor's preview, which Wagtail
        serves through ``serve_preview``) is what later allows marking it read."""
        from .services import lesson_opened_record

        response = super().serve(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and request.user.is_authenticated:
            lesson_opened_record(user=request.user, lesson=self)
        return response

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_position, reading_minutes

        context = super().get_context(request, *args, **kwargs)
        context["position"] = lesson_position(user=request.user, lesson=self)
        context["reading_minutes"] = reading_minutes(lesson=self)
        return context


class LessonProgress(models.Model):
    """A lesson a learner confirmed as read. Keyed by translation, so it holds in every language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    programme_key = models.UUIDField(_("programme"), db_index=True)
    lesson_key = models.UUIDField(_("lesson"))
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson read")
        verbose_name_plural = _("lessons read")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key"], name="unique_lesson_read_per_user")
        ]

    def __str__(self):
        return f"{self.user} read {self.lesson_key} at {self.read_at:%Y-%m-%d %H:%M}"


class LessonOpened(models.Model):
    """The server delivered a lesson to a learner: a lesson can only be marked read after this."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson_key = models.UUIDField(_("lesson"))
    first_opened_at = models.DateTimeField(_("first opened at"))
    last_opened_at = models.DateTimeField(_("last opened at"))

    class Meta:
        verbose_name = _("lesson opened")
        verbose_name_plural = _("lessons opened")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key"], name="unique_lesson_opened_per_user")
        ]

    def __str__(self):
        return f"{self.user} opened {self.lesson_key} at {self.last_opened_at:%Y-%m-%d %H:%M}"


# Revision content that records when and by whom, not what: left out when comparing content.
_BOOKKEEPING_KEYS = {
    "pk",
    "id",
    "latest_revision",
    "live_revision",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "locked",
    "locked_at",
    "locked_by",
    "live",
    "draft_title",
    "url_path",
    "path",
    "depth",
    "numchild",
    "owner",
    "content_type",
}


def revision_content(revision) -> dict:
    """What a revision says, without the bookkeeping that changes with every save."""
    return content_without_bookkeeping(revision.content)


def content_without_bookkeeping(content) -> dict:
    """Serialised content (``serializable_data()``, a revision's content) without bookkeeping."""

    def strip(value):
        if isinstance(value, dict):
            # A child not saved yet (an inline topic added in this draft) gets a new
            # translation key each time the form is saved: not a change of content.
            unsaved = "pk" in value and value["pk"] is None
            return {
                k: strip(v)
                for k, v in value.items()
                if k not in _BOOKKEEPING_KEYS and not (unsaved and k == "translation_key")
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(content)


def _authors(live_revision, revisions, requested_by_id) -> set:
    """Who changed the content in ``revisions`` (in order, after ``live_revision``), and who
    requested the review."""
    authors = {requested_by_id} if requested_by_id else set()
    previous = revision_content(live_revision) if live_revision is not None else None
    for revision in revisions:
        content = revision_content(revision)
        if revision.user_id is not None and content != previous:
            authors.add(revision.user_id)
        previous = content
    return authors


def _authors_by_task_state(task_states) -> dict:
    """``authors_since_published`` for many task states at once, in a fixed number of queries
    (the dashboard's "awaiting your review" lists every item in review)."""
    from collections import defaultdict

    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Revision

    states = list(task_states.select_related("workflow_state"))
    ids_by_type = defaultdict(set)
    for state in states:
        ids_by_type[state.workflow_state.base_content_type_id].add(state.workflow_state.object_id)
    live = {}  # (base content type, object id) -> live revision id, for live objects
    language_versions = {}  # (base content type, object id) -> (translation_key, locale id)
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        for pk, revision_id, is_live, translation_key, locale_id in model._default_manager.filter(
            pk__in=ids
        ).values_list("pk", "live_revision_id", "live", "translation_key", "locale_id"):
            if is_live:
                live[(type_id, str(pk))] = revision_id
            language_versions[(type_id, str(pk))] = (translation_key, locale_id)
    revisions = defaultdict(list)
    query = Q()
    for type_id, ids in ids_by_type.items():
        query |= Q(base_content_type_id=type_id, object_id__in=ids)
    for revision in Revision.objects.filter(query).order_by("created_at", "pk") if states else []:
        revisions[(revision.base_content_type_id, revision.object_id)].append(revision)
    from .translation import translators_since

    translators = translators_since(versions=language_versions.values())
    result = {}
    for state in states:
        key = (state.workflow_state.base_content_type_id, state.workflow_state.object_id)
        history = revisions[key]
        live_id = live.get(key)
        start = next((i for i, r in enumerate(history) if r.pk == live_id), None)
        live_revision = history[start] if start is not None else None
        after = history[start + 1 :] if start is not None else history
        result[state.pk] = _authors(live_revision, after, state.workflow_state.requested_by_id) | {
            user_id
            for user_id, translated_at in translators.get(language_versions.get(key), ())
            if live_revision is None or translated_at > live_revision.created_at
        }
    return result


class PeerReviewTask(AbstractGroupApprovalTask):
    """Group approval where nobody approves a change they had a hand in.

    Whoever submitted the change, or saved any revision of it since the version that is live
    (before or after it was submitted), or translated any of its texts since then, cannot
    approve it or request changes. While the task is
    in progress the content is locked for everybody except the reviewers who may act on it; they
    approve or request changes from the edit view, as Wagtail's moderation is meant to work.
    Approval publishes the revision that was reviewed (``courses.workflows.publish_approved``);
    a reviewer cannot approve and change the content in the same step, and one who saves a
    change becomes an author, so another reviewer must approve. Requesting changes needs a comment.
    """

    def authors_since_published(self, obj) -> set:
        """Everyone who submitted the change under review or saved a revision that changed the
        content since the live one (a save that changed nothing makes nobody an author).

        Remembered on ``obj`` until its latest revision changes: the edit view asks several
        times per request (lock, action menu, the action itself)."""
        from wagtail.models import Revision

        memo = obj.__dict__.get("_review_authors")
        if memo is not None and memo[0] == obj.latest_revision_id:
            return memo[1]
        live = obj.live_revision if getattr(obj, "live", False) else None
        revisions = Revision.objects.filter(
            base_content_type=obj.get_base_content_type(), object_id=str(obj.pk)
        )
        if live is not None:
            revisions = revisions.filter(created_at__gt=live.created_at)
        state = getattr(obj, "current_workflow_state", None)
        authors = _authors(
            live, revisions.order_by("created_at", "pk"), state.requested_by_id if state else None
        )
        # Translators whose texts (wagtail-localize's translation memory) changed since the live
        # version are authors too, whoever saved the revision.
        from .translation import translators_since

        version = (getattr(obj, "translation_key", None), getattr(obj, "locale_id", None))
        authors |= {
            user_id
            for user_id, translated_at in translators_since(versions=[version]).get(version, ())
            if live is None or translated_at > live.created_at
        }
        obj.__dict__["_review_authors"] = (obj.latest_revision_id, authors)
        return authors

    def get_actions(self, obj, user):
        if user.pk in self.authors_since_published(obj):
            return []
        return super().get_actions(obj, user)

    def get_form_for_action(self, action):
        from .forms import ReviewCommentRequiredForm

        if action == "reject":
            return ReviewCommentRequiredForm
        return super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        from django.core.exceptions import PermissionDenied

        if action_name == "reject" and not visible_text(kwargs.get("comment")):
            # The edit view and the dashboard both collect the comment in a modal; a request
            # that skips it changes nothing.
            raise PermissionDenied(_("Say what needs to change."))
        if action_name == "approve" and self._changed_while_approving(task_state, user):
            # The edit view saves the form before it approves: approving then would approve the
            # approver's own change. The change stays a draft, the review goes on, and the
            # approver, now an author, can no longer approve it.
            from wagtail.log_actions import log

            log(
                instance=task_state.workflow_state.content_object,
                action="courses.approval_refused",
                user=user,
                revision=task_state.revision,
            )
            return None
        # Wagtail's workflow-action view checks the actions against the object in its URL but acts
        # on the task state whose id is in the URL: check again against the task state's own object.
        content = task_state.workflow_state.content_object
        if (
            task_state.task_id != self.pk
            or task_state.status != task_state.STATUS_IN_PROGRESS
            or not self.get_actions(content, user)
        ):
            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    @staticmethod
    def _changed_while_approving(task_state, user) -> bool:
        reviewed = task_state.revision
        latest = task_state.workflow_state.content_object.get_latest_revision()
        if reviewed is None or latest is None or latest.pk == reviewed.pk or latest.user_id != user.pk:
            return False
        return revision_content(latest) != revision_content(reviewed)

    def locked_for_user(self, obj, user):
        return not self.get_actions(obj, user)

    def user_can_lock(self, obj, user):
        return False

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        authored = [
            state_pk for state_pk, authors in _authors_by_task_state(states).items() if user.pk in authors
        ]
        return states.exclude(pk__in=authored)

    @classmethod
    def get_description(cls):
        return _("Another member of the chosen groups must approve; nobody approves a change they made")

    class Meta:
        verbose_name = _("peer review task")
        verbose_name_plural = _("peer review tasks")


class ContentChange(models.Model):
    """What an editor declared about a change when submitting it for review, and when it went live.

    Bound to the exact revision that was submitted (``on_delete=PROTECT``). A material change,
    once published, raises the programme's content version: attestations bound to an earlier
    version then require renewal after the programme's grace period.
    """

    programme_key = models.UUIDField(_("programme"), db_index=True)
    revision = models.OneToOneField(
        "wagtailcore.Revision", verbose_name=_("revision"), on_delete=models.PROTECT, related_name="+"
    )
    lesson_key = models.UUIDField(_("lesson"), null=True, blank=True)
    object_title = models.CharField(_("changed item"), max_length=255)
    material = models.BooleanField(_("material change"))
    summary = models.TextField(_("what changed"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    content_version = models.PositiveIntegerField(
        _("content version"), null=True, blank=True, help_text=_("Set when a material change is published.")
    )

    class Meta:
        verbose_name = _("content change")
        verbose_name_plural = _("content changes")
        ordering = ["-declared_at"]
        permissions = [("withdraw_content", _("Can withdraw live lessons and questions urgently"))]
        constraints = [
            models.UniqueConstraint(
                fields=["programme_key", "content_version"], name="one_material_change_per_version"
            )
        ]

    def __str__(self):
        kind = _("material") if self.material else _("not material")
        return f"{self.object_title} ({kind})"
