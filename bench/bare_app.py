"""The yardstick for autosave: a bare FastAPI endpoint that upserts one row into SQLite.

Same route and form as the app's autosave (`POST /visits/<id>/answers`), a sync handler in
the thread pool as the app's, the app's own engine settings (WAL, synchronous=NORMAL,
BEGIN IMMEDIATE for writes), one commit per request before the answer. No session, no
CSRF, no access check, no validation, no lock beyond SQLite's own, no rendering: what is
left is the cost of FastAPI, form parsing and one durable upsert.

    BARE_DB=/tmp/bare.db uvicorn bare_app:create_app --factory   (bench_autosave starts it)
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db import IMMEDIATE, make_engine

UPSERT = text(
    "INSERT INTO answer (visit_id, item_id, value, client_id) "
    "VALUES (:visit, :item, :value, :client_id) "
    "ON CONFLICT (visit_id, item_id) DO UPDATE SET value = excluded.value, "
    "client_id = excluded.client_id"
)


def create_app() -> FastAPI:
    engine = make_engine(f"sqlite:///{os.environ['BARE_DB']}").execution_options(
        **{IMMEDIATE: True}
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS answer (visit_id INTEGER, item_id TEXT, value TEXT,"
                " client_id TEXT, PRIMARY KEY (visit_id, item_id))"
            )
        )
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.post("/visits/{visit_id}/answers")
    def save(
        visit_id: int,
        item_id: Annotated[str, Form()],
        client_id: Annotated[str, Form()],
        value: Annotated[str, Form()] = "",
    ) -> JSONResponse:
        with engine.begin() as conn:
            conn.execute(
                UPSERT, {"visit": visit_id, "item": item_id, "value": value, "client_id": client_id}
            )
        return JSONResponse({"state": "saved", "item_id": item_id, "client_id": client_id})

    return app
