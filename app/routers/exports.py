"""Spreadsheet downloads of a wave's results (CSV per level, or one XLSX workbook)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.deps import ManagerUser, SessionDep
from app.errors import NotFound
from app.forms import optional_id
from app.i18n import _
from app.services import access, exports, scorecards

router = APIRouter(prefix="/exports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheets(db, user, wave_id: int, region: str | None, levels=exports.LEVELS):
    wave = access.get_wave(db, wave_id)
    region_id = optional_id(region)
    area = scorecards.visible_region(db, user=user, region_id=region_id) if region_id else None
    name = f"shopmirror-wave-{wave.id}" + (f"-{area.code}" if area else "")
    sheets = exports.wave_sheets(db, user=user, wave=wave, region=area, levels=levels)
    return sheets, name


def _download(body: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/waves/{wave_id:int}.xlsx")
def workbook(db: SessionDep, user: ManagerUser, wave_id: int, region: str | None = None):
    sheets, name = _sheets(db, user, wave_id, region)
    return _download(exports.to_xlsx(sheets), XLSX, f"{name}.xlsx")


@router.get("/waves/{wave_id:int}.csv")
def table(
    db: SessionDep,
    user: ManagerUser,
    wave_id: int,
    level: str = "visits",
    region: str | None = None,
):
    if level not in exports.LEVELS:
        raise NotFound(_("Not found."))
    sheets, name = _sheets(db, user, wave_id, region, levels=(level,))
    sheet = sheets[0]
    return _download(exports.to_csv(sheet), "text/csv; charset=utf-8", f"{name}-{level}.csv")
