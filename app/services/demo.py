"""Demo data: a believable programme to explore every screen on first run.

Three regions, twelve branches (two of them competitors), one user per role,
the bilingual retail checklist, three past waves of approved visits with varied
answers (some branches slipping, one critical failure), and the current wave's
assignments, including the demo shopper's. A second checklist, an English/Arabic
service-centre one with kinds of visit and skip logic, has a small pilot wave of its own
at three branches, so its review page, scorecard and PDF read right to left.
Loading twice changes nothing.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlmodel import Session, select

from app.models import (
    Answer,
    AuditEvent,
    Branch,
    ChecklistVersion,
    Region,
    User,
    Visit,
    VisitStatus,
    Wave,
    WaveBranch,
    utcnow,
)
from app.models.answer_codec import engine_values, new_answer, store
from app.scoring import Checklist as ChecklistDoc
from app.scoring import Item, completeness, photo_requirements, visible_items
from app.services import auth, wave_brief
from app.services.checklists import document_of, import_checklist
from app.services.photos import add_photo
from app.services.scoring import record_score, rescore

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_CHECKLIST = DEMO_DIR / "retail-visit.yaml"
SERVICE_CHECKLIST = DEMO_DIR / "service-centre.yaml"
PILOT_NAME = "Service centre pilot"
PILOT_BRANCHES = ("HZ-001", "SZ-001", "SZ-002")  # quality taken from BRANCHES


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    name: str


DEMO_LOGINS = (
    DemoLogin("admin", "demo-admin-2026", "admin", "Lin Hua (HQ)"),
    DemoLogin("manager", "demo-manager-2026", "manager", "Zhou Min"),
    DemoLogin("reviewer", "demo-reviewer-2026", "reviewer", "Chen Jie"),
    DemoLogin("shopper", "demo-shopper-2026", "shopper", "Wang Lei"),
)
EXTRA_SHOPPERS = (("shopper2", "Li Na"), ("shopper3", "Zhang Wei"))
EXTRA_MANAGER = ("manager.south", "Huang Tao")

REGIONS = (
    ("EAST", "华东 East China"),
    ("NORTH", "华北 North China"),
    ("SOUTH", "华南 South China"),
)
# code, name, address, region, lat, lon, competitor, quality, drift per wave
BRANCHES = (
    (
        "SH-001",
        "南京东路店 Nanjing Rd East",
        "上海市黄浦区南京东路 300 号",
        "EAST",
        31.2362,
        121.4801,
        False,
        0.92,
        0.0,
    ),
    (
        "SH-002",
        "徐家汇店 Xujiahui",
        "上海市徐汇区虹桥路 1 号港汇广场 B1",
        "EAST",
        31.1949,
        121.4372,
        False,
        0.80,
        0.03,
    ),
    (
        "HZ-001",
        "西湖银泰店 Hangzhou Yintai",
        "杭州市上城区延安路 98 号",
        "EAST",
        30.2530,
        120.1640,
        False,
        0.74,
        -0.09,
    ),
    (
        "SH-C01",
        "竞品 · 南京西路 Rival West Nanjing Rd",
        "上海市静安区南京西路 1266 号",
        "EAST",
        31.2293,
        121.4547,
        True,
        0.83,
        0.0,
    ),
    (
        "BJ-001",
        "王府井店 Wangfujing",
        "北京市东城区王府井大街 255 号",
        "NORTH",
        39.9139,
        116.4103,
        False,
        0.88,
        0.01,
    ),
    (
        "BJ-002",
        "三里屯店 Sanlitun",
        "北京市朝阳区三里屯路 19 号",
        "NORTH",
        39.9337,
        116.4551,
        False,
        0.70,
        0.04,
    ),
    (
        "TJ-001",
        "滨江道店 Tianjin Binjiang",
        "天津市和平区滨江道 208 号",
        "NORTH",
        39.1217,
        117.1990,
        False,
        0.62,
        -0.02,
    ),
    (
        "GZ-001",
        "天河城店 Tianhe City",
        "广州市天河区天河路 208 号",
        "SOUTH",
        23.1322,
        113.3262,
        False,
        0.86,
        0.0,
    ),
    (
        "SZ-001",
        "华强北店 Huaqiangbei",
        "深圳市福田区华强北路 1002 号",
        "SOUTH",
        22.5452,
        114.0843,
        False,
        0.77,
        -0.06,
    ),
    (
        "SZ-002",
        "海岸城店 Coastal City",
        "深圳市南山区文心五路 33 号",
        "SOUTH",
        22.5175,
        113.9357,
        False,
        0.90,
        0.02,
    ),
    (
        "GZ-002",
        "北京路店 Beijing Rd",
        "广州市越秀区北京路 168 号",
        "SOUTH",
        23.1255,
        113.2680,
        False,
        0.68,
        0.05,
    ),
    (
        "GZ-C01",
        "竞品 · 正佳 Rival Grandview",
        "广州市天河区天河路 228 号",
        "SOUTH",
        23.1320,
        113.3270,
        True,
        0.79,
        0.0,
    ),
)
# The programme as it stands on ANCHOR_DAY: three waves done, the fourth running. For another
# demo day every date moves by whole weeks (weekdays kept), so the day always falls at the same
# point of the running wave and the "past" waves are always past.
ANCHOR_DAY = date(2026, 11, 22)
PAST_WAVES = (
    (date(2026, 1, 5), date(2026, 3, 27)),
    (date(2026, 4, 6), date(2026, 6, 26)),
    (date(2026, 7, 6), date(2026, 9, 25)),
)
CURRENT_WAVE = (date(2026, 10, 12), date(2026, 12, 18))


def programme(today: date) -> list[tuple[str, date, date]]:
    """The demo's waves (name, start, end) for a demo day, oldest first; the last one runs.

    Each is named by the quarter it starts in, so the names follow the dates they carry.
    """
    shift = timedelta(weeks=(today - ANCHOR_DAY).days // 7)
    waves = []
    for start, end in (*PAST_WAVES, CURRENT_WAVE):
        start, end = start + shift, end + shift
        waves.append((f"{start.year} Q{(start.month - 1) // 3 + 1}", start, end))
    return waves


NARRATIVES = (
    "店员在门口微笑问好，主动询问需求，介绍了两款三千元以内的手机并对比了续航和拍照。",
    "A staff member greeted me within seconds, asked what I needed and compared two phones "
    "under 3000 RMB, explaining battery life and camera differences clearly and patiently.",
    "进店后等了一会儿才有人接待，店员对优惠活动不太熟悉，需要查看手机确认，但态度友好。",
    "The assistant was friendly but unsure about the trade-in promotion and had to check with a "
    "colleague. Checkout was quick and the receipt matched the posted price.",
)


def _id(row: Region | Branch | Wave | Visit | User | ChecklistVersion) -> int:
    """The id of a row already flushed (every row here is flushed before its id is used)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet")
    return row.id


