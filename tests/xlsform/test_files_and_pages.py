"""XLSForm files (read with pyxform, written with openpyxl) and HQ's upload and download pages."""

from __future__ import annotations

import base64
import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyxform.xls2xform import convert as to_xform
from sqlmodel import select

from app.models import ChecklistVersion
from app.scoring import DocumentError, condition_to_dict, content_hash, parse_checklist
from app.services.xlsform import checklist_of, read_xlsform, xlsform_bytes
from tests.admin.factories import MINI
from tests.conftest import csrf_of, login

ROOT = Path(__file__).resolve().parents[2]
CHECKLISTS = [
    ROOT / "app/demo/retail-visit.yaml",
    ROOT / "tests/fixtures/arabic_service_centre.yaml",
]
EXAMPLE = ROOT / "docs/examples/service-centre.xlsx"


def xlsx(survey, choices=None, settings=None) -> bytes:
    """An .xlsx workbook of the given tables (first row the headers)."""
    wb = Workbook()
    wb.remove(wb.active)
    tables = {"survey": survey, "choices": choices, "settings": settings}
    for title, table in tables.items():
        if table:
            ws = wb.create_sheet(title)
            for row in table:
                ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


YES_NO = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]
SETTINGS = [["form_id", "form_title"], ["kiosk", "Kiosk visit"]]
# A form with two things the checklist cannot carry: a repeat (row 4) and a calculate (row 8).
WITH_LEFTOVERS = xlsx(
    [
        ["type", "name", "label", "required", "relevant"],
        ["begin group", "arrival", "Arrival"],
        ["select_one yes_no", "greet", "Greeted", "yes"],
        ["begin repeat", "staff", "Staff met"],
        ["text", "staff_name", "Name"],
        ["end repeat"],
        ["select_one yes_no", "smile", "Smiled", "yes", "${greet} = 'yes'"],
        ["calculate", "total", ""],
        ["end group"],
    ],
    YES_NO,
    SETTINGS,
)


@pytest.mark.parametrize("path", CHECKLISTS, ids=lambda p: p.name)
def test_a_checklist_survives_yaml_to_xlsform_to_checklist(path):
    checklist = parse_checklist(path.read_text(encoding="utf-8"))
    data = xlsform_bytes(checklist)
    conversion = read_xlsform(data, filename=f"{checklist.code}.xlsx")
    assert conversion.problems == []
    again = checklist_of(conversion)
    assert again == checklist
    assert content_hash(again) == content_hash(checklist)


@pytest.mark.parametrize("path", CHECKLISTS, ids=lambda p: p.name)
def test_the_export_is_a_form_pyxform_turns_into_an_xform(path, tmp_path):
    form = tmp_path / "form.xlsx"
    form.write_bytes(xlsform_bytes(parse_checklist(path.read_text(encoding="utf-8"))))
    result = to_xform(xlsform=str(form), validate=False)
    assert "<h:html" in result.xform


def test_the_arabic_checklist_keeps_its_languages_variants_and_skip_logic():
    checklist = parse_checklist(CHECKLISTS[1].read_text(encoding="utf-8"))
    assert checklist.variants and any(i.when for i in checklist.all_items())
    data = xlsform_bytes(checklist)
    conversion = read_xlsform(data, filename="x.xlsx")
    survey = conversion.document
    assert survey["languages"] == list(checklist.languages)
    assert [v["id"] for v in survey["variants"]] == list(checklist.variant_ids)


def test_a_csv_form_is_read_too():
    csv = (
        "survey,type,name,label,required\n"
        ",begin group,arrival,Arrival,\n"
        ",select_one yes_no,greet,Greeted,yes\n"
        ",end group,,,\n"
        "choices,list_name,name,label\n"
        ",yes_no,yes,Yes\n"
        ",yes_no,no,No\n"
        "settings,form_id,form_title\n"
        ",kiosk,Kiosk visit\n"
    )
    checklist = checklist_of(read_xlsform(csv.encode(), filename="kiosk.csv"))
    assert checklist.code == "kiosk" and checklist.item("greet").kind == "check"


def test_a_file_that_is_no_form_is_refused_by_name():
    with pytest.raises(DocumentError) as caught:
        read_xlsform(b"not a spreadsheet", filename="form.xlsx")
    assert caught.value.errors[0].startswith("form.xlsx: not a form this reader takes")


def test_validation_messages_name_the_survey_row():
    data = xlsx(
        [
            ["type", "name", "label", "better", "target", "limit"],
            ["begin group", "s", "S"],
            ["integer", "wait", "Wait", "lower", 30, 10],
            ["end group"],
        ],
        YES_NO,
        SETTINGS,
    )
    with pytest.raises(DocumentError) as caught:
        checklist_of(read_xlsform(data, filename="kiosk.xlsx"))
    assert caught.value.errors == [
        "survey row 3: sections[0].items[0] (wait).limit: must be above target when better is lower"
    ]


