"""Yes, No and N/A as a checklist says them.

formats.md's `labels` gives a checklist its own words for the fixed answers of `check`
items and for N/A, per content language; the interface's words stand where it gives none.
The shopper's buttons, the review page, scorecards, disputes, exports and the PDF all read
answers through here, so a programme's "Conforme / Non conforme" is the same everywhere.
"""

from __future__ import annotations

from app.i18n import _
from app.scoring import Checklist, text_for


def answer_labels(doc: Checklist, text_lang: str) -> dict[str, str]:
    """{"yes", "no", "na"}: the checklist's words in ``text_lang`` where it gives them."""
    own = doc.labels
    words = {"yes": _("Yes"), "no": _("No"), "na": _("N/A")}
    if own is not None:
        for key in words:
            given = getattr(own, key)
            if given is not None:
                words[key] = text_for(given, text_lang)
    return words
