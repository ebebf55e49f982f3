/* System V message queues: msgget (private), msgsnd of typed messages, msgrcv by type,
 * IPC_NOWAIT on empty (ENOMSG), msgctl IPC_STAT and IPC_RMID. */
#include "conf.h"
#include <sys/msg.h>

struct msg {
    long type;
    char text[32];
};

int main(void)
{
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (q == -1) {
        printf("msgget: %s\n", conf_errname(errno));
        return 1;
    }
    struct msg m = {2, "second type"};
    OK(msgsnd(q, &m, sizeof m.text, 0));
    m.type = 1;
    strcpy(m.text, "first type");
    OK(msgsnd(q, &m, sizeof m.text, 0));
    struct msqid_ds ds;
    OK(msgctl(q, IPC_STAT, &ds));
    printf("queued: %lu\n", (unsigned long)ds.msg_qnum);
    struct msg r;
    ssize_t n = msgrcv(q, &r, sizeof r.text, 2, 0);
    printf("by type 2: %zd %s\n", n, r.text);
    n = msgrcv(q, &r, sizeof r.text, 0, 0);
    printf("any: type %ld %s\n", r.type, r.text);
    errno = 0;
    printf("empty, IPC_NOWAIT: %s\n", RESULT(msgrcv(q, &r, sizeof r.text, 0, IPC_NOWAIT)));
    OK(msgctl(q, IPC_RMID, NULL));
    return 0;
}
