"""Drives `mvx run -n 2 -- bash -i` on a pseudo-terminal as a person would: starts a job,
stops it with Ctrl-Z, lists it, resumes it in the background, brings it back with fg, ends
it with Ctrl-C, and exits. Prints everything the terminal showed, then the exit status.
Usage: job_control.py MVX"""
import os, pty, sys, time, select
mvx = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(mvx, [mvx, "run", "-n", "2", "--", "bash", "--norc", "--noprofile", "-i"])
out = b""
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
def send(s, t=1.0):
    os.write(fd, s)
    pump(t)
pump(1.5)
send(b"PS1='$ '\n")
send(b"sleep 30\n", 1.0)
send(b"\x1a", 1.5)
send(b"jobs\n")
send(b"bg\n")
send(b"jobs\n")
send(b"fg\n")
send(b"\x03", 1.5)
send(b"echo after $?\n")
send(b"exit\n", 2.0)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("\nSTATUS", os.waitstatus_to_exitcode(status))