def is_loaded(db: Session) -> bool:
    return db.exec(select(User).where(User.username == "admin")).first() is not None


def load_demo(db: Session, *, today: date | None = None) -> bool:
    """Load the demo programme into an empty database; returns False when already there.

    `today` is the day the running wave has progressed to (default: the app clock's day). It moves
    only dates (visit days, the demo shopper's due windows); answers and scores are the same
    whatever the day.
    """
    if is_loaded(db):
        return False
    rng = random.Random(20261122)
    today = today or utcnow().date()
    version, _created = import_checklist(db, source=DEMO_CHECKLIST.read_text(encoding="utf-8"))
    document = document_of(version)
    regions = {code: Region(code=code, name=name) for code, name in REGIONS}
    db.add_all(regions.values())
    db.flush()
    branches: list[tuple[Branch, float, float]] = []
    for code, name, address, region, lat, lon, competitor, quality, drift in BRANCHES:
        branch = Branch(
            code=code,
            name=name,
            address=address,
            region_id=_id(regions[region]),
            latitude=lat,
            longitude=lon,
            competitor=competitor,
        )
        db.add(branch)
        branches.append((branch, quality, drift))
    db.flush()
    users = _users(db, regions)
    shoppers = [u for u in users.values() if u.role == "shopper"]
    *past_waves, current_wave = programme(today)
    for index, (name, start, end) in enumerate(past_waves):
        wave = _wave(db, name, start, end, _id(version), [b for b, _q, _d in branches])
        for branch, quality, drift in branches:
            level = min(0.99, max(0.3, quality + drift * (index - 1)))
            for n in range(2):
                visit = _visit(
                    db, wave, branch, shoppers[(index + n) % len(shoppers)], rng, start, end
                )
                _answer(db, visit, document, level, rng)
                _photos(db, visit, document, branch, rng)
                if branch.code == "TJ-001" and index == 2 and n == 0:
                    _fail_critical(db, visit, document)
                _submit_and_approve(db, visit, users["reviewer"], rng)
    _current_wave(db, current_wave, _id(version), document, branches, users, shoppers, rng, today)
    _service_centre_pilot(db, past_waves[0], branches, users, shoppers)
    return True


