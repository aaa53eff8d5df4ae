#!/usr/bin/env bash
# Install everything unspin needs on a fresh Debian machine: system packages, then a virtualenv.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(wordnet-base wordnet-sense-index mythes-en-us chromium chromium-driver)
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
