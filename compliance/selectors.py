"""What the product holds about a person, for "My data"."""

from django.db.models import Prefetch, Q

from audit.services import audit_trail
from certificates import selectors as certificate_selectors
from certificates.models import Attestation, TreatmentInitiation
from courses.models import LessonOpened, LessonProgress, ProgrammePage
from quizzes.models import Attempt, AttemptQuestion

FORMAT_VERSION = 1


def _programme_titles(keys) -> dict:
    return dict(
        ProgrammePage.objects.filter(translation_key__in=set(keys), locale__language_code="nb").values_list(
            "translation_key", "title"
        )
    )


def prescriber_data(*, user) -> dict:
    """Everything held about ``user``: profile, identity, reading, quiz attempts with their
    answers, attestations, treatment initiations and the audit events that name them. A fixed
    number of queries, however much there is."""
    attempts = list(
        Attempt.objects.filter(user=user)
        .order_by("started_at")
        .prefetch_related(
            Prefetch("items", AttemptQuestion.objects.order_by("position").prefetch_related("choices"))
        )
    )
    attestations = list(Attestation.objects.filter(user=user).select_related("user").order_by("issued_at"))
    initiations = list(
        TreatmentInitiation.objects.filter(user=user).select_related("attestation").order_by("created_at")
    )
    progress = list(LessonProgress.objects.filter(user=user).order_by("read_at"))
    opened = list(LessonOpened.objects.filter(user=user).order_by("first_opened_at"))
    titles = _programme_titles(
        [a.programme_key for a in attempts]
        + [a.programme_key for a in attestations]
        + [p.programme_key for p in progress]
    )
    # Events the person did, about them, or about their own records (e.g. an attestation verified
    # or looked up by someone else).
    own = [
        (user._meta.label_lower, [user.pk]),
        (Attempt._meta.label_lower, [a.pk for a in attempts]),
        (Attestation._meta.label_lower, [a.pk for a in attestations]),
        (TreatmentInitiation._meta.label_lower, [t.pk for t in initiations]),
    ]
    about = Q(actor_id=user.pk)
    for object_type, ids in own:
        if ids:
            about |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    events = audit_trail().filter(about).order_by("pk")
    return {
        "format_version": FORMAT_VERSION,
        "profile": {
            "email": user.email,
            "full_name": user.get_full_name(),
            "profession": user.profession,
            "profession_other": user.profession_other,
            "workplace": user.workplace,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in user.emailaddress_set.all()
            ],
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "identity": {
            "hpr_number": user.hpr_number,
            "hpr_verified_at": user.hpr_verified_at,
            "hpr_verification_method": user.hpr_verification_method,
        },
        "lessons_read": [
            {
                "programme": titles.get(p.programme_key, str(p.programme_key)),
                "lesson": str(p.lesson_key),
                "read_at": p.read_at,
            }
            for p in progress
        ],
        "lessons_opened": [
            {
                "lesson": str(o.lesson_key),
                "first_opened_at": o.first_opened_at,
                "last_opened_at": o.last_opened_at,
            }
            for o in opened
        ],
        "quiz_attempts": [
            {
                "programme": titles.get(a.programme_key, str(a.programme_key)),
                "language": a.language,
                "started_at": a.started_at,
                "ended_at": a.ended_at,
                "status": a.status,
                "score": a.score,
                "passed": a.passed,
                "questions": [
                    {
                        "position": item.position,
                        "text": item.text,
                        "options": [option["text"] for option in item.options],
                        "your_answer": [
                            next((o["text"] for o in item.options if o["id"] == c.option_id), c.option_key)
                            for c in item.choices.all()
                        ],
                        "correct": item.is_correct,
                    }
                    for item in a.items.all()
                ],
            }
            for a in attempts
        ],
        "attestations": [
            {
                "serial": a.serial,
                "programme": a.programme_title,
                "holder_name": a.holder_name,
                "hpr_number": a.hpr_number,
                "status": certificate_selectors.status_of(a, holder=user).code,
                "issued_at": a.issued_at,
                "valid_until": a.valid_until,
                "revoked_at": a.revoked_at,
                "revocation_reason": a.revocation_reason,
            }
            for a in attestations
        ],
        "treatment_initiations": [
            {
                "recorded_at": t.created_at,
                "outcome": t.outcome,
                "attestation_status": t.status,
                "reason": t.reason,
                "patient_reference": t.patient_reference,
                "confirmations": t.confirmations,
                "attestation": t.attestation.serial if t.attestation_id else None,
            }
            for t in initiations
        ],
        "audit_trail": [
            {"time": e.occurred_at, "event": e.action, "object": e.object_label, "details": e.payload}
            for e in events
        ],
    }


def prescriber_attestations(*, user) -> list:
    return list(Attestation.objects.filter(user=user).order_by("-issued_at"))