def test_the_example_form_in_the_docs_imports():
    conversion = read_xlsform(EXAMPLE.read_bytes(), filename=EXAMPLE.name)
    assert conversion.problems == []
    checklist = checklist_of(conversion)
    assert len(checklist.languages) == 2 and checklist.variants
    fixture = parse_checklist(CHECKLISTS[1].read_text(encoding="utf-8"))
    assert content_hash(checklist) == content_hash(fixture)  # the exporter wrote it


def _post(client, **fields):
    files = fields.pop("files", None)
    data = {"csrf_token": csrf_of(client, "/admin/checklists"), **fields}
    return client.post("/admin/checklists", data=data, files=files)


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return match.group(1)


def _versions(db):
    db.expire_all()
    return db.exec(select(ChecklistVersion)).all()


def test_an_xlsform_upload_is_stored_and_downloads_as_the_same_checklist(client, db, world):
    login(client, "admin", "admin-pass")
    data = xlsform_bytes(parse_checklist(MINI))
    response = _post(client, files={"file": ("mini.xlsx", data, "application/octet-stream")})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/checklists/mini/1"
    page = client.get("/admin/checklists/mini/1").text
    assert "/admin/checklists/mini/1/download?format=xlsx" in page
    download = client.get("/admin/checklists/mini/1/download?format=xlsx")
    assert download.status_code == 200
    assert 'filename="mini-v1.xlsx"' in download.headers["content-disposition"]
    again = checklist_of(read_xlsform(download.content, filename="mini-v1.xlsx"))
    assert content_hash(again) == content_hash(parse_checklist(MINI))
    assert "format=xlsx" in client.get("/admin/checklists/mini").text


def test_what_is_left_out_is_shown_by_row_before_anything_is_stored(client, db, world):
    login(client, "admin", "admin-pass")
    response = _post(
        client, files={"file": ("kiosk.xlsx", WITH_LEFTOVERS, "application/octet-stream")}
    )
    assert response.status_code == 200
    page = response.text
    assert "What the checklist leaves out" in page
    assert re.search(r"<td class=\"num\">4</td><td><code>staff</code></td><td>a repeat", page)
    assert re.search(r"<td class=\"num\">8</td><td><code>total</code></td><td>calculate", page)
    assert (
        "kiosk.xlsx reads as the checklist kiosk: 1 section, 2 questions. Nothing is stored yet."
        in page
    )
    assert _versions(db) == []
    assert 'href="/admin/checklists">Cancel</a>' in page
    # storing the rest posts the kept file back, with the CSRF token of the page
    kept = _hidden(page, "kept")
    refused = client.post(
        "/admin/checklists", data={"kept": kept, "kept_name": "kiosk.xlsx", "store_rest": "1"}
    )
    assert refused.status_code == 403 and _versions(db) == []
    stored = client.post(
        "/admin/checklists",
        data={
            "csrf_token": _hidden(page, "csrf_token"),
            "kept": kept,
            "kept_name": _hidden(page, "kept_name"),
            "store_rest": "1",
        },
    )
    assert stored.status_code == 303
    assert stored.headers["location"] == "/admin/checklists/kiosk/1"
    (version,) = _versions(db)
    items = [i["id"] for s in version.document["sections"] for i in s["items"]]
    assert items == ["greet", "smile"]
    assert "2 parts of the form were left out." in client.get(stored.headers["location"]).text


def test_cancel_stores_nothing(client, db, world):
    login(client, "admin", "admin-pass")
    page = _post(client, files={"file": ("kiosk.xlsx", WITH_LEFTOVERS, "application/octet-stream")})
    assert page.status_code == 200
    assert client.get("/admin/checklists").status_code == 200  # the Cancel link
    assert _versions(db) == []


def test_an_invalid_xlsform_is_kept_for_the_next_try(client, db, world):
    login(client, "admin", "admin-pass")
    broken = xlsx(
        [
            ["type", "name", "label", "better", "target", "limit"],
            ["begin group", "s", "S"],
            ["integer", "wait", "Wait", "lower", 30, 10],
            ["end group"],
        ],
        YES_NO,
        SETTINGS,
    )
    first = _post(client, files={"file": ("kiosk.xlsx", broken, "application/octet-stream")})
    assert first.status_code == 422
    assert "survey row 3: sections[0].items[0] (wait).limit" in first.text
    assert "File kiosk.xlsx kept — fix and resubmit, or choose another file." in first.text
    # resubmitted without choosing a file: the kept one is read again
    again = _post(client, kept=_hidden(first.text, "kept"), kept_name="kiosk.xlsx")
    assert again.status_code == 422 and "File kiosk.xlsx kept" in again.text
    # another file chosen: that one counts
    fixed = xlsform_bytes(parse_checklist(MINI))
    chosen = _post(
        client,
        kept=_hidden(first.text, "kept"),
        kept_name="kiosk.xlsx",
        files={"file": ("mini.xlsx", fixed, "application/octet-stream")},
    )
    assert chosen.status_code == 303 and [v.content_hash for v in _versions(db)] == [
        content_hash(parse_checklist(MINI))
    ]


