/* refused: calls mvx refuses. Natively most of them work; under mvx each gets its errno at
 * once, with a warning, and the program goes on. Prints each call's errno name (or "ok"). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/aio_abi.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *err(long r)
{
	return r < 0 ? strerrorname_np(errno) : "ok";
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ptrace(TRACEME): %s\n", err(ptrace(PTRACE_TRACEME, 0, NULL, NULL)));
	char src[8] = "abcdefg", dst[8] = {0};
	struct iovec local = {dst, 8}, remote = {src, 8};
	printf("process_vm_readv: %s\n", err(process_vm_readv(getpid(), &local, 1, &remote, 1, 0)));
	aio_context_t ctx = 0;
	long r = syscall(SYS_io_setup, 8, &ctx);
	printf("io_setup: %s\n", err(r));
	if (r == 0)
		syscall(SYS_io_destroy, ctx);
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *at = shmat(id, NULL, 0);
	printf("shmat: %s\n", at == (void *)-1 ? strerrorname_np(errno) : "ok");
	if (at != (void *)-1)
		shmdt(at);
	shmctl(id, IPC_RMID, NULL);
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {1, &allow};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	printf("seccomp listener: %s\n", err(r));
	printf("still running\n");
	return 0;
}
