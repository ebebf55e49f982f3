#!/usr/bin/env bash
# A short demo of mvx on real programs: bash examples/demo.sh (from anywhere).
# Builds mvx and the C examples, then runs each step under mvx and shows the result.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# What the demo needs: a Rust toolchain, and the Debian packages of scripts/deps.sh. As root it
# installs them, with those of the test suite (so that `cargo test --workspace` works next);
# otherwise it names the missing ones in one line and stops.
if [ -d "${HOME:-/root}/.cargo/bin" ]; then
    export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "mvx: cargo is missing: install a Rust toolchain (rustup, or: sudo apt-get install cargo)" >&2
    exit 1
fi
bash scripts/deps.sh demo
if [ "$(id -u)" -eq 0 ]; then
    bash scripts/deps.sh --no-update tests
elif ! bash scripts/deps.sh --check tests 2>/dev/null; then
    echo "mvx: note: the test suite needs more packages: sudo bash scripts/deps.sh tests" >&2
fi

MVX="${CARGO_TARGET_DIR:-target}/release/mvx"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Build mvx and its preload library (release) and the C examples in examples/bin"
show cargo build --release -q -p mvx-monitor -p mvx-preload
show make -s -C examples

step "Three variants of echo in lock-step; the leader writes, so 'hello' appears once"
show "$MVX" run -n 3 -- /bin/echo hello

step "A real program: ls -la / under two variants (first 8 lines)"
printf '$ %s run -n 2 -- ls -la / | head -n 8\n' "$MVX"
listing=$("$MVX" run -n 2 -- ls -la /)
printf '%s\n' "$listing" | head -n 8

step "Randomness: only the leader reads /dev/urandom, the followers get the same bytes"
show "$MVX" run -n 2 -- od -An -N 8 -tx8 /dev/urandom

if command -v openssl >/dev/null; then
    step "OpenSSL mixes addresses into its random bytes; mvx's wrappers give followers the leader's"
    show "$MVX" run -n 3 -- openssl rand -hex 16
fi

step "gzip round trip under mvx"
seq 1 20000 > "$tmp/numbers.txt"
printf '$ %s run -n 2 -- gzip -n -c numbers.txt > numbers.txt.gz\n' "$MVX"
"$MVX" run -n 2 -- gzip -n -c "$tmp/numbers.txt" > "$tmp/numbers.txt.gz"
printf '$ %s run -n 2 -- gzip -d -c numbers.txt.gz | cmp - numbers.txt\n' "$MVX"
"$MVX" run -n 2 -- gzip -d -c "$tmp/numbers.txt.gz" | cmp - "$tmp/numbers.txt"
echo "round trip OK: $(wc -c < "$tmp/numbers.txt") bytes -> $(wc -c < "$tmp/numbers.txt.gz") bytes -> identical"

step "Processes and pipes: a bash loop with pipelines and a subshell, three variants"
show "$MVX" run -n 3 -- bash -c 'for i in 1 2 3; do echo "line $i" | tr a-z A-Z; done; (exit 0)'

step "Threads: 8 threads each writing its own file, three variants"
show "$MVX" run -n 3 -- examples/bin/threads8 "$tmp"
echo "files: $(ls "$tmp"/t*.txt | wc -l), lines: $(cat "$tmp"/t*.txt | wc -l)"

step "Signals: a 1 ms timer interrupting a CPU-bound loop, delivered to both variants in step"
printf '$ %s run -n 2 --stats -- examples/bin/timer 100000000 | sort | uniq -c\n' "$MVX"
"$MVX" run -n 2 --stats -- examples/bin/timer 100000000 | sort | uniq -c

step "Divergence: diverge-a and diverge-b write different text; mvx stops both before the write"
status=0
show "$MVX" run --report "$tmp/report.json" \
    --variant examples/bin/diverge-a --variant examples/bin/diverge-b 2>&1 || status=$?
