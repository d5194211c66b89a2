"""What the Content-Security-Policy (app/main.py APP_CSP) would refuse in a page's markup.

The policy allows scripts and styles from this site's files only; a browser would silently
drop an inline script, a <style> element, a style attribute or an on* handler, and the page
would break on a phone with no one seeing why. The authorization matrix runs this on every
HTML page it gets, for every role, so no template can bring one back.
"""

from __future__ import annotations

from html.parser import HTMLParser

DATA_SCRIPTS = frozenset({"application/json", "application/ld+json"})
OWN_POLICY = ("/docs", "/redoc")  # Swagger UI and ReDoc: a policy of their own


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") not in DATA_SCRIPTS:
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> at line {self.getpos()[0]}")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> at line {self.getpos()[0]}")


def csp_problems(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    return finder.problems
