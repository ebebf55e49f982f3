/* args: prints its arguments, one per line, and exits 0. Built twice with different
 * optimisation levels (args-a: -O0, args-b: -O2) to run two really different binaries
 * with --variant and check that both get the same argv. */
#include <stdio.h>

int main(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	return 0;
}
