import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    TranslatableMixin,
    WorkflowMixin,
)
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from courses.forms import change_declaration_panel

from .forms import QuestionForm


class Topic(TranslatableMixin, models.Model):
    """A part of a programme's syllabus that the quiz draws questions from.

    Part of the programme page (a ``ParentalKey``): topics are edited in the programme's editor,
    saved in its revisions and go live only when Medical review approves the programme. A topic
    cannot move to another programme.
    """

    programme = ParentalKey(
        "courses.ProgrammePage",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="quiz_topics",
    )
    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0, editable=False)
    key = models.SlugField(
        _("reference"),
        max_length=60,
        blank=True,
        help_text=_("Stable reference used when the programme content is loaded."),
    )

    sort_order_field = "sort_order"
    panels = [FieldPanel("name")]
    # wagtail-localize: only the name is text.
    override_translatable_fields = [
        SynchronizedField("sort_order", overridable=False),
        SynchronizedField("key", overridable=False),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class QuestionQuerySet(models.QuerySet):
    def drawable(self):
        """Published, not retired: what a new attempt may draw."""
        return self.filter(live=True, active=True)


class Question(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    TranslatableMixin,
    index.Indexed,
    ClusterableModel,
):
    """A quiz question; its language versions are linked as translations of one another."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="questions"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    rationale = models.TextField(
        _("rationale"),
        help_text=_(
            "Why the keyed answer is right. Learners see it with the keyed answer, when the "
            "programme's review setting allows it (by default after a pass)."
        ),
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        verbose_name=_("lesson that teaches it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lesson_anchor = models.SlugField(
        _("part of the lesson"),
        max_length=60,
        blank=True,
        help_text=_(
            "The link target of the key message or checklist that teaches this, so a learner who "
            "misses the question is sent to exactly that part of the lesson."
        ),
    )
    critical = models.BooleanField(
        _("critical"),
        default=False,
        help_text=_("A learner who gets a critical question wrong fails, whatever the score."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired questions are no longer drawn.")
    )
    key = models.SlugField(
        _("reference"),
        max_length=60,
        blank=True,
        help_text=_("Stable reference used when the programme content is loaded."),
    )

    objects = QuestionQuerySet.as_manager()
    base_form_class = QuestionForm

    # wagtail-localize: the text, the rationale and each option's text are translated; what decides
    # scoring or structure is copied from the Norwegian source on every sync and cannot be changed
    # per language. The topic is resolved to the topic of the same translation_key in the target
    # language. The lesson is copied as the source's page (wagtail-localize 1.14 resolves a
    # translated page FK to a plain Page, which a FK to LessonPage cannot take);
    # ``courses.translation`` points it at the lesson's translation.
    override_translatable_fields = [
        TranslatableField("topic"),
        SynchronizedField("lesson", overridable=False),
        SynchronizedField("kind", overridable=False),
        SynchronizedField("lesson_anchor", overridable=False),
        SynchronizedField("critical", overridable=False),
        SynchronizedField("active", overridable=False),
        SynchronizedField("key", overridable=False),
    ]

    panels = [
        FieldPanel("topic"),
        FieldPanel("kind"),
        FieldPanel("text"),
        InlinePanel("options", label=_("Options"), min_num=2),
        FieldPanel("rationale"),
        FieldPanel("lesson"),
        FieldPanel("lesson_anchor"),
        MultiFieldPanel([FieldPanel("critical"), FieldPanel("active")], heading=_("Status")),
        change_declaration_panel(),
    ]
    search_fields = [index.SearchField("text"), index.SearchField("rationale")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        permissions = [("view_item_statistics", _("Can view item statistics"))]

    def __str__(self):
        """The question, cut at a word when long (titles in the admin, e-mails, the audit trail)."""
        if len(self.text) <= 80:
            return self.text
        return self.text[:80].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"

    def save(self, *args, **kwargs):
        if self.pk is None:
            # Whatever creates it (the admin, a "Translate" copy of a live question, a script), a
            # new question is a draft: only publishing a revision (Medical review, or the
            # loader's install) makes it live.
            self.live = False
        super().save(*args, **kwargs)

    @property
    def programme_key(self):
        """The translation key of the programme whose quiz this question belongs to."""
        return self.topic.programme.translation_key

    def get_preview_template(self, request, mode_name):
        return "quizzes/question_preview.html"

    def get_preview_context(self, request, mode_name):
        """The question as the attempt page shows it; nothing in it says which option is keyed."""
        context = super().get_preview_context(request, mode_name)
        context["preview_options"] = [
            {"text": option.text, "token": str(n), "checked": False}
            for n, option in enumerate(self.options.all(), start=1)
        ]
        context["preview_language"] = self.locale.language_code if self.locale_id else ""
        return context


class Option(TranslatableMixin, Orderable):
    """An option of a question. Translatable so that wagtail-localize extracts its text (it only
    descends into child relations of translatable models): an option shares its translation_key
    with the same option in the other languages; its reference and keyed flag are copied from the
    source."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(
        _("reference"),
        max_length=20,
        help_text=_("Short code shared by the language versions of this option, e.g. a, b, c."),
    )
    text = models.CharField(_("text"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldPanel("key"), FieldPanel("text"), FieldPanel("is_correct")]
    override_translatable_fields = [
        SynchronizedField("key", overridable=False),
        SynchronizedField("is_correct", overridable=False),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self):
        return self.text


class Attempt(models.Model):
    """One sitting of a programme's quiz, with its questions frozen when it starts."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quiz_attempts")
    programme = models.ForeignKey(
        "courses.ProgrammePage", on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    programme_key = models.UUIDField(db_index=True)
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField()
    question_count = models.PositiveSmallIntegerField(default=0)
    content_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The programme's content version when the attempt started."
    )
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Share correct, 0 to 1.")
    passed = models.BooleanField(null=True, blank=True)
    critical_missed = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme_key"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt_per_user_and_programme",
            )
        ]
        indexes = [models.Index(fields=["user", "programme_key", "status"])]

    def __str__(self):
        """Who and when it started, in local time (the admin shows every other time that way)."""
        from django.utils import timezone

        if self.started_at is None:
            return str(self.user)
        return f"{self.user} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def status_label(self) -> str:
        """The status as the learner should see it: an open attempt past its time has expired."""
        from django.utils import timezone

        if self.status == self.Status.IN_PROGRESS and self.expires_at <= timezone.now():
            return self.Status.EXPIRED.label
        return self.get_status_display()

    @property
    def score_percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


class AttemptQuestion(models.Model):
    """A question as it was when the attempt started: text, option order and correct answers."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, null=True, on_delete=models.SET_NULL, related_name="+")
    question_revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The published revision of the question that was shown (what an attestation attests).",
    )
    question_key = models.UUIDField(db_index=True)
    topic_key = models.UUIDField()
    topic_name = models.CharField(max_length=200)
    topic_order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Question.Kind.choices)
    text = models.TextField()
    rationale = models.TextField()
    critical = models.BooleanField()
    lesson_key = models.UUIDField(null=True)
    lesson_title = models.CharField(max_length=255, blank=True)
    lesson_anchor = models.CharField(max_length=60, blank=True)
    options = models.JSONField(
        help_text="[{id, key, text, token}] in the order shown; the form carries tokens."
    )
    correct_option_ids = models.JSONField()
    is_correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_position_in_attempt")
        ]

    def __str__(self):
        return f"{self.position}. {self.text[:60]}"

    def options_by_token(self) -> dict[str, int]:
        return {option["token"]: option["id"] for option in self.options}


class AttemptChoice(models.Model):
    """An option the learner chose; one row each, so choices can be counted in the database."""

    item = models.ForeignKey(AttemptQuestion, on_delete=models.CASCADE, related_name="choices")
    option_id = models.BigIntegerField()
    option_key = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "option_id"], name="unique_choice_per_item")]

    def __str__(self):
        return f"{self.item_id}: {self.option_key}"
