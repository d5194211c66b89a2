"""The visit's HTTP surface: pages, autosave, the no-JavaScript forms, photos and submission."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.models import Answer, Photo, VisitStatus
from tests.conftest import csrf_of, login, stored_bytes
from tests.visit.conftest import COMPLETE, make_visit
from tests.visit.helpers import encoded, jpeg, png_bomb, truncated_jpeg

JSON = {"accept": "application/json"}


@pytest.fixture
def shopper(client, world):
    login(client, "shopper", "shopper-pass")
    token = csrf_of(client, "/")
    client.headers.update({"x-csrf-token": token})
    return client


def post_answer(client, visit, item_id, value, cid, **extra):
    data = {"item_id": item_id, "value": value, "client_id": cid, **extra}
    return client.post(f"/visits/{visit.id}/answers", data=data, headers=JSON)


def upload(
    client, visit, data, item_id="storefront", cid="p1", name="photo.jpg", ctype="image/jpeg"
):
    return client.post(
        f"/visits/{visit.id}/photos",
        data={"item_id": item_id, "client_id": cid},
        files={"file": (name, data, ctype)},
        headers=JSON,
    )


def answers(db, visit):
    return list(db.exec(select(Answer).where(Answer.visit_id == visit.id)))


def test_the_visit_page_shows_the_brief_and_every_item(shopper, visit):
    page = shopper.get(f"/visits/{visit.id}")
    assert page.status_code == 200
    assert "Ask for a phone, then complain." in page.text
    assert f'action="/visits/{visit.id}/start"' in page.text
    for item_id in ("greet-time", "smile", "tidy", "offer", "story", "storefront"):
        assert f'id="i-{item_id}"' in page.text
    assert re.search(r'id="i-offer-terms"[^>]*hidden', page.text, re.S)  # skip logic
    assert 'capture="environment"' in page.text and 'accept="image/*"' in page.text


@pytest.mark.parametrize(("who", "status"), [("shopper2", 404), ("reviewer", 404)])
def test_other_users_do_not_get_the_shoppers_page(client, world, visit, who, status):
    login(client, who, f"{who}-pass")
    assert client.get(f"/visits/{visit.id}").status_code == status


def test_anonymous_users_are_sent_to_log_in(client, world, visit):
    assert client.get(f"/visits/{visit.id}").status_code == 302
    response = client.post(
        f"/visits/{visit.id}/answers",
        headers=JSON,
        data={"item_id": "smile", "value": "yes", "client_id": "c"},
    )
    assert response.status_code in (401, 403)


def test_start_by_form_and_by_script(shopper, db, visit):
    response = shopper.post(
        f"/visits/{visit.id}/start", data={"latitude": "31.2", "longitude": "121.4"}
    )
    assert response.status_code == 303 and response.headers["location"] == f"/visits/{visit.id}"
    assert visit.status == VisitStatus.in_progress and visit.latitude == 31.2
    again = shopper.post(f"/visits/{visit.id}/start", headers=JSON, data={})
    assert again.json()["status"] == "in_progress"


def test_autosave_returns_the_stored_answer(shopper, db, visit):
    response = post_answer(
        shopper, visit, "tidy", "4", "c1", comment="Clean", client_time="2026-11-20T02:00:00.000Z"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "saved"
    assert body["answer"] == {
        "item_id": "tidy",
        "value": 4,
        "comment": "Clean",
        "client_id": "c1",
        "client_time": 1795140000000,
    }


def test_a_repeated_autosave_with_the_same_client_id_keeps_one_answer(shopper, db, visit):
    post_answer(shopper, visit, "smile", "no", "c1", client_time="1795140000000")
    states = [
        post_answer(shopper, visit, "smile", "yes", "c2", client_time="1795140001000").json()[
            "state"
        ]
        for _ in range(5)
    ]
    assert states == ["saved"] + ["duplicate"] * 4
    (row,) = answers(db, visit)
    assert (row.value, row.client_id) == ("yes", "c2")


def test_an_older_change_is_answered_as_stale_with_the_kept_answer(shopper, db, visit):
    post_answer(shopper, visit, "smile", "no", "new", client_time="1795140060000")
    body = post_answer(shopper, visit, "smile", "yes", "old", client_time="1795140000000").json()
    assert body["state"] == "stale" and body["answer"]["value"] == "no"


def test_answers_to_another_shoppers_visit_are_not_found(shopper, db, world, version):
    other = make_visit(db, world, version, shopper="shopper2")
    response = post_answer(shopper, other, "smile", "yes", "c1")
    assert response.status_code == 404
    assert answers(db, other) == []


def test_answers_after_submission_are_rejected_with_a_reason(shopper, db, world, version):
    visit = make_visit(db, world, version, status=VisitStatus.submitted)
    response = post_answer(shopper, visit, "smile", "yes", "c1")
    assert response.status_code == 409
    assert "submitted" in response.json()["detail"]


def test_bad_values_and_removed_items_are_refused(shopper, db, visit):
    assert post_answer(shopper, visit, "tidy", "7", "c1").status_code == 422
    removed = post_answer(shopper, visit, "no-such-item", "yes", "c2")
    assert removed.status_code == 422 and "no longer" in removed.json()["detail"]
    assert post_answer(shopper, visit, "smile", "yes", "").status_code == 422


def test_autosave_needs_the_csrf_token(shopper, visit):
    shopper.headers.pop("x-csrf-token")
    assert post_answer(shopper, visit, "smile", "yes", "c1").status_code == 403


def test_the_no_javascript_form_saves_a_whole_moment(shopper, db, visit):
    data = {
        "v.smile": "yes",
        "c.smile": "Nice",
        "v.tidy": "3",
        "na.greet-time": "",
        "v.greet-time": "12",
        "v.offer": "old",
    }
    response = shopper.post(f"/visits/{visit.id}/sections/arrival", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == f"/visits/{visit.id}#s-arrival"
    saved = {a.item_id: (a.value, a.comment) for a in answers(db, visit)}
    assert saved == {
        "smile": ("yes", "Nice"),
        "tidy": (3, ""),
        "greet-time": (12, ""),
        "offer": ("old", ""),
    }
    page = shopper.get(f"/visits/{visit.id}").text
    assert re.search(r'value="yes" checked', page)
    assert "Nice</textarea>" in page


def test_the_no_javascript_form_takes_na_from_its_checkbox(shopper, db, visit):
    shopper.post(f"/visits/{visit.id}/sections/checkout", data={"v.queue": "", "na.queue": "1"})
    (row,) = answers(db, visit)
    assert (row.item_id, row.na) == ("queue", True)


def test_reloading_shows_every_saved_answer(shopper, db, visit):
    for n, (item_id, value) in enumerate(COMPLETE.items()):
        post_answer(shopper, visit, item_id, value, f"c{n}", comment=f"note {n}")
    page = shopper.get(f"/visits/{visit.id}").text
    assert 'name="v.greet-time" inputmode="decimal"' in page and 'value="42"' in page
    assert re.search(r'name="v.tidy" value="4"[^>]*checked', page)
    assert re.search(r'name="v.offer" value="none"[^>]*checked', page)
    assert re.search(r'name="v.queue" value="na"|name="na.queue" value="1" checked', page)
    assert "A calm and friendly visit overall.</textarea>" in page
    assert all(f"note {n}</textarea>" in page for n in range(len(COMPLETE)))


@pytest.mark.usefixtures("media_backend")  # the media directory, then S3: same answers
def test_photo_upload_view_and_delete(shopper, client, db, visit):
    response = upload(shopper, visit, jpeg((1200, 800), gps=True))
    assert response.status_code == 201
    body = response.json()
    photo = db.get(Photo, body["id"])
    image = shopper.get(body["url"])  # streamed by the app after its check, never a redirect
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "private" in image.headers["cache-control"]
    assert image.content == stored_bytes(photo.path)
    thumb = shopper.get(body["thumb"])
    assert thumb.status_code == 200 and thumb.content == stored_bytes(photo.thumb_path)
    again = upload(shopper, visit, jpeg((1200, 800)))  # same client id: the same photo
    assert again.json()["id"] == body["id"] and again.json()["created"] is False
    deleted = shopper.post(f"{body['url']}/delete", headers=JSON)
    assert deleted.status_code == 200
    assert shopper.get(body["url"]).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "ctype", "message"),
    [
        (b"just text\n" * 50, "receipt.jpg", "image/jpeg", "not a photo"),
        (truncated_jpeg(), "cut.jpg", "image/jpeg", "damaged"),
        (b"", "empty.jpg", "image/jpeg", "empty"),
        (png_bomb(), "bomb.png", "image/png", "too many pixels"),
        (encoded("GIF"), "photo.jpg", "image/jpeg", "not a photo"),
    ],
    ids=["text renamed .jpg", "truncated jpeg", "0 bytes", "20000x20000 png", "gif as jpg"],
)
def test_each_kind_of_bad_photo_is_refused_with_a_clear_message(
    shopper, db, visit, data, name, ctype, message
):
    response = upload(shopper, visit, data, name=name, ctype=ctype)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_a_photo_over_the_configured_size_is_refused(shopper, visit, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_photo_bytes", 2048)
    response = upload(shopper, visit, jpeg((800, 600)))
    assert response.status_code == 422 and "larger than" in response.json()["detail"]


def test_a_photo_sent_as_octet_stream_with_no_name_is_accepted_by_content(shopper, visit):
    response = upload(
        shopper, visit, encoded("WEBP"), name="blob", ctype="application/octet-stream"
    )
    assert response.status_code == 201


@pytest.mark.usefixtures("media_backend")
def test_photos_are_served_only_to_users_who_may_see_the_visit(client, db, world, version):
    visit = make_visit(db, world, version)
    login(client, "shopper", "shopper-pass")
    client.headers["x-csrf-token"] = csrf_of(client, "/")
    url = upload(client, visit, jpeg()).json()["url"]
    client.post("/logout")
    client.headers.pop("x-csrf-token")
    expected = {"shopper2": 404, "manager": 404, "reviewer": 200, "admin": 200}
    for who, status in expected.items():
        client.cookies.clear()
        login(client, who, f"{who}-pass")
        assert client.get(url).status_code == status, who
    visit.status = VisitStatus.approved  # managers see approved visits of their regions
    client.cookies.clear()
    login(client, "manager", "manager-pass")
    assert client.get(url).status_code == 200
    client.cookies.clear()
    assert client.get(url).status_code == 302


def test_submit_with_something_missing_lists_it_with_links(shopper, db, visit):
    post_answer(shopper, visit, "smile", "yes", "c1")
    response = shopper.post(f"/visits/{visit.id}/submit", data={})
    assert response.status_code == 303  # post/redirect/get: a reload never submits again
    assert response.headers["location"] == f"/visits/{visit.id}?missing=1#problems"
    page = shopper.get(response.headers["location"])
    assert page.status_code == 200
    assert "The visit cannot be submitted yet" in page.text
    assert 'href="#i-greet-time"' in page.text
    assert 'href="#i-storefront"' in page.text
    assert visit.status == VisitStatus.in_progress


def test_the_list_of_what_is_missing_is_worked_out_again_on_each_load(shopper, db, visit):
    post_answer(shopper, visit, "smile", "yes", "c1")
    shopper.post(f"/visits/{visit.id}/submit", data={})
    for n, (item_id, value) in enumerate(COMPLETE.items()):
        post_answer(shopper, visit, item_id, value, f"c{n + 2}")
    page = shopper.get(f"/visits/{visit.id}?missing=1").text
    assert 'href="#i-greet-time"' not in page  # answered since: no stale mark
    assert 'href="#i-storefront"' in page


def test_the_phone_submits_as_json_and_a_repeat_of_the_same_submission_is_harmless(
    shopper, db, visit
):
    post_answer(shopper, visit, "smile", "yes", "c1")
    refused = shopper.post(f"/visits/{visit.id}/submit", data={"client_id": "sub-1"}, headers=JSON)
    assert refused.status_code == 422
    body = refused.json()
    assert body["detail"] and {"item_id": "storefront", "kind": "photos", "needed": 1} in [
        {k: p[k] for k in ("item_id", "kind", "needed")} for p in body["problems"]
    ]
    for n, (item_id, value) in enumerate(COMPLETE.items()):
        post_answer(shopper, visit, item_id, value, f"c{n + 2}")
    upload(shopper, visit, jpeg(), item_id="price", cid="p1")
    upload(shopper, visit, jpeg(), item_id="storefront", cid="p2")
    data = {"client_id": "sub-2", "time_out": "2026-11-20T02:30:00Z"}
    first = shopper.post(f"/visits/{visit.id}/submit", data=data, headers=JSON)
    assert first.status_code == 200 and first.json() == {
        "state": "submitted",
        "status": "submitted",
    }
    again = shopper.post(f"/visits/{visit.id}/submit", data=data, headers=JSON)
    assert again.status_code == 200 and again.json()["state"] == "duplicate"
    other = shopper.post(f"/visits/{visit.id}/submit", data={"client_id": "sub-3"}, headers=JSON)
    assert other.status_code == 409  # a different submission of a submitted visit: refused
    db.refresh(visit)
    assert visit.status == VisitStatus.submitted


def test_submit_a_complete_visit_then_it_is_read_only(shopper, db, visit):
    for n, (item_id, value) in enumerate(COMPLETE.items()):
        post_answer(shopper, visit, item_id, value, f"c{n}")
    upload(shopper, visit, jpeg(), item_id="price", cid="p1")
    upload(shopper, visit, jpeg(), item_id="storefront", cid="p2")
    response = shopper.post(f"/visits/{visit.id}/submit", data={"time_out": "2026-11-20T02:30:00Z"})
    assert response.status_code == 303
    assert visit.status == VisitStatus.submitted
    page = shopper.get(f"/visits/{visit.id}").text
    assert "can no longer be changed" in page
    assert "<textarea" not in page and 'type="radio"' not in page
    assert "A calm and friendly visit overall." in page
    assert post_answer(shopper, visit, "smile", "no", "late").status_code == 409
    assert upload(shopper, visit, jpeg(), cid="p9").status_code == 409


def test_a_returned_visit_shows_the_reviewers_notes_at_the_items(shopper, db, world, version):
    visit = make_visit(
        db,
        world,
        version,
        status=VisitStatus.returned,
        review_notes={"smile": "Was it a real smile?", "": "Please check."},
    )
    page = shopper.get(f"/visits/{visit.id}").text
    assert "Returned for changes" in page and "Please check." in page
    note = page.index("Was it a real smile?")
    assert page.rfind('id="i-smile"', 0, note) > page.rfind('id="i-greet-time"', 0, note)


def test_the_page_is_in_chinese_for_chinese_readers(shopper, visit):
    shopper.cookies.set("sm_lang", "zh_CN")
    page = shopper.get(f"/visits/{visit.id}", headers={"accept-language": "zh-CN"}).text
    assert "开始访问" in page
