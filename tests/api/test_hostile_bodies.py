"""Hostile request bodies get a 4xx that names the problem, never a server error."""

from __future__ import annotations

import io
import json
import random
import zipfile

import pytest

from app.services import agency as agencies

DEEP = "[" * 100_000 + "]" * 100_000
BODIES = {
    "deep array": (DEEP, "nested more than 32 levels deep"),
    "deep object": ('{"a":' * 5_000 + "1" + "}" * 5_000, "nested more than 32 levels deep"),
    "huge integer": ('{"format": ' + "9" * 5_000 + "}", "digits is too long"),
    "infinite float": ('{"format": 1e999999}', "out of range"),
    "NaN": ('{"format": NaN}', "NaN is not a number JSON allows"),
    "broken": ("{{{", "invalid JSON at line 1, column 2"),
    "not UTF-8": (b"\xff\xfe{", "not UTF-8 text"),
}


@pytest.fixture
def agency_headers(db, world):
    acme = agencies.create_agency(db, name="Acme")
    _token, secret = agencies.create_token(db, agency=acme, name="t")
    db.commit()
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("path", ["/api/v1/visits", "/api/v1/visits/bulk"])
def test_a_hostile_json_body_is_refused_with_its_reason(client, agency_headers, name, path):
    body, reason = BODIES[name]
    response = client.post(path, content=body, headers=agency_headers)
    assert response.status_code == 422, response.text
    assert reason in " ".join(response.json()["errors"])


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _corrupt_entry() -> bytes:
    noise = bytes(random.Random(7).getrandbits(8) for _ in range(5000)).hex()
    data = bytearray(_zip({"visits.json": f'["{noise}"]'.encode()}))
    start = data.index(b"visits.json") + len("visits.json")
    data[start + 10 : start + 30] = b"\x00" * 20  # damage the compressed stream
    return bytes(data)


ARCHIVES = {
    "truncated": (b"PK\x03\x04" + b"garbage" * 10, "archive: not a readable ZIP file"),
    "damaged entry": (_corrupt_entry(), "visits.json: damaged in the archive"),
    "deep visits.json": (_zip({"visits.json": DEEP.encode()}), "nested more than 32 levels"),
    "empty": (_zip({}), "no visits.json"),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_a_hostile_zip_is_refused_with_its_reason(client, agency_headers, name):
    data, reason = ARCHIVES[name]
    response = client.post(
        "/api/v1/visits/bulk",
        content=data,
        headers=agency_headers | {"Content-Type": "application/zip"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert reason in response.text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 200)), "nested more than 32"),
        ("[" * 20_000 + "]" * 20_000, "nested more than 32"),
        ("limit: " + "9" * 5_000, "digits is too long"),
        ('{"limit": ' + "9" * 5_000 + "}", "digits is too long"),
    ],
    ids=["deep yaml", "deep flow yaml", "huge yaml integer", "huge json integer"],
)
def test_a_hostile_checklist_text_is_a_document_error(text, reason):
    from app.scoring import DocumentError
    from app.scoring.source import load_document

    with pytest.raises(DocumentError) as caught:
        load_document(text)
    assert reason in " ".join(caught.value.errors)


def test_an_agency_zip_keeps_the_shoppers_photo_cap_per_item(client, agency_headers, db):
    from app.services.checklists import import_checklist
    from app.services.photos import MAX_PER_ITEM
    from tests.visit.conftest import CHECKLIST
    from tests.visit.helpers import jpeg

    import_checklist(db, source=CHECKLIST)
    db.commit()
    document = {"format": 1, "external_id": "CAP-1", "checklist": "visit-test", "branch": "E1"}
    photo = jpeg((60, 40))
    entries = {"visits.json": json.dumps([document]).encode()}
    entries |= {f"photos/CAP-1/storefront/{n}.jpg": photo for n in range(MAX_PER_ITEM + 1)}
    response = client.post(
        "/api/v1/visits/bulk",
        content=_zip(entries),
        headers=agency_headers | {"Content-Type": "application/zip"},
    )
    errors = response.json()["results"][0]["errors"]
    assert (
        f"photos/CAP-1/storefront/: {MAX_PER_ITEM + 1} photos, at most {MAX_PER_ITEM} per item"
        in errors
    )