def test_an_invalid_yaml_file_is_kept_in_the_text_box_for_fixing(client, db, world):
    login(client, "admin", "admin-pass")
    broken = MINI.replace("target: 30", "target: -5")
    first = _post(client, files={"file": ("mini.yaml", broken.encode(), "application/yaml")})
    assert first.status_code == 422
    assert (
        "File mini.yaml kept below — fix it there and resubmit, or choose another file."
        in first.text
    )
    assert "target: -5" in first.text
    assert _hidden(first.text, "kept_name") == "mini.yaml"
    fixed = _post(client, text=broken.replace("target: -5", "target: 30"), kept_name="mini.yaml")
    assert fixed.status_code == 303 and len(_versions(db)) == 1


def test_the_report_page_in_chinese(client, db, world):
    login(client, "admin", "admin-pass")
    client.post("/language", data={"language": "zh_CN", "csrf_token": csrf_of(client)})
    page = _post(client, files={"file": ("kiosk.xlsx", WITH_LEFTOVERS, "application/octet-stream")})
    assert page.status_code == 200
    assert "存储其余部分" in page.text and "What the checklist leaves out" not in page.text
    assert "无法转入重复组（repeat）" in page.text  # the core's messages too


def test_only_hq_downloads_or_stores_an_xlsform(client, db, world):
    login(client, "admin", "admin-pass")
    _post(client, files={"file": ("mini.xlsx", xlsform_bytes(parse_checklist(MINI)), "x")})
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    login(client, "manager", "manager-pass")
    assert client.get("/admin/checklists/mini/1/download?format=xlsx").status_code == 404
    token = csrf_of(client, "/")
    kept = base64.b64encode(WITH_LEFTOVERS).decode()
    refused = client.post(
        "/admin/checklists",
        data={"csrf_token": token, "kept": kept, "kept_name": "kiosk.xlsx", "store_rest": "1"},
    )
    assert refused.status_code == 404
    assert [v.document["code"] for v in _versions(db)] == ["mini"]


def test_a_kept_file_larger_than_a_form_field_usually_takes_comes_back(client, db, world):
    login(client, "admin", "admin-pass")
    big = base64.b64encode(b"x" * (1536 * 1024)).decode()  # 2 MB of text: over 1 MB
    response = _post(client, kept=big, kept_name="big.xlsx")
    assert response.status_code == 422
    assert "big.xlsx: not a form this reader takes" in response.text


def test_text_pasted_after_a_kept_xlsform_is_what_counts(client, db, world):
    login(client, "admin", "admin-pass")
    kept = base64.b64encode(WITH_LEFTOVERS).decode()
    response = _post(client, kept=kept, kept_name="kiosk.xlsx", text=MINI)
    assert (
        response.status_code == 303 and response.headers["location"] == "/admin/checklists/mini/1"
    )


def test_row_numbers_count_the_empty_rows_of_the_sheet():
    data = xlsx(
        [
            ["type", "name", "label"],
            ["begin group", "s", "S"],
            [],
            ["select_one yes_no", "a", "A"],
            [None, None, None],
            ["calculate", "c", None],
            ["end group"],
        ],
        YES_NO,
        SETTINGS,
    )
    conversion = read_xlsform(data, filename="k.xlsx")
    assert [(p.row, p.name) for p in conversion.problems] == [(6, "c")]
    assert conversion.rows == {"sections[0]": 2, "sections[0].items[0]": 4}


