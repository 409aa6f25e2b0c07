"""Reading prescribers for the Compliance officers' register: who they are, whether their HPR
number is confirmed, how far they have read, their quiz attempts, attestations and the audit
events about them. Reads only; every answer comes from the app that owns the rule
(``lms.identity``, ``courses.selectors``, ``certificates.selectors``).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from audit.services import audit_trail
from certificates import selectors as certificate_selectors
from certificates.models import Attestation, TreatmentInitiation
from courses.models import LessonProgress, ProgrammePage
from courses.selectors import programmes_progress
from lms import identity, roles
from lms.models import User
from quizzes.models import Attempt

# The HPR number's state as the register shows and filters it (the stored confirmation, as in the
# HPR verification queue: development's trust in typed numbers does not change it).
HPR_CONFIRMED = "confirmed"
HPR_AWAITING = "awaiting"
HPR_NONE = "none"
HPR_STATES = (
    (HPR_CONFIRMED, _("Confirmed")),
    (HPR_AWAITING, _("Awaiting confirmation")),
    (HPR_NONE, _("No HPR number")),
)

EVENTS_SHOWN = 200


def prescribers():
    """Everyone with the prescriber role, active or not."""
    return User.objects.filter(groups__name=roles.PRESCRIBER)


def programmes():
    """The programmes attestations and progress are counted for: their default-language pages."""
    return ProgrammePage.objects.filter(locale=Locale.get_default()).order_by("path")


def hpr_state(user) -> str:
    if not user.hpr_number:
        return HPR_NONE
    return HPR_CONFIRMED if user.hpr_verified_at is not None else HPR_AWAITING


def hpr_state_q(state: str) -> Q:
    """``hpr_state`` as a query condition on users."""
    if state == HPR_CONFIRMED:
        return Q(hpr_number__isnull=False, hpr_verified_at__isnull=False)
    if state == HPR_AWAITING:
        return Q(hpr_number__isnull=False, hpr_verified_at__isnull=True)
    return Q(hpr_number__isnull=True)


def hpr_awaits_confirmation(user) -> bool:
    """The user is in the HPR verification queue (where a Compliance officer confirms the number)."""
    return user.is_active and hpr_state(user) == HPR_AWAITING


def valid_attestation_q(*, programme_key=None, now=None) -> Exists:
    """Users holding an attestation that ``certificates.selectors`` calls ``valid`` today (for one
    programme, or any), as a query condition."""
    attestations = certificate_selectors.with_status_code(
        Attestation.objects.filter(user=OuterRef("pk")), now=now
    ).filter(status_code=certificate_selectors.VALID)
    if programme_key is not None:
        attestations = attestations.filter(programme_key=programme_key)
    return Exists(attestations)


def current_attestations_prefetch(*, now=None) -> Prefetch:
    """Each user's attestations that still count for something (not replaced by a newer one),
    with their status code worked out by the database: one query for a whole page or chunk.
    Read them with ``current_attestations``."""
    queryset = certificate_selectors.with_status_code(
        Attestation.objects.exclude(state=Attestation.State.SUPERSEDED), now=now
    ).order_by("-issued_at", "-pk")
    return Prefetch("attestations", queryset=queryset, to_attr="register_attestations")


def current_attestations(user) -> list:
    """The latest attestation per programme of a user fetched with ``current_attestations_prefetch``."""
    seen, latest = set(), []
    for attestation in user.register_attestations:
        if attestation.programme_key not in seen:
            seen.add(attestation.programme_key)
            latest.append(attestation)
    return sorted(latest, key=lambda attestation: attestation.programme_title)


# One prescriber ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonLine:
    number: int
    title: str
    state: str  # read, changed (read before its last material change) or unread
    read_at: object


@dataclass(frozen=True)
class ProgrammeReading:
    programme: ProgrammePage
    read_count: int
    total: int
    complete: bool
    lessons: list


def prescriber_reading(*, user) -> list[ProgrammeReading]:
    """Per programme: the lessons read of those required, each with when it was read. A fixed
    number of queries whatever the programmes and lessons."""
    read_at = dict(LessonProgress.objects.filter(user=user).values_list("lesson_key", "read_at"))
    result = []
    for programme, progress in programmes_progress(user=user, programmes=programmes()):
        lessons = [
            LessonLine(
                number=entry.number,
                title=entry.lesson.title,
                state=entry.state,
                read_at=read_at.get(entry.lesson.translation_key),
            )
            for entry in progress.entries
        ]
        result.append(
            ProgrammeReading(
                programme=programme,
                read_count=progress.read_count,
                total=progress.total,
                complete=progress.complete,
                lessons=lessons,
            )
        )
    return result


def prescriber_attempts(*, user):
    """Quiz attempts, newest first, with the attestation each issued (results only, no answers)."""
    return (
        Attempt.objects.filter(user=user).select_related("programme", "attestation").order_by("-started_at")
    )


def prescriber_attestations(*, user) -> list:
    """Every attestation, current and past, newest first, each with its ``status`` today."""
    attestations = list(Attestation.objects.filter(user=user).order_by("-issued_at", "-pk"))
    for attestation in attestations:
        attestation.status = certificate_selectors.status_of(attestation, holder=user)
    return attestations


def prescriber_events(*, user, attempt_ids, attestation_ids, limit=EVENTS_SHOWN):
    """(the latest ``limit`` audit events about the person, how many there are): what they did,
    what was done to their account, and what happened to their attempts, attestations and
    treatment records (e.g. an attestation verified or looked up by someone else). Newest first."""
    initiation_ids = TreatmentInitiation.objects.filter(user=user).values_list("pk", flat=True)
    own = [
        (User._meta.label_lower, [user.pk]),
        (Attempt._meta.label_lower, list(attempt_ids)),
        (Attestation._meta.label_lower, list(attestation_ids)),
        (TreatmentInitiation._meta.label_lower, list(initiation_ids)),
    ]
    about = Q(actor_id=user.pk)
    for object_type, ids in own:
        if ids:
            about |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    events = audit_trail().filter(about).order_by("-pk")
    return list(events[:limit]), events.count()


def other_hpr_claims(*, user):
    """Other prescribers who typed the same HPR number."""
    return identity.hpr_other_claims(user)
