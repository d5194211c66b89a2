"""Covert by design: nothing a shopper's screen shows tells a bystander it is a mystery shop.

HQ's and managers' pages may say "audit" or 暗访; the login page, the shared shell and every
page a shopper opens (and the installed app's manifest) may not, in English or in Chinese.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from app.i18n import current_language, translations
from app.models import VisitStatus
from tests.conftest import csrf_of, login
from tests.visit.conftest import COMPLETE, make_visit

FORBIDDEN = re.compile(r"mystery|audit|inspection|暗访|神秘顾客", re.IGNORECASE)
APP = Path(__file__).resolve().parents[2] / "app"
# Every source whose strings reach a shopper's screen: the shell, the shopper's templates,
# the routers they use and the services whose messages those routers show.
SHOPPER_SOURCES = [
    *(APP / "templates" / f"{name}.html" for name in ("base", "login", "error", "macros")),
    APP / "templates" / "home" / "shopper.html",
    APP / "templates" / "home" / "_visit_card.html",
    *sorted((APP / "templates" / "visit").glob("*.html")),
    *(APP / "routers" / f"{name}.py" for name in ("visits", "photos", "pwa", "account", "home")),
    *(APP / "services" / f"{name}.py" for name in ("visits", "submission", "photos", "visit_page")),
    APP / "models" / "states.py",
    APP / "templating.py",
]


def words_in(text: str) -> list[str]:
    return sorted({match.group(0) for match in FORBIDDEN.finditer(text)})


def set_language(client, language: str) -> None:
    token = csrf_of(client, "/login")
    client.post("/language", data={"language": language, "csrf_token": token, "next": "/"})


def shopper_pages(client, db, world, version) -> dict[str, str]:
    """Every page a shopper sees, by name: home, the visit in each state, errors, flashes."""
    assigned = make_visit(db, world, version)
    started = make_visit(db, world, version, status=VisitStatus.in_progress)
    started.time_in = datetime.now(UTC) - timedelta(minutes=5)
    returned = make_visit(
        db, world, version, status=VisitStatus.returned, review_notes={"": "Add the photo."}
    )
    returned.review_notes = {"": "Add the photo.", "price": "Which price?"}
    submitted = make_visit(db, world, version, status=VisitStatus.submitted)
    approved = make_visit(db, world, version, status=VisitStatus.approved)
    upcoming = make_visit(db, world, version, due_from=datetime.now(UTC) + timedelta(days=3))
    past = make_visit(
        db,
        world,
        version,
        due_from=datetime(2025, 1, 1, tzinfo=UTC),
        due_until=datetime(2025, 1, 2, tzinfo=UTC),
    )
    db.add_all([started, returned])
    db.commit()
    pages = {
        "home": client.get("/").text,
        "offline": client.get("/offline").text,
        "not found": client.get("/visits/999999").text,
        "no such page": client.get("/no-such-page").text,
        "not allowed": client.get("/review").text,
    }
    for name, visit in [
        ("assigned", assigned),
        ("in progress", started),
        ("returned", returned),
        ("submitted", submitted),
        ("approved", approved),
        ("upcoming", upcoming),
        ("past", past),
    ]:
        pages[name] = client.get(f"/visits/{visit.id}").text
    token = csrf_of(client, f"/visits/{started.id}")
    refused = client.post(f"/visits/{started.id}/submit", data={"csrf_token": token})
    pages["refused submit"] = refused.text
    client.post(f"/visits/{upcoming.id}/start", data={"csrf_token": token})
    pages["start refused"] = client.get("/").text
    answers = {f"v.{item}": value for item, value in COMPLETE.items()}
    for section in ("arrival", "checkout"):
        client.post(
            f"/visits/{started.id}/sections/{section}", data={"csrf_token": token, **answers}
        )
    client.post(f"/visits/{started.id}/submit", data={"csrf_token": token})
    pages["after submit"] = client.get(f"/visits/{started.id}").text
    pages["answer refused"] = client.post(
        f"/visits/{submitted.id}/answers",
        data={"item_id": "smile", "value": "no", "client_id": "c-1", "csrf_token": token},
        headers={"Accept": "application/json"},
    ).text
    return pages


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_no_shopper_page_names_the_job(client, db, world, version, language):
    set_language(client, language)
    found = {"login": words_in(client.get("/login").text)}
    found["manifest"] = words_in(client.get("/manifest.webmanifest").text)
    login(client, "shopper", "shopper-pass")
    set_language(client, language)
    pages = shopper_pages(client, db, world, version)
    assert ("訪" in pages["home"] or "访" in pages["home"]) == (language == "zh_CN")
    found |= {name: words_in(html) for name, html in pages.items()}
    assert {name: words for name, words in found.items() if words} == {}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_window_title_names_no_branch(client, db, world, version, language):
    login(client, "shopper", "shopper-pass")
    set_language(client, language)
    pages = shopper_pages(client, db, world, version)
    for name, html in pages.items():
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        if title is None:
            continue  # JSON
        assert "East One" not in title.group(1), name
        assert not words_in(title.group(1)), name


def test_the_manifest_is_neutral_in_both_languages(client):
    for language in ("en", "zh-CN"):
        body = client.get("/manifest.webmanifest", headers={"Accept-Language": language}).json()
        for key in ("name", "short_name", "description"):
            assert body[key] and not words_in(body[key]), (language, key, body[key])


def test_no_string_a_shopper_can_see_names_the_job_in_either_language():
    """Also the messages no test above happens to trigger (answer refused, photo too big...)."""
    catalog = translations("zh_CN")
    token = current_language.set("zh_CN")
    try:
        bad = []
        for path in SHOPPER_SOURCES:
            method = "jinja2" if path.suffix == ".html" else "python"
            options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
            keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
            for _line, message, _c, _ctx in extract_from_file(
                method, str(path), keywords=keywords, options=options
            ):
                msgid = message[0] if isinstance(message, tuple) else message
                if not msgid:
                    continue
                chinese = catalog.gettext(msgid)
                if isinstance(message, tuple):
                    chinese = catalog.ngettext(message[0], message[1], 2)
                if words_in(msgid) or words_in(chinese):
                    bad.append(f"{path.name}: {msgid} -> {chinese}")
    finally:
        current_language.reset(token)
    assert bad == []


def test_the_shoppers_scripts_neither_buzz_nor_beep():
    for path in (APP / "static").glob("*.js"):
        source = path.read_text()
        assert "vibrate" not in source and "new Audio" not in source, path.name
        assert "AudioContext" not in source, path.name
