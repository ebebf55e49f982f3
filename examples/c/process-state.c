/* process-state: calls on the process's own state and the system's: unshare(CLONE_FILES),
 * I/O priorities, keys, setting the clock (refused to an ordinary user), and a seccomp filter
 * of the program's own stacked on mvx's. Prints what each returned; values that differ between
 * runs (key serials) are not printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(long r)
{
	return r < 0 ? strerrorname_np(errno) : "ok";
}

static void files(void)
{
	int p[2];
	if (pipe(p))
		return;
	printf("unshare(CLONE_FILES): %s\n", err(unshare(CLONE_FILES)));
	printf("unshare(CLONE_FS): %s\n", err(unshare(CLONE_FS)));
	int d = dup(p[1]);
	printf("write through the dup: %zd\n", write(d, "abc", 3));
	char buf[8] = {0};
	printf("read: %zd %s\n", read(p[0], buf, sizeof(buf)), buf);
	printf("fds: %d %d %d\n", p[0], p[1], d);
	close(p[0]);
	close(p[1]);
	close(d);
}

static void priorities(void)
{
	/* IOPRIO_WHO_PROCESS = 1, of this process. */
	long io = syscall(SYS_ioprio_get, 1, 0);
	printf("ioprio_get: %ld %s\n", io, err(io));
	/* IOPRIO_CLASS_BE (2) << 13 | level 4. */
	long set = syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 4);
	const char *what = err(set);
	printf("ioprio_set: %s, now %ld\n", what, syscall(SYS_ioprio_get, 1, 0));
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	printf("getpriority: %d %s\n", prio, errno ? strerrorname_np(errno) : "ok");
	what = err(setpriority(PRIO_PROCESS, getpid(), 3));
	printf("setpriority(own, 3): %s, now %d\n", what, getpriority(PRIO_PROCESS, 0));
}

static void keys(void)
{
	long key = syscall(SYS_add_key, "user", "mvx:test", "payload bytes", 13,
			   KEY_SPEC_PROCESS_KEYRING);
	printf("add_key: %s\n", err(key));
	if (key < 0)
		return;
	char buf[64] = {0};
	long n = syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof(buf));
	printf("keyctl read: %ld %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	/* The size alone, with no buffer. */
	printf("keyctl read size: %ld\n", syscall(SYS_keyctl, KEYCTL_READ, key, NULL, 0));
	char desc[128] = {0};
	n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof(desc));
	/* type;uid;gid;perm;description: the type and the description. */
	char *first = strchr(desc, ';'), *last = strrchr(desc, ';');
	printf("keyctl describe: %s type=%.*s description=%s\n", err(n),
	       first ? (int)(first - desc) : 0, desc, last ? last + 1 : "");
	long found = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_PROCESS_KEYRING, "user",
			     "mvx:test", 0);
	printf("keyctl search finds it: %d\n", found == key);
	printf("keyctl update: %s\n",
	       err(syscall(SYS_keyctl, KEYCTL_UPDATE, key, "new", 3)));
	n = syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof(buf));
	printf("keyctl read: %ld %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	printf("keyctl revoke: %s\n", err(syscall(SYS_keyctl, KEYCTL_REVOKE, key)));
	n = syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof(buf));
	printf("keyctl read revoked: %s\n", err(n));
}

static void clock_setting(void)
{
	struct timespec bad = {1, 2000000000L};
	printf("clock_settime(invalid): %s\n", err(clock_settime(CLOCK_REALTIME, &bad)));
	printf("clock_settime(MONOTONIC): %s\n", err(clock_settime(CLOCK_MONOTONIC, &bad)));
	/* As an ordinary user: EPERM. */
	pid_t child = fork();
	if (child == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
				       setresuid(65534, 65534, 65534)))
			_exit(2);
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		printf("clock_settime(as a user): %s\n", err(clock_settime(CLOCK_REALTIME, &now)));
		struct timeval tv = {now.tv_sec, 0};
		printf("settimeofday(as a user): %s\n", err(settimeofday(&tv, NULL)));
		printf("sethostname(as a user): %s\n", err(sethostname("mvx", 3)));
		fflush(stdout);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	printf("user child: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* A filter of the program's own: uname fails with EACCES, everything else is allowed. */
static void own_filter(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(insns) / sizeof(insns[0]), insns};
	printf("no_new_privs: %s\n", err(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)));
	printf("seccomp filter: %s\n", err(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)));
	struct utsname u;
	printf("uname: %s\n", err(uname(&u)));
	printf("getppid works: %d\n", getppid() > 0);
	unsigned action = SECCOMP_RET_ERRNO;
	printf("action available: %s\n",
	       err(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action)));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	files();
	priorities();
	keys();
	clock_setting();
	own_filter();
	return 0;
}
