"""The `shopmirror` command: serve, migrate, demo data, first admin, checklists, scoring.

`score` works offline with no database: it imports only the pure scoring core.
Exit status 2 means the input was invalid; the errors name the path on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_INVALID = 2


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(_fail(f"{path}: {exc.strerror}")) from None
    except UnicodeDecodeError:
        raise SystemExit(_fail(f"{path}: not UTF-8 text")) from None


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_INVALID


def cmd_score(args: argparse.Namespace) -> int:
    from app.scoring import DocumentError, parse_checklist, parse_visit, score_visit

    try:
        checklist = parse_checklist(_read(args.checklist))
    except DocumentError as exc:
        return _fail("\n".join(f"{args.checklist}: {e}" for e in exc.errors))
    try:
        visit = parse_visit(_read(args.visit), checklist)
    except DocumentError as exc:
        return _fail("\n".join(f"{args.visit}: {e}" for e in exc.errors))
    answers = {item_id: answer.value for item_id, answer in visit.answers.items()}
    result = score_visit(checklist, answers, visit.variant)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SystemExit(_fail(f"{path}: {exc.strerror}")) from None


def cmd_import_checklist(args: argparse.Namespace) -> int:
    """A YAML/JSON checklist, or an XLSForm by its extension: what an XLSForm leaves out
    is printed first, and stored only with ``--yes``."""
    from app.db import session_scope
    from app.services.checklist_upload import Upload, upload_checklist

    upload = Upload(Path(args.file).name, _read_bytes(args.file))
    with session_scope() as db:
        outcome = upload_checklist(db, upload=upload, user=None, store_rest=args.yes)
        for problem in outcome.problems:
            print(f"{args.file}: left out: {problem}", file=sys.stderr)
        if outcome.errors:
            return _fail("\n".join(f"{args.file}: {e}" for e in outcome.errors))
        if outcome.version is None:
            count = len(outcome.problems)
            return _fail(
                f"{args.file}: nothing stored; {count} part(s) of the form cannot be carried "
                "(listed above): run again with --yes to store the rest"
            )
        version = outcome.version
        code = version.document["code"]
        note = "new version" if outcome.created else "unchanged, existing version"
        print(f"{code} version {version.version} ({note})")
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from app.migrate import upgrade_head

    upgrade_head()
    print("Database is at the latest schema.")
    return 0


def cmd_demo(_args: argparse.Namespace) -> int:
    from app.db import session_scope
    from app.services.demo import DEMO_LOGINS, load_demo
    from app.settings import get_settings

    today = get_settings().shopmirror_today  # the demo's day; the app's clock is SHOPMIRROR_CLOCK's
    with session_scope() as db:
        loaded = load_demo(db, today=today)
    print("Demo data loaded." if loaded else "Demo data already present; nothing changed.")
    if loaded and today:
        print(f"  built for {today.isoformat()} (SHOPMIRROR_TODAY)")
    for login in DEMO_LOGINS:
        print(f"  {login.role:<9} {login.username:<10} password: {login.password}")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from app.db import session_scope
    from app.errors import DomainError
    from app.services.auth import create_user

    password = args.password or getpass.getpass("Password for the new admin: ")
    try:
        with session_scope() as db:
            create_user(
                db,
                username=args.username,
                name=args.name or args.username,
                role="admin",
                password=password,
            )
    except DomainError as exc:
        return _fail(f"{exc.field or 'user'}: {exc.message}")
    print(f"Admin '{args.username}' created.")
    return 0


def cmd_create_token(args: argparse.Namespace) -> int:
    from app.db import session_scope
    from app.errors import DomainError
    from app.services.agency import agency_named, create_token

    try:
        with session_scope() as db:
            agency = agency_named(db, name=args.agency)
            _token, secret = create_token(db, agency=agency, name=args.name)
    except DomainError as exc:
        return _fail(f"{exc.field or 'token'}: {exc.message}")
    print(f"API token for {args.agency} (shown once; only its hash is stored):")
    print(secret)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.settings import get_settings

    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    print(f"ShopMirror is serving on http://{'localhost' if host == '0.0.0.0' else host}:{port}")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        # The app reads X-Forwarded-For itself, from TRUSTED_PROXIES only
        # (app.client_address); uvicorn's own rewrite would trust loopback by default.
        proxy_headers=False,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.worker import run

    return run(threads=args.threads)


def cmd_job(args: argparse.Namespace) -> int:
    """`rescore` and `warm-reports`: queue the job (BROKER_URL), or run it here and wait."""
    from app import queue, tasks
    from app.db import new_session
    from app.errors import DomainError
    from app.i18n import normalize_language
    from app.reports.service import find_wave
    from app.settings import LANGUAGES, get_settings

    language = normalize_language(args.lang) if args.lang else get_settings().default_language
    if language not in LANGUAGES:
        return _fail(f"--lang: must be one of {', '.join(LANGUAGES)}")
    try:
        with new_session() as db:  # the job's row: the reports page follows it too
            wave = find_wave(db, args.wave)
            job = tasks.queue_job(
                db,
                user=None,
                kind=args.job,
                wave=wave,
                language=language,
                start=queue.enabled(),
            )
            db.commit()
            job_args = tasks.arguments(job)
    except DomainError as exc:
        return _fail(f"wave: {exc.message}")
    if queue.enabled():
        print(f"Queued {args.job} of {wave.name} for the workers (job {job.id}).")
        return 0
    result = tasks.perform(args.job, job_args, job_id=job.id)
    if result is None:
        return _fail(f"{args.job} of {wave.name} failed (the log says why)")
    print(f"{args.job} of {wave.name}: {json.dumps(result, ensure_ascii=False)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from app.errors import DomainError
    from app.reports.cli import run

    try:
        return run(args)
    except DomainError as exc:
        return _fail(f"{exc.field + ': ' if exc.field else ''}{exc.message}")


def cmd_backup(args: argparse.Namespace) -> int:
    from app.services.backup import BackupError, backup

    try:
        done = backup(Path(args.directory))
    except BackupError as exc:
        return _fail(exc.message)
    print(f"Backed up the {done.database} database and {done.files - 1} media files")
    print(f"  to {done.directory} ({done.size / 1e6:.1f} MB, checksums in manifest.json)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services.backup import BackupError, restore

    try:
        done = restore(Path(args.directory))
    except BackupError as exc:
        return _fail(exc.message)
    print(f"Restored the {done.database} database and {done.files - 1} media files")
    print(f"  from {done.directory} (every checksum verified first)")
    return 0


def cmd_purge(_args: argparse.Namespace) -> int:
    from app.maintenance import run_purge, run_sweep
    from app.settings import get_settings

    months = get_settings().retention_months
    done = run_purge()
    kept = f"older than {months} months" if months else "none: RETENTION_MONTHS is 0"
    print(f"Visits stripped of photos, GPS, free texts and shopper ({kept}): {done.visits}")
    print(f"  photos deleted: {done.photos}; expired sessions: {done.sessions};")
    print(f"  login counters: {done.throttles}; old login events: {done.login_events}")
    swept = run_sweep()
    print(f"Photo files after killed uploads: {swept}")
    for photo_id in swept.missing:
        print(f"  photo {photo_id}: its file is missing")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopmirror", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    score = commands.add_parser("score", help="score one visit offline (no database)")
    score.add_argument("checklist", metavar="CHECKLIST_FILE")
    score.add_argument("visit", metavar="VISIT_FILE")
    score.set_defaults(func=cmd_score)

    imp = commands.add_parser(
        "import-checklist", help="validate and store a checklist (YAML, JSON or an XLSForm)"
    )
    imp.add_argument("file", metavar="FILE", help=".yaml/.yml/.json, or .xlsx/.xlsm/.xls/.csv")
    imp.add_argument(
        "--yes", action="store_true", help="store an XLSForm even if parts of it are left out"
    )
    imp.set_defaults(func=cmd_import_checklist)

    commands.add_parser("migrate", help="upgrade the database schema").set_defaults(
        func=cmd_migrate
    )
    commands.add_parser("demo", help="load demo data into an empty database").set_defaults(
        func=cmd_demo
    )

    admin = commands.add_parser("create-admin", help="create the first HQ admin account")
    admin.add_argument("username")
    admin.add_argument("--name", default="")
    admin.add_argument("--password", default="", help="prompted for when not given")
    admin.set_defaults(func=cmd_create_admin)

    token = commands.add_parser("create-token", help="an API token for an outside agency")
    token.add_argument("agency", metavar="AGENCY", help="agency name (created if new)")
    token.add_argument("name", metavar="NAME", help="what the token is for")
    token.set_defaults(func=cmd_create_token)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run queued jobs from BROKER_URL's queue")
    worker.add_argument("--threads", type=int, default=1, help="jobs run at once (default 1)")
    worker.set_defaults(func=cmd_worker)

    rescore = commands.add_parser(
        "rescore", help="rescore a wave's visits, then warm its reports (a job with a broker)"
    )
    rescore.add_argument("wave", metavar="WAVE", help="wave name or id")
    rescore.set_defaults(func=cmd_job, job="rescore_wave", lang=None)

    warm = commands.add_parser(
        "warm-reports", help="render a wave's reports into the cache (a job with a broker)"
    )
    warm.add_argument("wave", metavar="WAVE", help="wave name or id")
    warm.add_argument("--lang", default=None, help="en or zh_CN (default: DEFAULT_LANGUAGE)")
    warm.set_defaults(func=cmd_job, job="warm_reports")

    saved = commands.add_parser(
        "backup", help="copy the database, photos and reports into a new directory"
    )
    saved.add_argument("directory", metavar="DIRECTORY", help="new or empty directory")
    saved.set_defaults(func=cmd_backup)

    back = commands.add_parser("restore", help="restore a backup into an empty database")
    back.add_argument("directory", metavar="DIRECTORY", help="a directory `backup` wrote")
    back.set_defaults(func=cmd_restore)

    commands.add_parser(
        "purge",
        help="apply RETENTION_MONTHS now; end expired sessions and old login records;"
        " sweep files of killed uploads",
    ).set_defaults(func=cmd_purge)

    report = commands.add_parser("report", help="PDF audit report of a branch, or all as a ZIP")
    report.add_argument("branch", nargs="?", metavar="BRANCH", help="branch code")
    report.add_argument("wave_ref", nargs="?", metavar="WAVE", help="wave name or id")
    report.add_argument("--wave", help="wave name or id (with --all)")
    report.add_argument("--all", action="store_true", help="every branch of the wave, as a ZIP")
    report.add_argument("--region", help="with --all: only this region's branches (code)")
    report.add_argument("--lang", default=None, help="en or zh_CN (default: DEFAULT_LANGUAGE)")
    report.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    report.add_argument("-o", "--output", help="file to write (.pdf, or .zip with --all)")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.func  # set by each subparser
    try:
        return command(args)
    except Exception as exc:  # a settings error should read as one line, not a traceback
        from app.settings import SettingsError

        if isinstance(exc, SettingsError):
            return _fail(str(exc))
        raise


if __name__ == "__main__":
    sys.exit(main())
