#!/usr/bin/env bash
# The Debian packages mvx needs, in one place: the demo, CI and the test suite use this list.
#
#   bash scripts/deps.sh [--check] [--no-update] [GROUP...]     (GROUP: build, demo, tests; default tests)
#
# Installs the missing packages with apt-get when run as root (or with sudo where it needs no
# password); otherwise, or with --check, prints one line naming them and exits 1. --no-update
# skips `apt-get update` (for callers that just ran it). Off Debian (no dpkg-query) it only
# says which packages it would want, and exits 0.
set -euo pipefail

# To build mvx, the preload and runtime libraries, the clang plugins and the C examples:
# a C compiler and make, pkg-config, OpenSSL and NSS headers for the library-randomness
# examples, clang-19 and LLVM 19 for the plugins and mvx-cc, lld-19 and the compiler-rt
# runtimes (SafeStack) for mvx-cc's control-flow and max profiles.
DEPS_BUILD="build-essential make pkg-config libssl-dev libnss3-dev clang-19 llvm-19-dev libclang-19-dev lld-19 libclang-rt-19-dev"
# The programs the demo runs: python3 (the report and the exploit), coreutils, gzip, openssl, procps.
DEPS_DEMO="$DEPS_BUILD python3 coreutils gzip openssl procps"
# The end-to-end tests: passwd (useradd) and util-linux (su) for the unprivileged-user test,
# sqlite3, git and tar for the process tests, curl; tests/servers.rs: ab (apache2-utils),
# mini_httpd, redis-server, redis-cli and redis-benchmark (redis-tools), memcached, memcslap
# (libmemcached-tools); tests/remote.rs: ip and tc (iproute2) for the follower hosts' namespaces;
# tests/report.rs: chromium, the headless browser that renders the report page.
DEPS_TESTS="$DEPS_DEMO passwd util-linux sqlite3 git tar curl apache2-utils mini-httpd \
redis-server redis-tools memcached libmemcached-tools iproute2 chromium"

deps_of_group() {
    case "$1" in
        build) echo "$DEPS_BUILD" ;;
        demo) echo "$DEPS_DEMO" ;;
        tests | all) echo "$DEPS_TESTS" ;;
        *) echo "mvx: unknown dependency group '$1' (build, demo, tests)" >&2; return 2 ;;
    esac
}

# The packages of "$@" that dpkg does not list as installed, deduplicated, in order.
missing_packages() {
    local pkg status
    local -A seen=()
    for pkg in "$@"; do
        [ -n "${seen[$pkg]:-}" ] && continue
        seen[$pkg]=1
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        case "$status" in
            *" installed") ;;
            *) printf '%s\n' "$pkg" ;;
        esac
    done
}

# Root runs apt-get itself; otherwise sudo, only if it needs no password (never prompt from a
# script that may run without a terminal).
apt_runner() {
    if [ "$(id -u)" -eq 0 ]; then
        echo ""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "sudo -n"
    else
        return 1
    fi
}

main() {
    local check=0 update=1 groups=() wanted=() missing runner
    while [ $# -gt 0 ]; do
        case "$1" in
            --check) check=1 ;;
            --no-update) update=0 ;;
            -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
            -*) echo "mvx: deps.sh: unknown option $1" >&2; return 2 ;;
            *) groups+=("$1") ;;
        esac
        shift
    done
    [ ${#groups[@]} -eq 0 ] && groups=(tests)
    local g
    for g in "${groups[@]}"; do
        # shellcheck disable=SC2207
        wanted+=($(deps_of_group "$g"))
    done

    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "mvx: not a Debian system, packages not checked; mvx wants the equivalents of: ${wanted[*]}" >&2
        return 0
    fi
    missing=$(missing_packages "${wanted[@]}" | tr '\n' ' ')
    missing=${missing% }
    [ -z "$missing" ] && return 0

    if [ "$check" -eq 0 ] && runner=$(apt_runner); then
        echo "mvx: installing missing packages: $missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        if [ "$update" -eq 1 ]; then
            $runner apt-get update -q >&2
        fi
        # shellcheck disable=SC2086
        $runner apt-get install -y -q --no-install-recommends $missing >&2
        return 0
    fi
    echo "mvx: missing packages: $missing; install them with: sudo apt-get install $missing (or run: sudo bash scripts/deps.sh ${groups[*]})" >&2
    return 1
}

main "$@"
