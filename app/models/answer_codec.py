"""Stored answers <-> the values the scoring engine takes: the one place that knows the mapping.

A stored `Answer` has a `value` column and an `na` flag; the engine takes one value
per item: ``"na"`` for N/A, ``None`` for no answer, else the value itself
("yes"/"no", a number, an option id, text). Services, exports and reports read and
write answers through these functions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.models.visit import Answer

NA = "na"


def decode(value: Any, na: bool) -> Any:
    """The engine value of stored columns (for queries that select columns, not rows)."""
    return NA if na else value


def encode(value: Any) -> tuple[Any, bool]:
    """The stored columns (value, na) of an engine value."""
    if isinstance(value, str) and value == NA:
        return None, True
    return value, False


def engine_value(answer: Answer | None) -> Any:
    """An answer row as the engine takes it; None when there is no row or no value."""
    if answer is None:
        return None
    return decode(answer.value, answer.na)


def engine_values(answers: Iterable[Answer]) -> dict[str, Any]:
    """Item id -> engine value for a visit's answer rows."""
    return {answer.item_id: engine_value(answer) for answer in answers}


def is_answered(answer: Answer | None) -> bool:
    """Whether a row holds an answer (N/A counts as one)."""
    return engine_value(answer) is not None


def store(answer: Answer, value: Any) -> Answer:
    """Write an engine value into a row's columns; returns the row."""
    answer.value, answer.na = encode(value)
    return answer


def new_answer(*, visit_id: int, item_id: str, value: Any, comment: str = "") -> Answer:
    """A new answer row holding an engine value."""
    stored, na = encode(value)
    return Answer(visit_id=visit_id, item_id=item_id, value=stored, na=na, comment=comment)