def _users(db: Session, regions: dict[str, Region]) -> dict[str, User]:
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        region_ids = (
            [_id(regions["EAST"]), _id(regions["NORTH"])] if login.role == "manager" else []
        )
        users[login.username] = auth.create_user(
            db,
            username=login.username,
            name=login.name,
            role=login.role,
            password=login.password,
            region_ids=region_ids,
            home_region_id=_id(regions["EAST"]) if login.role == "shopper" else None,
        )
    for username, name in EXTRA_SHOPPERS:
        users[username] = auth.create_user(
            db,
            username=username,
            name=name,
            role="shopper",
            password=f"{username}-2026",
        )
    username, name = EXTRA_MANAGER
    users[username] = auth.create_user(
        db,
        username=username,
        name=name,
        role="manager",
        password=f"{username}-2026",
        region_ids=[_id(regions["SOUTH"])],
    )
    return users


def _wave(
    db: Session, name: str, start: date, end: date, version_id: int, branches: list[Branch]
) -> Wave:
    wave = Wave(
        name=name,
        starts_on=start,
        ends_on=end,
        checklist_version_id=version_id,
        visits_per_branch=2,
        scenario="Ask for a phone under 3000 RMB, then complain about the wait.",
        scenario_translations={"zh-CN": "询问一部 3000 元以下的手机，然后抱怨等待时间太长。"},
    )
    db.add(wave)
    db.flush()
    db.add_all(WaveBranch(wave_id=_id(wave), branch_id=_id(b)) for b in branches)
    return wave


def _local(day: date, hour: int, minute: int, branch: Branch) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(branch.timezone)).astimezone(UTC)


def _visit(
    db: Session,
    wave: Wave,
    branch: Branch,
    shopper: User,
    rng: random.Random,
    start: date,
    end: date,
    *,
    done_by: date | None = None,
) -> Visit:
    """A visit on a random day of the wave (before `done_by`, when given).

    The day is drawn from the whole wave and then scaled into the days already past, so the
    random stream, and with it every answer and score, is the same whatever the date.
    """
    span = (end - start).days
    offset = rng.randrange(span)
    if done_by is not None:
        offset = offset * (done_by - start).days // span
    day = start + timedelta(days=offset)
    time_in = _local(day, rng.randrange(10, 19), rng.randrange(60), branch)
    visit = Visit(
        branch_id=_id(branch),
        shopper_id=shopper.id,
        wave_id=wave.id,
        checklist_version_id=wave.checklist_version_id,
        status=VisitStatus.in_progress,
        **wave_brief.visit_brief(wave),
        due_from=_local(start, 9, 0, branch),
        due_until=_local(end, 21, 0, branch),
        time_in=time_in,
        time_out=time_in + timedelta(minutes=rng.randrange(22, 48)),
    )
    db.add(visit)
    db.flush()
    return visit


def _value_for(item: Item, level: float, rng: random.Random) -> Any:
    """A plausible answer for one item at a branch's service level (0..1)."""
    # Basics and knock-outs fail far less often than the rest, as in real programmes.
    miss = 1 - level
    if item.critical:
        miss *= 0.04
    elif item.kano == "must":
        miss *= 0.3
    good = rng.random() >= miss
    if item.na and rng.random() < 0.08:
        return "na"
    if item.kind == "check":
        return "yes" if good else "no"
    if item.kind == "rating" and item.scale is not None:  # a parsed checklist has them all
        top = item.scale
        return max(1, min(top, round(1 + (top - 1) * level + rng.uniform(-1.2, 1.0))))
    if item.kind == "choice" and item.options:
        ranked = sorted(item.options, key=lambda o: o.score, reverse=True)  # stable, as before
        return ranked[0].id if good else rng.choice(ranked[1:] or ranked).id
    if item.kind == "measure" and item.target is not None:
        target = item.target
        spread = abs((item.limit if item.limit is not None else target * 2) - target)
        offset = rng.uniform(0.1, 1.3) * spread * (1 - level) * 2.2 - spread * 0.4
        lower = item.better == "lower"
        value = target + offset if lower else target - offset
        return max(0, round(value))
    if item.kind == "measure" and item.max is not None:  # a count for information
        return rng.randint(int(item.min or 0), min(int(item.max), 6))
    if item.kind == "text":
        return rng.choice(NARRATIVES)
    return None


