"""Templates without the web framework: one Jinja environment, whole pages or one block.

Reports, the PDF and exports render through here, so they need nothing of FastAPI; the
web layer (`app.web`) adds the request's context and the HTTP response around it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.i18n import content_language, current_language, gettext, language_name, ngettext
from app.models import Role, states
from app.scoring import direction, tag_for, text_for
from app.services import visit_policy, wave_brief
from app.settings import get_settings

TEMPLATE_DIR = Path(__file__).parent / "templates"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


NAV: dict[str, list[tuple[str, str]]] = {
    Role.shopper: [("/", N_("My visits"))],
    Role.reviewer: [("/", N_("Home")), ("/review", N_("Review")), ("/disputes", N_("Disputes"))],
    Role.manager: [
        ("/", N_("Home")),
        ("/scorecards", N_("Scorecards")),
        ("/disputes", N_("Disputes")),
    ],
    Role.admin: [
        ("/", N_("Dashboard")),
        ("/admin/checklists", N_("Checklists")),
        ("/admin/waves", N_("Waves")),
        ("/admin/branches", N_("Branches")),
        ("/admin/users", N_("Users")),
        ("/review", N_("Review")),
        ("/admin/agencies", N_("Agencies")),
        ("/scorecards", N_("Scorecards")),
        ("/disputes", N_("Disputes")),
        ("/reports", N_("Reports")),
    ],
}


def localtime(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """A UTC timestamp shown in the branch's zone (or UTC) in the reader's language."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    return format_datetime(value.astimezone(zone), format=fmt, locale=current_language.get())


def office_time(value: datetime | None, *, zone: bool = False, time: bool = True) -> str:
    """A timestamp in the company's one zone (settings.company_timezone), to the minute.

    Office pages, exports and PDFs all use it, so a time reads the same everywhere; the
    date and time follow the reader's language, and `zone=True` names the zone where a
    reader could otherwise take it for their own.
    """
    if value is None:
        return ""
    tz = get_settings().resolved_timezone
    moment = value.astimezone(tz)
    locale = current_language.get()
    text = format_date(moment, format="medium", locale=locale)
    if time:
        text += " " + format_time(moment, format="short", locale=locale)
    return f"{text} ({tz.key})" if zone else text


def localdate(value: date | None, fmt: str = "medium") -> str:
    return format_date(value, format=fmt, locale=current_language.get()) if value else ""


def translate_text(value: str | dict[str, str] | None) -> str:
    """User-entered text (a plain string or a language map) in the reader's language."""
    if not value:
        return ""
    return text_for(value, content_language(current_language.get()))


def brief(holder: Any, lang: str = "") -> str:
    """A wave's or a visit's scenario brief in ``lang`` (default: the reader's language)."""
    return wave_brief.brief_in(holder, lang or content_language(current_language.get()))


def pct_class(value: float | None) -> str:
    """The class that draws a share of 100 (app.css `pct-N`): no style attribute, which the
    Content-Security-Policy would refuse."""
    return f"pct-{max(0, min(100, round(value or 0)))}"


def text_attrs(tag: str | None) -> Markup:
    """The `lang` and `dir` attributes of checklist text in language ``tag``, for the
    element that holds it: `` lang="ar" dir="rtl"``; `` dir="auto"`` when the language is
    unknown (a plain text), so the browser isolates the run and finds its direction.

    Every page and the PDF mark checklist texts with it (or ``ct_of``); the interface
    around them keeps its own `lang`. Which languages run right to left is the core's.
    """
    if not tag:
        return Markup(' dir="auto"')
    return Markup(' lang="{}" dir="{}"').format(tag, direction(tag))


def text_attrs_of(value: str | dict[str, str] | None, lang: str | None = None) -> Markup:
    """``text_attrs`` of the string ``tr`` (or ``tr_in(lang)``) shows of this text."""
    wanted = lang or content_language(current_language.get())
    return text_attrs(tag_for(value, wanted))


def isolate(value: str) -> str:
    """A checklist text inside an interface sentence, between Unicode isolates (FSI..PDI):
    the plain-text `<bdi>`, for messages that are translated and escaped as one string."""
    return f"\u2068{value}\u2069" if value else ""


def _make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension at run time
    env.globals["_"] = gettext
    env.filters["localtime"] = localtime
    env.filters["localdate"] = localdate
    env.filters["officetime"] = office_time
    env.filters["visit_time"] = visit_policy.visit_time  # managers: to the quarter hour
    env.filters["tr"] = translate_text
    env.filters["brief"] = brief
    env.filters["pct"] = pct_class
    env.filters["language_name"] = language_name
    env.filters["tr_in"] = lambda value, lang: text_for(value, lang) if value else ""
    env.filters["text_attrs"] = text_attrs  # `<p{{ tag | text_attrs }}>`: lang and dir
    env.filters["ct_of"] = text_attrs_of  # `<h3{{ it.text | ct_of }}>{{ it.text | tr }}`
    env.filters["isolate"] = isolate
    env.globals["states"] = states  # state enums: templates show `states.X.label_of(value)`
    env.globals["ui"] = env.get_template("macros.html").module
    return env


env = _make_env()


def render_html(template: str, context: dict[str, Any], *, block: str | None = None) -> str:
    """Render a template, or only one of its blocks, to a string."""
    tmpl = env.get_template(template)
    if block is None:
        return tmpl.render(context)
    return "".join(tmpl.blocks[block](tmpl.new_context(context)))
