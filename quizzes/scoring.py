"""Pure scoring rules: no database, easy to reason about and to test."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def item_is_correct(*, correct_ids: Iterable[int], selected_ids: Iterable[int]) -> bool:
    """Right only when exactly the correct options are chosen (no more, no fewer)."""
    return set(correct_ids) == set(selected_ids)


@dataclass(frozen=True)
class Outcome:
    correct: int
    total: int
    critical_missed: bool
    passed: bool

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0


def decide(*, results: Iterable[tuple[bool, bool]], pass_mark: int) -> Outcome:
    """``results`` holds (is_correct, is_critical) per question; pass mark in whole percent."""
    results = list(results)
    total = len(results)
    correct = sum(1 for ok, _critical in results if ok)
    critical_missed = any(critical and not ok for ok, critical in results)
    reaches_mark = total > 0 and correct * 100 >= pass_mark * total
    return Outcome(
        correct=correct,
        total=total,
        critical_missed=critical_missed,
        passed=reaches_mark and not critical_missed,
    )


def point_biserial(
    *, n: int, n_correct: int, mean_all: float, mean_sq_all: float, mean_correct, mean_wrong
) -> float | None:
    """Point-biserial correlation of an item with the attempt score, from aggregates."""
    if not n or n_correct in (0, n) or mean_correct is None or mean_wrong is None:
        return None
    variance = mean_sq_all - mean_all * mean_all
    if variance <= 1e-12:
        return None
    p = n_correct / n
    return (mean_correct - mean_wrong) / variance**0.5 * (p * (1 - p)) ** 0.5


def parse_answers(data: Mapping, *, prefix: str = "q") -> dict[str, list[str]]:
    """Collect ``q<item id>`` form fields into {item id: [raw option ids]}."""
    answers: dict[str, list[str]] = {}
    for name in data:
        if name.startswith(prefix):
            values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
            answers[name[len(prefix) :]] = list(values)
    return answers
