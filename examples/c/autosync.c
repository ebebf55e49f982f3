/* Unannotated: rand, time, getpid, clock_gettime and two threads under one pthread mutex.
 * Built with `mvx-cc --auto`, the LLVM pass syncs the values and replays the lock order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int counter;
static void *work(void *arg) {
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&m);
        counter++;
        printf("%s %d\n", (char *)arg, counter);
        pthread_mutex_unlock(&m);
    }
    return 0;
}
int main(void) {
    srand(time(NULL) ^ getpid());
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("rand %d\n", rand());
    pthread_t a, b;
    pthread_create(&a, 0, work, "a");
    pthread_create(&b, 0, work, "b");
    pthread_join(a, 0);
    pthread_join(b, 0);
    return 0;
}