def _answer(
    db: Session, visit: Visit, document: ChecklistDoc, level: float, rng: random.Random
) -> None:
    values: dict[str, Any] = {}
    for section in document.sections:
        for item in section.items:
            if item.kind == "photo":
                continue
            shown = visible_items(document, values, visit.variant)
            if item.id not in shown:  # its own condition or its section's (a variant)
                continue
            value = _value_for(item, level, rng)
            if value is None or (not item.required and rng.random() < 0.15):
                continue
            values[item.id] = value
    for item_id, value in values.items():
        db.add(new_answer(visit_id=_id(visit), item_id=item_id, value=value))
    db.flush()


def _photos(
    db: Session, visit: Visit, document: ChecklistDoc, branch: Branch, rng: random.Random
) -> None:
    """Evidence photos for the required photo items, stored as uploads are (EXIF time kept)."""
    answers = engine_values(db.exec(select(Answer).where(Answer.visit_id == visit.id)))
    shopper = db.get(User, visit.shopper_id)
    if shopper is None or visit.time_in is None:
        raise ValueError("a demo visit with photos has a shopper and a time in")
    for number, item_id in enumerate(photo_requirements(document, answers, visit.variant)):
        taken = visit.time_in + timedelta(minutes=3 + 7 * number)
        data = _demo_jpeg(branch.code, item_id, taken.astimezone(ZoneInfo(branch.timezone)), rng)
        add_photo(
            db,
            user=shopper,
            visit=visit,
            item_id=item_id,
            data=data,
            client_id=f"demo-{visit.id}-{item_id}",
            now=taken,  # taken during the visit: a demo day ahead of the clock is history too
        )


def _demo_jpeg(label: str, item_id: str, taken: datetime, rng: random.Random) -> bytes:
    """A small synthetic photo (sign, shelves, floor) with its capture time in EXIF."""
    hue = rng.randrange(40, 200)
    image = Image.new("RGB", (960, 720), (hue // 2 + 90, 200 - hue // 3, 170))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 520, 960, 720), fill=(196, 186, 170))
    draw.rectangle((80, 60, 880, 170), fill=(15, 76, 92))
    draw.text((110, 95), f"{label}  {item_id}", fill=(255, 255, 255), font_size=44)
    for shelf in range(3):
        top = 230 + shelf * 95
        draw.rectangle((120, top, 840, top + 16), fill=(90, 70, 50))
        for slot in range(9):
            left = 135 + slot * 78
            colour = (rng.randrange(30, 230), rng.randrange(30, 230), rng.randrange(30, 230))
            draw.rectangle((left, top - 60, left + 50, top - 2), fill=colour)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, exif=exif)
    return out.getvalue()


def _fail_critical(db: Session, visit: Visit, document: ChecklistDoc) -> None:
    """One visit breaks a critical standard, so the early warning has something to show."""
    critical = next(i for s in document.sections for i in s.items if i.critical)
    answer = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == critical.id)
    ).first() or Answer(visit_id=_id(visit), item_id=critical.id)
    store(answer, "no" if critical.kind == "check" else 0)
    answer.comment = "店员拒绝受理投诉 / The complaint was refused."
    db.add(answer)
    db.flush()


def _submit_and_approve(db: Session, visit: Visit, reviewer: User, rng: random.Random) -> None:
    if visit.time_out is None:
        raise ValueError("a demo visit is approved after its time out")
    approved_at = visit.time_out + timedelta(hours=rng.randrange(3, 40))
    visit.status = VisitStatus.approved
    visit.submitted_at = visit.time_out
    visit.approved_at = approved_at
    db.add(visit)
    record_score(db, visit=visit)
    db.add(AuditEvent(visit_id=_id(visit), user_id=reviewer.id, action="approved", at=approved_at))


