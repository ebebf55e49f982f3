"""Messages over a unix socket pair and UDP loopback, for tests/fastpath_verdicts.rs.

`socket_messages.py plain N`: N rounds of sendmsg, select, recvmsg (with a source address
over UDP), setsockopt and ppoll-like waits, printing what was received; the socket pair's
other end echoes in a child process.
`socket_messages.py fds N`: N rounds passing a pipe's fd with SCM_RIGHTS, reading through it."""
import os
import select
import socket
import sys

mode, rounds = sys.argv[1], int(sys.argv[2])
a, b = socket.socketpair()
if mode == "plain":
    # The pair's other end is in a child that sends each message back: a channel to another
    # process. (Writes to a channel a process holds both ends of stay in lock-step.)
    child = os.fork()
    if child == 0:
        a.close()
        while True:
            data = b.recv(64)
            if not data:
                os._exit(0)
            b.sendall(data)
    b.close()
    u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u1.bind(("127.0.0.1", 0))
    u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(rounds):
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536 + i)
        a.sendmsg([b"round ", str(i).encode(), b"\n"])
        ready, _, _ = select.select([a], [], [], 5.0)
        data, anc, flags, _ = a.recvmsg(64)
        print(len(ready), data.decode(), end="")
        u2.sendmsg([b"datagram ", str(i).encode()], [], 0, u1.getsockname())
        data, anc, flags, addr = u1.recvmsg(8)
        print(data, bool(flags & socket.MSG_TRUNC), addr[0], anc)
    a.close()
    os.waitpid(child, 0)
elif mode == "fds":
    for i in range(rounds):
        r, w = os.pipe()
        os.write(w, b"through fd %d\n" % i)
        os.close(w)
        socket.send_fds(a, [b"fd"], [r])
        os.close(r)
        data, fds, flags, _ = socket.recv_fds(b, 16, 1)
        print(data, len(fds), os.read(fds[0], 64).decode(), end="")
        os.close(fds[0])
