/* Struct layouts under `mvx-cc --profile data` (tests/diversity.rs).
 *   layout offsets   prints where the fields of a program struct, of structs whose layout is
 *                    an ABI (kernel structs from system headers, a packed struct, one marked
 *                    MVX_FIXED_LAYOUT) are: the first differ between variants, the others not
 *   layout syscalls  passes structs to the kernel (nanosleep, bind, getsockname, clock_gettime,
 *                    fstat) from inside program structs; prints only what every variant agrees on */
#include <arpa/inet.h>
#include <mvx.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct session {
	char name[32];
	int is_admin;
	long last_seen;
};

struct MVX_FIXED_LAYOUT wire_header {
	unsigned char version;
	unsigned int length;
	char tag[8];
};

struct __attribute__((packed)) packed_record {
	char kind;
	int value;
};

/* A program struct around kernel structs: its own order may change, theirs may not. */
struct request {
	int id;
	struct timespec delay;
	struct sockaddr_in addr;
	struct stat st;
	char label[16];
};

static int offsets(void)
{
	printf("session.name %zu\n", offsetof(struct session, name));
	printf("session.is_admin %zu\n", offsetof(struct session, is_admin));
	printf("session.last_seen %zu\n", offsetof(struct session, last_seen));
	printf("abi timespec.tv_nsec %zu\n", offsetof(struct timespec, tv_nsec));
	printf("abi sockaddr_in.sin_port %zu\n", offsetof(struct sockaddr_in, sin_port));
	printf("abi sockaddr_in.sin_addr %zu\n", offsetof(struct sockaddr_in, sin_addr));
	printf("abi wire_header.length %zu\n", offsetof(struct wire_header, length));
	printf("abi wire_header.tag %zu\n", offsetof(struct wire_header, tag));
	printf("abi packed_record.value %zu\n", offsetof(struct packed_record, value));
	return 0;
}

static int syscalls(void)
{
	struct request r;
	memset(&r, 0, sizeof r);
	r.id = 7;
	strcpy(r.label, "layout");
	r.delay.tv_nsec = 1000000;
	if (nanosleep(&r.delay, NULL) != 0)
		return 1;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	r.addr.sin_family = AF_INET;
	r.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&r.addr, sizeof r.addr) != 0)
		return 2;
	socklen_t len = sizeof r.addr;
	if (getsockname(s, (struct sockaddr *)&r.addr, &len) != 0 || r.addr.sin_family != AF_INET ||
	    r.addr.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		return 3;
	if (fstat(s, &r.st) != 0 || !S_ISSOCK(r.st.st_mode))
		return 4;
	close(s);
	struct timespec now;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 5;
	printf("request %d (%s): slept, bound 127.0.0.1, socket stat ok\n", r.id, r.label);
	return 0;
}

/* A frame with a buffer between other locals: the data profile's stack padding puts other
 * distances between them in each variant (the offsets from the buffer, printed). */
__attribute__((noinline)) static int stack(const char *in)
{
	char buf[32];
	volatile int is_admin = 0;
	char tail[16];
	strncpy(buf, in, sizeof buf - 1);
	buf[sizeof buf - 1] = 0;
	strncpy(tail, in, sizeof tail - 1);
	tail[sizeof tail - 1] = 0;
	printf("stack is_admin %ld\n", (long)((uintptr_t)&is_admin - (uintptr_t)buf));
	printf("stack tail %ld\n", (long)((uintptr_t)tail - (uintptr_t)buf));
	return is_admin + (buf[0] == tail[0] ? 0 : 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "stack") == 0)
		return stack(argv[0]);
	if (argc > 1 && strcmp(argv[1], "offsets") == 0)
		return offsets();
	if (argc > 1 && strcmp(argv[1], "syscalls") == 0)
		return syscalls();
	fprintf(stderr, "usage: %s offsets|syscalls|stack\n", argv[0]);
	return 2;
}
