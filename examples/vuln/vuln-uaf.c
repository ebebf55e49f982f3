/* vuln-uaf: a session server with a use-after-free.
 * Protocol: one command per line.
 *   login NAME   -> "welcome NAME\n"; allocates the session (the user name and the function
 *                   that answers `whoami`)
 *   whoami       -> "you are NAME\n", through the session's handler
 *   logout       -> "bye\n"; frees the session
 *   note LEN     -> followed by LEN raw bytes (at most 32): stores a note on the heap,
 *                   answers "noted LEN\n"
 *   quit         -> closes the connection
 * Bug: `logout` frees the session but keeps the pointer, and `whoami` still calls through it.
 * A note has the size of a session, so the allocator hands the freed session's memory to the
 * next note: its bytes become the session's fields. The exploit logs in, logs out, stores a
 * note whose last 8 bytes are the address of run_maintenance, then asks `whoami`. */
#include "common.h"

#define NAME_MAX_LEN 24

struct session {
	char name[NAME_MAX_LEN];
	void (*whoami)(int fd, const struct session *s);
};

/* A note is exactly as large as a session, so that it reuses a freed one. */
#define NOTE_SIZE sizeof(struct session)

__attribute__((noinline)) static void say_name(int fd, const struct session *s)
{
	send_str(fd, "you are ");
	send_str(fd, s->name);
	send_str(fd, "\n");
}

static void handle(int fd)
{
	struct session *session = NULL;
	char *notes[8] = {0};
	size_t note_count = 0;
	char line[128];
	ssize_t n;
	while ((n = read_line(fd, line, sizeof line)) >= 0) {
		if (n > 6 && memcmp(line, "login ", 6) == 0) {
			session = malloc(sizeof *session);
			snprintf(session->name, sizeof session->name, "%s", line + 6);
			session->whoami = say_name;
			send_str(fd, "welcome ");
			send_str(fd, session->name);
			send_str(fd, "\n");
		} else if (strcmp(line, "whoami") == 0) {
			if (session)
				session->whoami(fd, session); /* BUG: session may have been freed */
			else
				send_str(fd, "nobody\n");
		} else if (strcmp(line, "logout") == 0) {
			free(session); /* BUG: the dangling pointer is kept */
			send_str(fd, "bye\n");
		} else if (n > 5 && memcmp(line, "note ", 5) == 0) {
			size_t len = (size_t)atoi(line + 5);
			if (len > NOTE_SIZE || note_count == sizeof notes / sizeof notes[0]) {
				send_str(fd, "note too long\n");
				continue;
			}
			/* A plain malloc (zeroing after the read, so that the compiler does not
			 * make it a calloc): glibc's per-thread cache hands the freed session
			 * straight back. */
			char *note = malloc(NOTE_SIZE);
			if (read_exactly(fd, note, len) != 0)
				break;
			memset(note + len, 0, NOTE_SIZE - len);
			notes[note_count++] = note;
			char answer[32];
			snprintf(answer, sizeof answer, "noted %zu\n", len);
			send_str(fd, answer);
		} else if (strcmp(line, "quit") == 0) {
			break;
		} else {
			send_str(fd, "unknown command\n");
		}
	}
	/* The session is deliberately not freed here: after a logout it already was. */
	for (size_t i = 0; i < note_count; i++)
		free(notes[i]);
}

int main(int argc, char **argv)
{
	return serve_forever(argc, argv, handle);
}
