#!/usr/bin/python3
"""Client for examples/c/epoll-server.c (standard library only).

    epoll-client.py PORT COUNT [--threads T] [--per-conn K] [--timeout SECS]

Sends COUNT requests "GET <n>" to 127.0.0.1:PORT and checks every answer "<2n>".
T threads run at once (concurrent connections); each opens a new connection for every
K requests (many sequential connections). Prints "ok COUNT" and exits 0, or prints what
went wrong and exits 1. Every socket has a timeout and the whole run is bounded by
--timeout, so the client never hangs.
"""
import argparse
import os
import queue
import socket
import sys
import threading
import time


def request_value(i):
    return i * 7 + 3


def serve_chunk(port, numbers, sock_timeout):
    with socket.create_connection(("127.0.0.1", port), timeout=sock_timeout) as sock:
        sock.settimeout(sock_timeout)
        pending = b""
        for n in numbers:
            sock.sendall(b"GET %d\n" % n)
            while b"\n" not in pending:
                data = sock.recv(4096)
                if not data:
                    raise RuntimeError("connection closed before the answer to GET %d" % n)
                pending += data
            line, pending = pending.split(b"\n", 1)
            if line != b"%d" % (2 * n):
                raise RuntimeError("GET %d answered %r, expected %d" % (n, line, 2 * n))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--per-conn", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    chunks = queue.Queue()
    values = [request_value(i) for i in range(args.count)]
    for start in range(0, len(values), args.per_conn):
        chunks.put(values[start:start + args.per_conn])

    errors = []
    done = [0]
    lock = threading.Lock()
    sock_timeout = min(10.0, args.timeout)

    def worker():
        while not errors:
            try:
                chunk = chunks.get_nowait()
            except queue.Empty:
                return
            try:
                serve_chunk(args.port, chunk, sock_timeout)
            except Exception as e:  # noqa: BLE001 - report anything
                with lock:
                    errors.append("%s: %s" % (type(e).__name__, e))
                return
            with lock:
                done[0] += len(chunk)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + args.timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        print("timed out after %.0f s with %d of %d requests answered"
              % (args.timeout, done[0], args.count), flush=True)
        os._exit(1)
    if errors:
        print("failed after %d of %d requests: %s" % (done[0], args.count, errors[0]), flush=True)
        return 1
    if done[0] != args.count:
        print("only %d of %d requests answered" % (done[0], args.count), flush=True)
        return 1
    print("ok %d" % args.count, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
