"""Run Alembic programmatically (the CLI, `make run` and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from app.settings import PROJECT_ROOT


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(Path(PROJECT_ROOT) / "alembic.ini"))
    config.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_head(connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(connection), "head")