def test_a_hand_made_bilingual_form_as_an_agency_writes_it():
    en, fr = "label::English (en)", "label::French (fr)"
    data = xlsx(
        [
            [
                "type",
                "name",
                en,
                fr,
                "hint::English (en)",
                "required",
                "relevant",
                "constraint",
                "points",
                "kano",
                "hint::French (fr)",
            ],
            ["start", "start"],
            ["deviceid", "device"],
            ["select_one kind", "variant", "Kind of visit", "Type de visite", None, "yes"],
            ["begin group", "accueil", "Welcome", "Accueil", None, None, None, None, None, None],
            ["note", "intro", "Read the brief", "Lisez le brief"],
            [
                "select_one yes_no",
                "greet",
                "Greeted",
                "Salué",
                "Within 30 s",
                "yes",
                None,
                None,
                2,
                "must",
                "En 30 s",
            ],
            [
                "integer",
                "staff",
                "Staff on the floor",
                "Personnel",
                None,
                "yes",
                None,
                ". >= 0 and . <= 50",
            ],
            ["select_multiple extras", "extras", "Extras offered", "Extras"],
            ["select_one offer or_other", "offer2", "Offer", "Offre"],
            ["begin group", "desk", "At the desk", "Au guichet", None, None, "${variant} = 'call'"],
            [
                "select_one sat",
                "sat",
                "Satisfaction",
                "Satisfaction",
                None,
                "yes",
                "${greet} = 'yes'",
            ],
            ["end group"],
            ["end group"],
        ],
        [
            ["list_name", "name", en, fr],
            ["yes_no", "yes", "Yes", "Oui"],
            ["yes_no", "no", "No", "Non"],
            ["kind", "walk_in", "Walk-in", "Visite"],
            ["kind", "call", "Call", "Appel"],
            ["extras", "bag", "Bag", "Sac"],
            ["offer", "a", "A", "A"],
            *[["sat", str(n), str(n), str(n)] for n in range(1, 6)],
        ],
        [["form_id", "form_title", "default_language"], ["agence", "Agency visit", "French (fr)"]],
    )
    conversion = read_xlsform(data, filename="agence.xlsx")
    assert [(p.row, p.name) for p in conversion.problems] == [
        (2, "start"),
        (3, "device"),
        (6, "intro"),
        (9, "extras"),
        (10, "offer2"),
    ]
    checklist = checklist_of(conversion)
    assert checklist.languages == ("fr", "en")
    assert checklist.variant_ids == ("walk_in", "call")
    greet, staff, sat = checklist.all_items()
    assert (greet.kind, greet.points, greet.kano, greet.help) == (
        "check",
        2,
        "must",
        {"en": "Within 30 s", "fr": "En 30 s"},
    )
    assert (staff.kind, staff.integer, staff.max, staff.scored) == ("measure", True, 50, False)
    assert (sat.kind, sat.scale, sat.group) == (
        "rating",
        5,
        {"en": "At the desk", "fr": "Au guichet"},
    )
    assert condition_to_dict(sat.when) == {
        "all": [{"variant": ["call"]}, {"item": "greet", "in": ["yes"]}]
    }


XLS_EXAMPLE = ROOT / "tests/fixtures/service-centre.xls"


def test_an_excel_97_workbook_reads_as_the_same_checklist():
    """The docs' example saved as .xls (Excel 97-2003, read by pyxform through xlrd; the
    file was written from the .xlsx with xlwt) gives the same checklist."""
    from_xls = checklist_of(read_xlsform(XLS_EXAMPLE.read_bytes(), filename=XLS_EXAMPLE.name))
    from_xlsx = checklist_of(read_xlsform(EXAMPLE.read_bytes(), filename=EXAMPLE.name))
    assert content_hash(from_xls) == content_hash(from_xlsx)
    assert len(from_xls.languages) == 2 and from_xls.variants


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read():
    """A 60 MB part that packs to kilobytes, added to a real form: refused by its size."""
    import zipfile

    packed = BytesIO(EXAMPLE.read_bytes())
    with (
        zipfile.ZipFile(packed, "a", compression=zipfile.ZIP_DEFLATED) as book,
        book.open("xl/media/padding.bin", "w", force_zip64=True) as part,
    ):
        for _ in range(60):
            part.write(bytes(1024 * 1024))
    data = packed.getvalue()
    assert len(data) < 2 * 1024 * 1024  # small on the wire
    with pytest.raises(DocumentError) as caught:
        read_xlsform(data, filename="bomb.xlsx")
    assert caught.value.errors == [
        "bomb.xlsx: its sheets unpack to 60 MB, more than a form takes (at most 50 MB)"
    ]


def test_a_broken_workbook_is_refused_by_name():
    with pytest.raises(DocumentError) as caught:
        read_xlsform(EXAMPLE.read_bytes()[:3000], filename="cut.xlsx")
    assert caught.value.errors[0].startswith("cut.xlsx: not a form this reader takes")


def test_a_survey_of_more_rows_than_a_checklist_takes_is_refused_by_its_count():
    """5,001 rows: no visit has that many standards, and the request stays short."""
    survey = [["type", "name", "label"]]
    survey += [["integer", f"q{n}", f"Question {n}"] for n in range(5001)]
    with pytest.raises(DocumentError) as caught:
        read_xlsform(xlsx(survey), filename="census.xlsx")
    assert caught.value.errors == [
        "census.xlsx: the survey sheet has 5001 rows, more than a checklist takes (at most 5000)"
    ]
