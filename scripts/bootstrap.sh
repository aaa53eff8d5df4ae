#!/usr/bin/env bash
# Install everything unspin needs on a fresh Debian machine: system packages, then a virtualenv.
# Idempotent: a second run only checks that everything is there.
#   --corpora  also install the Debian documentation used as clean English by
#              scripts/calibrate.py and benchmarks/distractors.py (about 400 MB)
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(mythes-en-us chromium chromium-driver)
if [ "${1:-}" = "--corpora" ]; then
    apt_packages+=(python3.11-doc debian-handbook linux-doc-6.1 perl-doc postgresql-doc-15)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
stamp=.venv/.unspin-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "bootstrap: installing Python packages into .venv" >&2
    log=$(mktemp)
    if ! .venv/bin/pip install -q --disable-pip-version-check -e '.[test,cluster]' >"$log" 2>&1; then
        grep -v "^WARNING: Location" "$log" >&2
        exit 1
    fi
    rm -f "$log"
    touch "$stamp"
fi
