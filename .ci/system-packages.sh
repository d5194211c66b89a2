#!/usr/bin/env bash
# Install the system packages ShopMirror needs when they are missing:
#   fonts-noto-cjk (Chinese text in PDF reports), fonts-noto-core (Noto Naskh and Noto Sans
#   Arabic, Hebrew: right-to-left checklists on screen and in PDF), poppler-utils (pdftoppm/pdftotext in
#   tests), chromium (end-to-end tests), and WeasyPrint's Pango.
# Without root or sudo it says what is missing; under CI=true that is an error.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# (captured, not piped into `grep -q`: under pipefail fc-list's SIGPIPE would read as missing)
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fonts-noto-cjk)
[ -n "$(fc-list ':family=Noto Naskh Arabic' 2>/dev/null)" ] || missing+=(fonts-noto-core)
[[ "$(ldconfig -p 2>/dev/null)" == *libpango-1.0* ]] || missing+=(libpango-1.0-0 libpangoft2-1.0-0)

[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "Cannot install ${missing[*]}: run as root or with sudo (apt-get install ${missing[*]})." >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
