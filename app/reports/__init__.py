"""PDF audit reports: a branch's report for a wave, and HQ's bulk export of every branch.

- `service`: access, cache lookup and rendering of one branch's report (web, CLI, jobs);
- `data` / `visits`: what a report shows, built on the scorecard service (same figures);
- `renderer` / `fetcher` / `fonts`: WeasyPrint with one long-lived renderer per process,
  a URL fetcher that serves only static files and the report's own thumbnails, CJK fonts;
- `cache`: reports kept under a hash of everything they show;
- `jobs` / `export` / `summary`: background ZIP exports driven by a process pool;
- `cli`: the `shopmirror report` subcommand.
"""
