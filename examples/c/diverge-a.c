/* diverge-a: writes one line with write(2) and exits 0.
 * Paired with diverge-b (same length, different text) to show that mvx stops
 * the variants at the first write whose buffer differs, before anything is written. */
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char msg[] = "hello from variant A\n";
	if (write(STDOUT_FILENO, msg, strlen(msg)) < 0)
		return 1;
	return 0;
}
