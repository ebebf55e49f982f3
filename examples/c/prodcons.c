/* The survey's producer/consumer case: two producers and two consumers share a bounded buffer
 * under one mutex and two condition variables, and print a trace of +1/-1 operations with the
 * count each leaves. Which thread gets the lock when depends on scheduling, so without
 * lock-order replay variants print different traces; with it (mvx run --preload) they agree. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CAPACITY 4
#define ITEMS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int count;

static void trace(const char *who, int delta) {
    char line[64];
    int n = snprintf(line, sizeof line, "%s %+d -> %d\n", who, delta, count);
    write(1, line, (size_t)n);
}

static void *producer(void *arg) {
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == CAPACITY)
            pthread_cond_wait(&not_full, &lock);
        count++;
        trace((const char *)arg, +1);
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return 0;
}

static void *consumer(void *arg) {
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == 0)
            pthread_cond_wait(&not_empty, &lock);
        count--;
        trace((const char *)arg, -1);
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
    }
    return 0;
}

int main(void) {
    pthread_t t[4];
    pthread_create(&t[0], 0, producer, "p1");
    pthread_create(&t[1], 0, producer, "p2");
    pthread_create(&t[2], 0, consumer, "c1");
    pthread_create(&t[3], 0, consumer, "c2");
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], 0);
    printf("done, count %d\n", count);
    return 0;
}
