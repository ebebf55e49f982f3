/* sysv-ipc: a System V message queue, a semaphore set and a shared memory segment's
 * control calls (not shmat: see README). Ids and times differ between runs and are not
 * printed; counts, values and message texts are. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>

struct msg {
	long mtype;
	char mtext[64];
};

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int queue(void)
{
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (q < 0) {
		perror("msgget");
		return 1;
	}
	const char *texts[] = {"first of type 1", "only one of type 2", "second of type 1"};
	long types[] = {1, 2, 1};
	for (int i = 0; i < 3; i++) {
		struct msg m = {.mtype = types[i]};
		strcpy(m.mtext, texts[i]);
		if (msgsnd(q, &m, strlen(texts[i]) + 1, 0))
			perror("msgsnd");
	}
	struct msqid_ds ds;
	if (msgctl(q, IPC_STAT, &ds) == 0)
		printf("queue: %lu messages, %lu bytes, mode %o\n", (unsigned long)ds.msg_qnum,
		       (unsigned long)ds.__msg_cbytes, ds.msg_perm.mode & 0777);
	struct msg m;
	ssize_t n = msgrcv(q, &m, sizeof(m.mtext), 2, 0);
	printf("type 2: %zd bytes, type %ld: %s\n", n, m.mtype, m.mtext);
	n = msgrcv(q, &m, 5, 0, MSG_NOERROR);
	printf("truncated: %zd bytes, type %ld: %.5s\n", n, m.mtype, m.mtext);
	n = msgrcv(q, &m, sizeof(m.mtext), 0, 0);
	printf("next: %zd bytes, type %ld: %s\n", n, m.mtype, m.mtext);
	errno = 0;
	n = msgrcv(q, &m, sizeof(m.mtext), 0, IPC_NOWAIT);
	printf("empty: %zd %s\n", n, errno == ENOMSG ? "ENOMSG" : strerror(errno));
	/* A new mode through IPC_SET, seen by IPC_STAT. */
	ds.msg_perm.mode = 0640;
	if (msgctl(q, IPC_SET, &ds) == 0 && msgctl(q, IPC_STAT, &ds) == 0)
		printf("queue mode now %o\n", ds.msg_perm.mode & 0777);
	printf("removed: %d\n", msgctl(q, IPC_RMID, NULL));
	return 0;
}

static int semaphores(void)
{
	int s = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	if (s < 0) {
		perror("semget");
		return 1;
	}
	unsigned short init[3] = {1, 2, 3}, now[3] = {0, 0, 0};
	union semun arg = {.array = init};
	printf("setall: %d\n", semctl(s, 0, SETALL, arg));
	struct sembuf ops[2] = {{0, -1, 0}, {2, 2, 0}};
	printf("semop: %d\n", semop(s, ops, 2));
	arg.array = now;
	semctl(s, 0, GETALL, arg);
	printf("getall: %u %u %u\n", now[0], now[1], now[2]);
	printf("getval 1: %d\n", semctl(s, 1, GETVAL));
	arg.val = 7;
	int set = semctl(s, 1, SETVAL, arg);
	printf("setval 1: %d, now %d\n", set, semctl(s, 1, GETVAL));
	/* Semaphore 0 is 0: a decrement with a 20 ms timeout fails with EAGAIN. */
	struct sembuf wait0 = {0, -1, 0};
	struct timespec t = {0, 20 * 1000 * 1000};
	errno = 0;
	int r = semtimedop(s, &wait0, 1, &t);
	printf("semtimedop: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : strerror(errno));
	struct semid_ds ds;
	arg.buf = &ds;
	if (semctl(s, 0, IPC_STAT, arg) == 0)
		printf("set of %lu semaphores\n", (unsigned long)ds.sem_nsems);
	printf("removed: %d\n", semctl(s, 0, IPC_RMID));
	return 0;
}

static int shared_memory(void)
{
	int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	if (id < 0) {
		perror("shmget");
		return 1;
	}
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) == 0)
		printf("segment of %zu bytes, %lu attached\n", ds.shm_segsz,
		       (unsigned long)ds.shm_nattch);
	printf("removed: %d\n", shmctl(id, IPC_RMID, NULL));
	return 0;
}

int main(void)
{
	return queue() || semaphores() || shared_memory();
}
