"""Messages of the core in the reader's language, without the core knowing languages.

Every message the core shows a user (validation errors, answer errors) is written as
``_("must be ≥ %(min)s", min=0)``: the English text is the message id of the Chinese
catalogs (``app/locales/*/LC_MESSAGES/scoring.po``). The core does not read catalogs; the
application installs its translation function once (``app.i18n`` calls ``use_translator``),
and until then, as in the ``score`` command and the unit tests, messages are English.
"""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]


def _english(message: str) -> str:
    return message


_translate: list[Translate] = [_english]


def use_translator(translate: Translate | None) -> Translate:
    """Translate the core's messages with ``translate`` from now on (``None``: English);
    returns the translator used until now, so a caller can put it back."""
    before = _translate[0]
    _translate[0] = translate or _english
    return before


def _(message: str, **values: object) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled."""
    text = _translate[0](message)
    return text % values if values else text


def listing(values: object) -> str:
    """Values as the messages list them: ``a, b, c``."""
    if isinstance(values, str):
        return values
    return ", ".join(str(v) for v in values)  # type: ignore[attr-defined]
