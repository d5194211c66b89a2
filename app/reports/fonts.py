"""Which fonts the PDF reports use, and whether a Chinese-capable one is installed.

Chinese text needs a real CJK font (fonts-noto-cjk): without one WeasyPrint draws
empty boxes. We ask fontconfig once per process (`fc-list :lang=zh`) and say so in
plain words, in the log, on the HQ reports page and on a report's cover, when none is found.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

# Noto Sans CJK also carries Latin glyphs, so English and Chinese reports share one look.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Sans SC")
# Right-to-left checklists (Arabic, Persian, Urdu, Hebrew; fonts-noto-core): after the CJK
# family, before the Latin ones, so Arabic is shaped in Noto even in a text of unknown
# language; report.css picks Naskh for `:lang(ar)` text.
RTL_FAMILIES = ("Noto Naskh Arabic", "Noto Sans Arabic", "Noto Sans Hebrew")
LATIN_FALLBACK = ("DejaVu Sans", "Liberation Sans", "sans-serif")
INSTALL_HINT = "apt-get install fonts-noto-cjk (see .ci/system-packages.sh)"


@dataclass(frozen=True)
class FontStatus:
    """The CJK family found (None when there is none) and every zh-capable family installed."""

    family: str | None
    installed: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.family is not None

    @property
    def font_stack(self) -> str:
        """A CSS font-family value: the CJK family first when present, then the right-to-left
        scripts' and the Latin fallbacks."""
        names = ([self.family] if self.family else []) + list(RTL_FAMILIES + LATIN_FALLBACK)
        return ", ".join(n if n == "sans-serif" else f'"{n}"' for n in names)


def _fc_list_zh() -> tuple[str, ...]:
    """Family names fontconfig reports as covering Chinese (empty without fc-list)."""
    if shutil.which("fc-list") is None:
        return ()
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    families: set[str] = set()
    for line in out.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return tuple(sorted(families))


@lru_cache
def cjk_font() -> FontStatus:
    """The CJK font the reports will use, looked up once per process."""
    installed = _fc_list_zh()
    family = next((name for name in CJK_FAMILIES if name in installed), None)
    if family is None and installed:
        family = installed[0]
    return FontStatus(family=family, installed=installed)
