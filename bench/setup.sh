#!/usr/bin/env bash
# Install the benchmark's peers and tools, idempotently: a private venv (bench/.venv) and two Debian packages.
#   bench/.venv: oxigraph (the Rust server, from PyPI), rdflib-endpoint + uvicorn, matplotlib, psutil, py-spy,
#                and the project itself (editable, for the corpus generator and the loader).
#   Debian: wrk (the load generator) and virtuoso-opensource (Virtuoso 7), installed only when missing.
# Nothing here touches the project's own venv (.venv).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.bench-installed"
REQS="$HERE/requirements.txt"

log() { printf '[bench setup] %s\n' "$*"; }

# --- Debian packages ------------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource)
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        log "missing Debian packages: ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
        exit 1
    fi
    log "installing Debian packages: ${missing[*]}"
    apt-get update -q
    # The virtuoso package would start a system-wide instance (ports 1111/8890); the benchmark runs its own
    # private instance, so service starts are refused for the duration of the install.
    created_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
    ((created_policy)) && rm -f /usr/sbin/policy-rc.d
    if [[ ${status:-0} -ne 0 ]]; then
        log "apt-get install failed (exit ${status}); the runner reports the peers that are missing"
    fi
else
    log "Debian packages present: wrk, virtuoso-opensource"
fi

# --- the benchmark venv ---------------------------------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if [[ ! -f "$STAMP" || "$REQS" -nt "$STAMP" || "$ROOT/pyproject.toml" -nt "$STAMP" ]]; then
    log "installing the benchmark's Python packages into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r "$REQS"
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT"
    touch "$STAMP"
else
    log "Python packages up to date in $VENV"
fi
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("oxigraph", "pyoxigraph", "rdflib-endpoint", "rdflib", "uvicorn", "matplotlib", "psutil", "py-spy"):
    try:
        print(f"[bench setup]   {name} {md.version(name)}")
    except md.PackageNotFoundError:
        print(f"[bench setup]   {name} MISSING")
PY
