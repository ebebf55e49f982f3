/* spin: prints "started", then "tick" every 100 ms for 60 s. Used by the test that
 * SIGKILLs the monitor and checks that no variant survives it. */
#include <string.h>
#include <time.h>
#include <unistd.h>

static int say(const char *s)
{
	return write(STDOUT_FILENO, s, strlen(s)) < 0 ? -1 : 0;
}

int main(void)
{
	if (say("started\n") < 0)
		return 1;
	for (int i = 0; i < 600; i++) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (say("tick\n") < 0)
			return 1;
	}
	return 0;
}
