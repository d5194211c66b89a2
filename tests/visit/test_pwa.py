"""The installable app: service worker at the root, manifest, the list of pages to keep offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models import Photo, VisitStatus
from tests.conftest import csrf_of, login
from tests.visit.conftest import make_visit
from tests.visit.helpers import jpeg


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert 'addEventListener("fetch"' in response.text


def test_the_manifest_makes_the_app_installable(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/" and body["display"] == "standalone"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        assert client.get(icon["src"]).headers["content-type"] == "image/png"


def test_shopper_pages_link_the_manifest_and_the_script(client, world, visit):
    login(client, "shopper", "shopper-pass")
    script = {"/": "/static/visit.js", f"/visits/{visit.id}": "/static/visit.bundle.js"}
    for path, src in script.items():  # an open visit loads visit.js inside the bundle
        page = client.get(path).text
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page
        assert f'<script src="{src}" defer></script>' in page


def test_the_offline_list_holds_the_shoppers_open_visits_due_now(client, db, world, version, visit):
    upcoming = make_visit(db, world, version, due_from=datetime.now(UTC) + timedelta(days=3))
    done = make_visit(db, world, version, status=VisitStatus.submitted)
    others = make_visit(db, world, version, shopper="shopper2")
    returned = make_visit(db, world, version, status=VisitStatus.returned)
    db.add(
        Photo(
            visit_id=returned.id,
            item_id="storefront",
            path="x.jpg",
            thumb_path="x-t.jpg",
            size=1,
            width=1,
            height=1,
            sha256="0" * 64,
        )
    )
    db.commit()
    login(client, "shopper", "shopper-pass")
    body = client.get("/visits/offline.json").json()
    assert set(body["pages"]) == {"/", "/offline", f"/visits/{visit.id}", f"/visits/{returned.id}"}
    assert all(f"/visits/{v.id}" not in body["pages"] for v in (upcoming, done, others))
    assert len(body["photos"]) == 1 and body["photos"][0].endswith("/thumb")


def test_the_offline_list_is_empty_for_other_roles_and_strangers(client, world):
    assert client.get("/visits/offline.json").json() == {"pages": [], "photos": []}
    login(client, "reviewer", "reviewer-pass")
    assert client.get("/visits/offline.json").json() == {"pages": [], "photos": []}


def test_the_offline_page_explains_what_works_without_a_connection(client, world):
    login(client, "shopper", "shopper-pass")
    page = client.get("/offline")
    assert page.status_code == 200 and "No connection" in page.text


def test_a_photo_downscaled_on_the_phone_keeps_the_capture_time_it_sent(client, db, world, visit):
    login(client, "shopper", "shopper-pass")
    client.headers["x-csrf-token"] = csrf_of(client, "/")
    response = client.post(
        f"/visits/{visit.id}/photos",
        data={"item_id": "storefront", "client_id": "p1", "captured_at": "2026-11-20T10:15:00"},
        files={"file": ("small.jpg", jpeg((800, 600)), "image/jpeg")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 201
    photo = db.get(Photo, response.json()["id"])
    # no offset: the branch's local time (Asia/Shanghai by default) -> 02:15 UTC
    assert photo.captured_at == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)


def test_the_capture_time_inside_the_image_wins_over_the_one_sent(client, db, world, visit):
    login(client, "shopper", "shopper-pass")
    client.headers["x-csrf-token"] = csrf_of(client, "/")
    data = jpeg((800, 600), taken=datetime(2026, 11, 20, 9, 0), offset="+08:00")
    response = client.post(
        f"/visits/{visit.id}/photos",
        data={"item_id": "storefront", "client_id": "p1", "captured_at": "garbage"},
        files={"file": ("p.jpg", data, "image/jpeg")},
        headers={"accept": "application/json"},
    )
    photo = db.get(Photo, response.json()["id"])
    assert photo.captured_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
