"""Schemathesis against the agency API's own OpenAPI schema (/openapi.json).

Every operation gets up to 50 generated requests (deterministic: `derandomize`), sent with a
valid agency token, and each answer is checked: no server error, a documented status, content
type and headers, and a body that matches the documented schema. The world has the checklist,
branch and a delivered visit that the schema's example names, so the examples reach the
handlers' success paths and not only their refusals.
"""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.services import agency as agencies
from app.services.checklists import import_checklist
from tests.admin.factories import make_visit, make_wave

# The schema's example delivers a visit of "retail-visit" version 1 at branch "SH-001".
RETAIL = {
    "format": 1,
    "code": "retail-visit",
    "name": "Retail visit",
    "sections": [
        {
            "id": "arrival",
            "title": "Arrival",
            "items": [
                {
                    "id": "greet-time",
                    "text": "Seconds to greet",
                    "kind": "measure",
                    "unit": "s",
                    "better": "lower",
                    "target": 30,
                    "limit": 90,
                },
                {"id": "greeting-words", "text": "Greeting words", "kind": "check"},
                {"id": "store-tidy", "text": "Tidiness", "kind": "rating", "scale": 5},
            ],
        }
    ],
}


@pytest.fixture
def agency_secret(db, world):
    from app.models import Branch

    branch = Branch(code="SH-001", name="Shanghai One", region_id=world["regions"]["E"].id)
    db.add(branch)
    db.flush()
    version, _created = import_checklist(db, source=RETAIL)
    wave = make_wave(db, version, [branch], starts=date(2026, 11, 1))
    acme = agencies.create_agency(db, name="Acme")
    _token, secret = agencies.create_token(db, agency=acme, name="fuzz")
    delivered = make_visit(db, version, branch, wave=wave, answers={"greeting-words": "yes"})
    delivered.agency_id = acme.id
    delivered.external_id = "ACME-FUZZ-1"
    db.add(delivered)
    db.commit()  # kept when a refused request rolls its session back (undone after the test)
    return secret


@pytest.fixture
def openapi_schema(app, agency_secret):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# The API's operations; `test_every_operation_is_fuzzed` keeps this list whole.
OPERATIONS = [
    ("POST", "/api/v1/visits"),
    ("GET", "/api/v1/visits/{visit_id}/score"),
    ("GET", "/api/v1/visits/{external_id}"),
    ("POST", "/api/v1/visits/bulk"),
]


def test_every_operation_is_fuzzed(openapi_schema):
    found = {(op.ok().method.upper(), op.ok().path) for op in openapi_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_answers_as_documented(openapi_schema, agency_secret, method, path, mode):
    """Valid requests (positive) and invalid ones (negative): no 5xx, answers as documented."""
    operation = openapi_schema[path][method]
    headers = {"Authorization": f"Bearer {agency_secret}"}
    # A schema-valid document may still name a branch or checklist that does not exist, or
    # answers that do not fit its items: the schema cannot state that, the 422 names it.
    excluded = [positive_data_acceptance] if path == "/api/v1/visits" else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=50,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    fuzz()


def test_the_documented_example_is_delivered_and_scored_as_documented(
    openapi_schema, agency_secret
):
    """The schema's own example succeeds, and its receipt and score match their schemas."""
    from app.routers.api import EXAMPLE

    headers = {"Authorization": f"Bearer {agency_secret}"}
    post = openapi_schema["/api/v1/visits"]["POST"]
    created = post.Case(body=EXAMPLE, media_type="application/json").call_and_validate(
        headers=headers
    )
    assert created.status_code == 201, created.text
    score = openapi_schema["/api/v1/visits/{visit_id}/score"]["GET"]
    read = score.Case(path_parameters={"visit_id": created.json()["id"]}).call_and_validate(
        headers=headers
    )
    assert read.status_code == 200 and read.json()["external_id"] == EXAMPLE["external_id"]
    bulk = openapi_schema["/api/v1/visits/bulk"]["POST"]
    again = bulk.Case(body=[EXAMPLE], media_type="application/json").call_and_validate(
        headers=headers
    )
    assert again.json()["existing"] == 1, again.text


def test_the_schema_documents_every_refusal_and_the_document_shape(client):
    """What the first fuzzing run found: 401/404/409/413 answers the schema did not list, and
    a request body documented as "any object" (so `{}` was schema-valid, yet refused)."""
    paths = client.get("/openapi.json").json()["paths"]
    deliver = paths["/api/v1/visits"]["post"]
    score = paths["/api/v1/visits/{visit_id}/score"]["get"]
    bulk = paths["/api/v1/visits/bulk"]["post"]
    assert {"401", "409", "413", "422"} <= deliver["responses"].keys()
    assert {"401", "404", "422"} <= score["responses"].keys()
    assert {"401", "413", "422"} <= bulk["responses"].keys()
    body = deliver["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"format", "external_id", "checklist", "branch", "visited_at"}
    assert body["additionalProperties"] is False
