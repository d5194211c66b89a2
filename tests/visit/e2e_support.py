"""Shared pieces of the shopper's browser tests: a demo server of their own, answering items."""

from __future__ import annotations

import io
import json

from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import create_engine, text

from tests.e2e.conftest import LiveServer, demo_server  # noqa: F401 (re-exported)

SETTLED = """() => {
  if (document.documentElement.hasAttribute('data-outbox-busy')) return false;
  const busy = [...document.querySelectorAll('[data-save]')]
    .some(e => ['saving', 'waiting', 'failed'].includes(e.dataset.state));
  return !busy && !document.querySelector('.q-thumb.uploading');
}"""
OUTBOX = """() => new Promise(resolve => {
  const open = indexedDB.open('shopmirror', 1);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('outbox')) { db.close(); resolve([]); return; }
    const all = db.transaction('outbox').objectStore('outbox').getAll();
    all.onsuccess = () => {
      db.close();
      resolve(all.result.map(e => [e.kind, e.item || null, e.state]));
    };
  };
})"""


def query(server: LiveServer, sql: str, **params) -> list[tuple]:
    engine = create_engine(server.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def execute(server: LiveServer, sql: str, **params) -> None:
    """Change the server's database behind its back (what another device or a reviewer did)."""
    engine = create_engine(server.env["DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def json_value(server: LiveServer, raw):
    """A JSON column read with plain SQL: text on SQLite, already decoded on PostgreSQL."""
    if isinstance(raw, str) and not server.env["DATABASE_URL"].startswith("postgresql"):
        return json.loads(raw)
    return raw


def photo_file(name: str = "shelf.jpg", size: tuple[int, int] = (1600, 1200)) -> dict:
    image = Image.new("RGB", size, (40, 120, 180))
    image.paste((230, 160, 40), (0, 0, size[0] // 3, size[1]))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 10.0), 3: "E", 4: (121.0, 28.0, 48.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def outbox(page) -> list[list]:
    """The changes kept on the device and not yet sent: [kind, item, state] each."""
    return page.evaluate(OUTBOX)


def settle(page) -> None:
    """Wait until every change on the device has been sent (or refused) and shown as such."""
    page.wait_for_function(SETTLED)
    page.wait_for_function(f"async () => ({OUTBOX})().then(l => l.every(e => e[2] === 'refused'))")


def open_due_visit(page) -> int:
    """From the shopper's home, open the first visit due now; returns its id."""
    page.locator(".group-due .visit-go").first.click()
    page.wait_for_selector("#checklist[data-restored]", state="attached")
    return int(page.url.split("/visits/")[1].split("#")[0].split("?")[0])


def rules(page) -> dict[str, dict]:
    """The page's completeness rules (what the server sends its script), by item id."""
    data = json.loads(page.locator("#visit-rules").text_content())
    return {rule["id"]: rule for rule in data["items"]}


def answer_item(page, item_id: str) -> None:
    """Answer one shown item the way a shopper would (first sensible answer)."""
    item = page.locator(f"#i-{item_id}")
    kind = item.get_attribute("data-kind")
    if kind in ("check", "rating", "choice") and item.locator("input:checked").count():
        return
    if kind == "check":
        item.locator(".q-opt-yes span").click()
    elif kind == "rating":
        item.locator(".q-opt:not(.q-opt-na) span").last.click()
    elif kind == "choice":
        item.locator(".q-choices .q-opt span").first.click()
    elif kind == "measure":
        field = item.locator("input[type=number]")
        if not field.input_value() and not field.is_disabled():
            field.fill("3")
            field.blur()
    elif kind == "text":
        area = item.locator("textarea[name^='v.']")
        if len(area.input_value()) < 100:
            area.fill(
                "The assistant greeted me warmly, listened to my complaint, apologised "
                "and offered a solution on the spot."
            )
            area.blur()
    needs_photo = any(need["kind"] == "photos" for need in rules(page)[item_id]["needs"])
    if needs_photo and item.locator(".q-thumb").count() == 0:
        item.locator("[data-photo-input]").first.set_input_files(photo_file())


def answer_everything(page, *, online: bool = True) -> None:
    """Walk every moment of truth and answer every shown required item."""
    required = {item_id for item_id, rule in rules(page).items() if rule["required"]}
    page.locator("[data-overview]").click()
    page.locator("[data-goto]").first.click()
    while page.locator(".mot.current").get_attribute("data-section") != "finish":
        for item in page.locator(".mot.current .q-item").all():
            if item.is_visible() and item.get_attribute("data-item") in required:
                answer_item(page, item.get_attribute("data-item"))
        if online:
            settle(page)
        page.locator("[data-next]").click()


def controlled_by_the_worker(page) -> None:
    """The page is run by the service worker, as every page after the app's first load is.

    The very first page may not be yet: the worker claims open pages when it activates,
    which Chromium sometimes does not apply to a page that loaded before it; that page then
    asks for no background sync (its changes wait in the outbox for the next page). A phone
    that comes back to the app is controlled: reload as it would.
    """
    try:
        page.wait_for_function("!!navigator.serviceWorker.controller", timeout=5000)
    except PlaywrightTimeoutError:
        page.reload()
        page.wait_for_function("!!navigator.serviceWorker.controller")
        settle(page)
