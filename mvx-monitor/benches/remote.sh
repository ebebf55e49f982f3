#!/usr/bin/env bash
# Distributed followers, measured: lighttpd under `mvx run --remote` with its follower variant
# on another "host" (a network namespace joined to the leader's by a veth pair, as in
# tests/remote.rs), each dMVX technique on and off, against native and the local two-variant
# mode (`mvx bench --only remote`). Run as root from the repository:
#
#   bash mvx-monitor/benches/remote.sh [--quick]
#
# Twice: with the link as it is (veth, ~0.05 ms), and with 1 ms added in each direction. The
# delay is netem's where the kernel has it (CONFIG_NET_SCH_NETEM); otherwise a relay on the
# leader's host holds every chunk 1 ms each way (this machine's kernel has no netem).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ "$(id -u)" -eq 0 ] || { echo "remote.sh: needs root (network namespaces)" >&2; exit 1; }
command -v lighttpd >/dev/null || { echo "remote.sh: needs lighttpd (apt-get install lighttpd)" >&2; exit 1; }

cargo build --release -q -p mvx-monitor
make -s -C examples
MVX="$PWD/target/release/mvx"
TAG="b$$"
L="mvx-bench-lead-$TAG" F="mvx-bench-foll-$TAG"
PKI="$(mktemp -d)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    ip netns del "$L" 2>/dev/null || true
    ip netns del "$F" 2>/dev/null || true
    rm -rf "$PKI"
}
trap cleanup EXIT

ip netns add "$L"; ip netns add "$F"
ip link add "l$TAG" type veth peer name "f$TAG"
ip link set "l$TAG" netns "$L"; ip link set "f$TAG" netns "$F"
ip -n "$L" addr add 10.213.0.1/24 dev "l$TAG"; ip -n "$F" addr add 10.213.0.2/24 dev "f$TAG"
for ns in "$L" "$F"; do ip -n "$ns" link set lo up; done
ip -n "$L" link set "l$TAG" up; ip -n "$F" link set "f$TAG" up

# A CA, and a certificate for each end (the follower's names both addresses it is dialled at).
(
    cd "$PKI"
    key="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    openssl req -x509 $key -keyout ca.key -out ca.pem -days 2 -subj /CN=mvx-bench-ca 2>/dev/null
    for who in follower leader; do
        openssl req $key -keyout $who.key -out $who.csr -subj /CN=$who 2>/dev/null
        printf 'subjectAltName=IP:10.213.0.2,IP:127.0.0.1,IP:10.213.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > $who.ext
        openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem \
            -days 2 -extfile $who.ext 2>/dev/null
    done
)
id_of() { echo "--cert $PKI/$1.pem --key $PKI/$1.key --peer-ca $PKI/ca.pem"; }

ip netns exec "$F" "$MVX" follower --listen 10.213.0.2:7000 $(id_of follower) > /dev/null &
PIDS+=($!)
sleep 0.5

echo "=== follower host over veth, no added delay"
ip netns exec "$L" "$MVX" bench --only remote --remote 10.213.0.2:7000 $(id_of leader) "$@"

echo "=== 1 ms added in each direction"
if ip netns exec "$F" tc qdisc add dev "f$TAG" root netem delay 1ms 2>/dev/null; then
    ip netns exec "$L" tc qdisc add dev "l$TAG" root netem delay 1ms
    TARGET=10.213.0.2:7000
    echo "(netem)"
else
    # A relay in the leader's namespace: every chunk either way is passed on 1 ms after it
    # arrived (order kept, pipelined, as a delaying link does).
    ip netns exec "$L" /usr/bin/python3 - 127.0.0.1 7100 10.213.0.2 7000 0.001 <<'EOF' &
import asyncio, socket, sys
listen_host, listen_port, to_host, to_port, delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
async def pipe(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    async def pump():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()
    task = asyncio.ensure_future(pump())
    while True:
        data = await reader.read(65536)
        await queue.put((loop.time() + delay, data))
        if not data:
            break
    await task
async def serve(r, w):
    tr, tw = await asyncio.open_connection(to_host, to_port)
    # No Nagle: a small message must not wait for the previous one's acknowledgement.
    for s in (w, tw):
        s.get_extra_info('socket').setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.gather(pipe(r, tw), pipe(tr, w), return_exceptions=True)
async def main():
    server = await asyncio.start_server(serve, listen_host, listen_port)
    async with server:
        await server.serve_forever()
asyncio.run(main())
EOF
    PIDS+=($!)
    sleep 0.5
    TARGET=127.0.0.1:7100
    echo "(no netem on this kernel: a relay holds every chunk 1 ms each way)"
fi
ip netns exec "$L" "$MVX" bench --only remote --remote "$TARGET" $(id_of leader) "$@"