echo "exit status: $status (86 means divergence)"
echo "the report, in short (the whole JSON also holds each variant's last 32 syscalls):"
/usr/bin/python3 - "$tmp/report.json" <<'PY' || cat "$tmp/report.json"
import json, sys
report = json.load(open(sys.argv[1]))
d = report["divergence"]
print(f'  outcome={report["outcome"]} exit_status={report["exit_status"]} '
      f'kind={d["kind"]} syscall={d["syscall"]}')
for v in d["variants"]:
    what = v["syscall"]["text"] if v.get("syscall") else v.get("status")
    print(f'  variant {v["index"]}: {what}')
PY
if [ "$status" -ne 86 ]; then
    echo "demo: expected exit status 86 for the divergence, got $status" >&2
    exit 1
fi

step "A follower on another host: here a second mvx on loopback (--insecure; between hosts, mutual TLS with --cert/--key/--peer-ca)"
"$MVX" follower --listen 127.0.0.1:0 --insecure > "$tmp/follower.out" 2>&1 &
follower_pid=$!
follower_addr=""
for _ in $(seq 100); do
    follower_addr=$(sed -n 's/^mvx follower: listening on //p' "$tmp/follower.out" | head -n 1)
    [ -n "$follower_addr" ] && break
    sleep 0.1
done
if [ -z "$follower_addr" ]; then echo "demo: mvx follower did not start" >&2; cat "$tmp/follower.out" >&2; exit 1; fi
show "$MVX" run --remote "$follower_addr" --insecure -- bash -c 'echo "leader here, a follower at the other end"; ls / | wc -l'
kill "$follower_pid" 2>/dev/null || true
wait "$follower_pid" 2>/dev/null || true

# Starts a server in the background (its stdout in $1.out), waits for its "port N" line.
serve() {
    local log=$1; shift
    "$@" > "$log.out" 2> "$log.err" &
    server_pid=$!
    for _ in $(seq 100); do
        port=$(sed -n 's/^port //p' "$log.out" 2>/dev/null | head -n 1)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "demo: the server did not start" >&2
    cat "$log.err" >&2
    exit 1
}

step "An exploit, natively: a stack buffer overflow in examples/vuln/vuln-stack.c returns into a function that runs a shell command (touch MARKER)"
serve "$tmp/native" examples/bin/vuln-stack 0 "$tmp/pwned-native"
show /usr/bin/python3 examples/vuln/exploit.py stack --port "$port" --binary examples/bin/vuln-stack
wait "$server_pid" 2>/dev/null || true
if [ -e "$tmp/pwned-native" ]; then echo "marker file created: the exploit works natively"; else echo "demo: the native exploit failed" >&2; exit 1; fi

if [ -x examples/bin/vuln-stack-mvx.v1 ]; then
    step "The same exploit against the server under mvx: two variants built by mvx-cc (v0 with a stack protector, v1 at another address), aimed at v1"
    serve "$tmp/mvx" "$MVX" run --report "$tmp/vuln.json" \
        --variant examples/bin/vuln-stack-mvx.v0 --variant examples/bin/vuln-stack-mvx.v1 -- 0 "$tmp/pwned-mvx"
    printf '$ %s run --variant vuln-stack-mvx.v0 --variant vuln-stack-mvx.v1 -- 0 MARKER   (in the background)\n' "$MVX"
    show /usr/bin/python3 examples/vuln/exploit.py stack --port "$port" --binary examples/bin/vuln-stack-mvx.v1
    status=0
    wait "$server_pid" || status=$?
    cat "$tmp/mvx.err"
    echo "mvx exit status: $status (86: divergence, every variant killed)"
    if [ -e "$tmp/pwned-mvx" ]; then echo "demo: the exploit ran under mvx" >&2; exit 1; fi
    echo "no marker file: the exploit's command never ran"
    if [ "$status" -ne 86 ]; then echo "demo: expected 86" >&2; exit 1; fi
else
    echo "(no clang-19: the diversified variants of the vulnerable servers were not built)"
fi

step "Demo finished"