def _service_centre_pilot(
    db: Session,
    first: tuple[str, date, date],
    branches: list[tuple[Branch, float, float]],
    users: dict[str, User],
    shoppers: list[User],
) -> None:
    """The second checklist's pilot: the first wave's final weeks at three branches, an enquiry
    and a transaction each, approved (next to the oldest wave, so the newer retail waves keep
    their places in a list of waves). It draws from a random stream of its own, so
    the retail programme's answers and scores are the same with it as without it."""
    rng = random.Random(20260803)
    version, _created = import_checklist(db, source=SERVICE_CHECKLIST.read_text(encoding="utf-8"))
    document = document_of(version)
    _name, start, end = first
    start += timedelta(weeks=4)
    wave = Wave(
        name=PILOT_NAME,
        starts_on=start,
        ends_on=end,
        checklist_version_id=_id(version),
        visits_per_branch=2,
        variant_mix={"enquiry": 1, "transaction": 1},
    )  # no brief of its own: the checklist's bilingual scenario is the brief
    db.add(wave)
    db.flush()
    chosen = [(b, quality) for b, quality, _d in branches if b.code in PILOT_BRANCHES]
    db.add_all(WaveBranch(wave_id=_id(wave), branch_id=_id(b)) for b, _q in chosen)
    for index, (branch, quality) in enumerate(chosen):
        for n, variant in enumerate(document.variant_ids):
            visit = _visit(db, wave, branch, shoppers[(index + n) % len(shoppers)], rng, start, end)
            visit.variant = variant
            _answer(db, visit, document, quality, rng)
            _photos(db, visit, document, branch, rng)
            _required_comments(db, visit, document)
            _submit_and_approve(db, visit, users["reviewer"], rng)


PILOT_COMMENT = (
    "لم يرحب بي أحد، كان الموظف على الهاتف. / Nobody greeted me; the clerk was on the phone."
)


def _required_comments(db: Session, visit: Visit, document: ChecklistDoc) -> None:
    """The comments the checklist asks for with these answers (a "no" to the greeting)."""
    answers = {a.item_id: a for a in db.exec(select(Answer).where(Answer.visit_id == visit.id))}
    # the photos `_photos` has just added: exactly those the answers require
    photos = photo_requirements(document, engine_values(answers.values()), visit.variant)
    problems = completeness(
        document, engine_values(answers.values()), photos, variant=visit.variant
    )
    for problem in problems:
        if problem.kind == "comment":
            answer = answers[problem.item_id]
            answer.comment = PILOT_COMMENT
            db.add(answer)
    db.flush()


def _current_wave(
    db: Session,
    planned: tuple[str, date, date],
    version_id: int,
    document: ChecklistDoc,
    branches: list[tuple[Branch, float, float]],
    users: dict[str, User],
    shoppers: list[User],
    rng: random.Random,
    today: date,
) -> None:
    """The running wave: some visits done, the rest assigned, three of them to the demo shopper."""
    name, start, end = planned
    wave = _wave(db, name, start, end, version_id, [b for b, _q, _d in branches])
    demo_shopper = users["shopper"]
    done_by = max(start + timedelta(days=1), min(end, today - timedelta(days=1)))
    for index, (branch, quality, drift) in enumerate(branches):
        for n in range(2):
            shopper = shoppers[1 + (index + n) % (len(shoppers) - 1)]
            visit = _visit(db, wave, branch, shopper, rng, start, end, done_by=done_by)
            if n == 0 and index % 3 != 2:
                _answer(db, visit, document, min(0.99, quality + drift * 2), rng)
                _photos(db, visit, document, branch, rng)
                if branch.code == "TJ-001":  # again: the running wave has its early warning
                    _fail_critical(db, visit, document)
                _submit_and_approve(db, visit, users["reviewer"], rng)
            elif n == 0:
                _answer(db, visit, document, quality, rng)
                if index != 2:  # one submission lacks its photos, for the reviewer to return
                    _photos(db, visit, document, branch, rng)
                visit.status = VisitStatus.submitted
                visit.submitted_at = visit.time_out
                rescore(db, visit=visit)
            else:
                visit.status, visit.time_in, visit.time_out = VisitStatus.assigned, None, None
                if branch.region_id == demo_shopper.home_region_id and not branch.competitor:
                    visit.shopper_id = demo_shopper.id
                    _demo_window(visit, branch, today, index)
            db.add(visit)


def _demo_window(visit: Visit, branch: Branch, today: date, index: int) -> None:
    """Due windows around today, so the shopper's home shows 'due now' and 'upcoming'."""
    offset = 0 if index % 2 == 0 else 6
    visit.due_from = _local(today + timedelta(days=offset - 1), 9, 0, branch)
    visit.due_until = _local(today + timedelta(days=offset + 5), 21, 0, branch)
