/* sigcount: signals to a process outside the run.
 *   sigcount wait        blocks SIGRTMIN, prints its pid, counts the SIGRTMIN it gets (real-time
 *                        signals queue: N senders give N signals) until none came for 700 ms
 *                        after the first, and prints the count and the last value;
 *   sigcount send PID    sends PID one SIGRTMIN with kill and one with sigqueue (value 42).
 * Under mvx the sender's signals to a process outside the run must arrive once, not once per
 * variant. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "wait") == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("%d\n", (int)getpid());
		fflush(stdout);
		int count = 0, last = -1;
		struct timespec first = {30, 0}, quiet = {0, 700 * 1000 * 1000};
		siginfo_t info;
		while (sigtimedwait(&set, &info, count ? &quiet : &first) == SIGRTMIN) {
			count++;
			if (info.si_code == SI_QUEUE)
				last = info.si_value.sival_int;
		}
		printf("received %d, queued value %d\n", count, last);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "send") == 0) {
		pid_t pid = atoi(argv[2]);
		int a = kill(pid, SIGRTMIN);
		int b = sigqueue(pid, SIGRTMIN, (union sigval){.sival_int = 42});
		printf("kill %d, sigqueue %d\n", a, b);
		return 0;
	}
	fprintf(stderr, "usage: sigcount wait | sigcount send PID\n");
	return 2;
}
