/* System V shared memory: shmget, shmat in parent and child, writes visible, shmdt,
 * IPC_STAT attach count, IPC_RMID. */
#include "conf.h"
#include <sys/shm.h>

int main(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id == -1) {
        printf("shmget: %s\n", conf_errname(errno));
        return 1;
    }
    int *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        printf("shmat: %s\n", conf_errname(errno));
        shmctl(id, IPC_RMID, NULL);
        return 1;
    }
    p[0] = 1;
    struct shmid_ds ds;
    OK(shmctl(id, IPC_STAT, &ds));
    printf("attached: %lu, size %zu\n", (unsigned long)ds.shm_nattch, ds.shm_segsz);
    pid_t pid = fork();
    OK(pid);
    if (pid == 0) {
        p[0] = 99;
        _exit(0);
    }
    wait_child(pid);
    printf("parent sees: %d\n", p[0]);
    OK(shmdt(p));
    OK(shmctl(id, IPC_RMID, NULL));
    return 0;
}
