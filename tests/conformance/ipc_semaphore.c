/* System V semaphores: semget a set of 2, semctl SETVAL/GETVAL, semop with IPC_NOWAIT
 * (EAGAIN), a child waits for the parent's post, IPC_RMID. */
#include "conf.h"
#include <sys/sem.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

int main(void)
{
    int s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    if (s == -1) {
        printf("semget: %s\n", conf_errname(errno));
        return 1;
    }
    union semun arg = {.val = 1};
    OK(semctl(s, 0, SETVAL, arg));
    printf("GETVAL: %d\n", semctl(s, 0, GETVAL));
    struct sembuf down = {0, -1, IPC_NOWAIT};
    OK(semop(s, &down, 1));
    errno = 0;
    printf("down again, NOWAIT: %s\n", RESULT(semop(s, &down, 1)));
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        struct sembuf wait1 = {1, -1, 0};
        _exit(semop(s, &wait1, 1) == 0 ? 0 : 1);
    }
    struct sembuf up1 = {1, 1, 0};
    OK(semop(s, &up1, 1));
    printf("child released: %s\n", status_str(wait_child(pid)));
    OK(semctl(s, 0, IPC_RMID));
    return 0;
}
