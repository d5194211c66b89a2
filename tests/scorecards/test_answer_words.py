"""A checklist's own words for Yes, No and N/A (formats.md `labels`) wherever an answer is
read: the shopper's buttons, the review page, scorecards, disputes, exports and the PDF all
go through `answer_words.answer_labels` and `answer_text`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.models.answer_codec import NA, new_answer
from app.scoring import parse_checklist
from app.services.answer_words import answer_labels
from app.services.scorecards.items import answer_cell, answer_text

SERVICE_CENTRE = Path(__file__).parents[2] / "app" / "demo" / "service-centre.yaml"


@pytest.fixture(scope="module")
def doc():
    return parse_checklist(SERVICE_CENTRE.read_text(encoding="utf-8"))


def _check_item(doc):
    return next(i for i in doc.all_items() if i.kind == "check")


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("ar", "yes", "نعم"),
        ("ar", "no", "لا"),
        ("ar", NA, "لا ينطبق"),
        ("en", NA, "Not applicable"),  # its own English, not the interface's "N/A"
        ("en", "yes", "Yes"),
    ],
)
def test_a_check_answer_reads_in_the_checklists_words(doc, lang, value, expected):
    item = _check_item(doc)
    answer = new_answer(visit_id=1, item_id=item.id, value=value)
    words = answer_labels(doc, lang)
    assert answer_text(item, answer, lang, words) == expected
    assert answer_cell(item, answer, lang, words) == expected  # exports too


def test_without_labels_the_interface_words_stand(doc):
    item = _check_item(doc)
    answer = new_answer(visit_id=1, item_id=item.id, value=NA)
    assert answer_text(item, answer, "ar") == "N/A"
    source = yaml.safe_load(SERVICE_CENTRE.read_text(encoding="utf-8"))
    del source["labels"]
    plain = parse_checklist(source)
    assert answer_labels(plain, "ar") == {"yes": "Yes", "no": "No", "na": "N/A"}
