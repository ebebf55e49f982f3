/* vuln-data: a line server with a data-only attack: no code pointer, no return address.
 * Protocol: one command per line.
 *   user NAME   -> "hello NAME\n" (the session's user name)
 *   admin       -> runs the privileged action ("done\n") if the session is an admin's,
 *                  else "denied\n"
 *   quit        -> closes the connection
 * Bug: NAME is copied into the session with its own length, unchecked against the 32-byte
 * name field, which is followed by the is_admin flag. Sending 32 bytes and then
 * "\x01\x00\x00\x00" makes the session an admin's; the next `admin` runs the privileged
 * action (the marker command). The control flow stays entirely legitimate: only a flag
 * changes, so the code diversity of mvx-cc's default profile does not notice; per-variant
 * struct layouts (--profile data) put the flag elsewhere in each variant. */
#include "common.h"

struct session {
	char name[32];
	int is_admin;
};

/* The privileged action: only for admins. */
static void admin_action(int fd)
{
	if (system(maintenance_cmd) != 0) {
		send_str(fd, "failed\n");
		return;
	}
	send_str(fd, "done\n");
}

__attribute__((noinline)) static void set_user(struct session *s, const char *name, size_t len)
{
	memcpy(s->name, name, len); /* BUG: len is not checked against sizeof s->name */
}

static void handle(int fd)
{
	struct session s;
	memset(&s, 0, sizeof s);
	char line[256];
	ssize_t n;
	while ((n = read_line(fd, line, sizeof line)) >= 0) {
		if (n > 5 && memcmp(line, "user ", 5) == 0) {
			size_t len = (size_t)n - 5;
			set_user(&s, line + 5, len);
			send_str(fd, "hello ");
			if (write(fd, s.name, len < sizeof s.name ? len : sizeof s.name) < 0)
				return;
			send_str(fd, "\n");
		} else if (n == 5 && memcmp(line, "admin", 5) == 0) {
			if (s.is_admin)
				admin_action(fd);
			else
				send_str(fd, "denied\n");
		} else if (n == 4 && memcmp(line, "quit", 4) == 0) {
			return;
		} else {
			send_str(fd, "unknown command\n");
		}
	}
}

int main(int argc, char **argv)
{
	return serve_forever(argc, argv, handle);
}
