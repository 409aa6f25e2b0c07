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


def item_rest_correlation(
    *, n: int, n_right: int, sum_rest: float, sum_rest_sq: float, sum_rest_right: float
) -> float | None:
    """Pearson (point-biserial) correlation between an item's 0/1 score and the rest score.

    The rest score is the attempt's score without this item, so the item does not correlate
    with itself. From sums over the ``n`` answers: ``n_right`` (the sum of the 0/1 scores and
    of their squares), the rest scores' sum and sum of squares, and their sum over the answers
    that were right. ``None`` when it is undefined: everyone answered alike, or everyone scored
    alike on the rest.
    """
    if n < 2:
        return None
    spread_item = n * n_right - n_right * n_right
    spread_rest = n * sum_rest_sq - sum_rest * sum_rest
    if spread_item <= 0 or spread_rest <= 1e-9 * n * n:
        return None
    r = (n * sum_rest_right - n_right * sum_rest) / (spread_item * spread_rest) ** 0.5
    return max(-1.0, min(1.0, r))


def parse_answers(data: Mapping, *, prefix: str = "q") -> dict[str, list[str]]:
    """Collect ``q<item id>`` form fields into {item id: [raw option ids]}."""
    answers: dict[str, list[str]] = {}
    for name in data:
        if name.startswith(prefix):
            values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
            answers[name[len(prefix) :]] = list(values)
    return answers
