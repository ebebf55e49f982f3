/* mmsg: sendmmsg and recvmmsg over UDP on loopback and over a unix datagram socketpair (the
 * UDP receiver with a socket filter attached: the filter is compared as a program).
 * Every message's data, length, sender and flags must reach every variant as the leader
 * received them; the program prints what it got. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/filter.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define N 3

static const char *texts[N] = {"one", "second message", "3"};

static int send_all(int fd, struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov[N];
	struct mmsghdr msgs[N];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < N; i++) {
		iov[i].iov_base = (void *)texts[i];
		iov[i].iov_len = strlen(texts[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = to;
		msgs[i].msg_hdr.msg_namelen = tolen;
	}
	int n = sendmmsg(fd, msgs, N, 0);
	printf("sendmmsg: %d", n);
	for (int i = 0; i < n; i++)
		printf(" len[%d]=%u", i, msgs[i].msg_len);
	printf("\n");
	return n;
}

/* Receives up to N + 1 messages (one more than were sent), blocking only for the first. */
static void recv_all(int fd, const struct sockaddr_in *from)
{
	char bufs[N + 1][32];
	struct iovec iov[N + 1];
	struct mmsghdr msgs[N + 1];
	struct sockaddr_in names[N + 1];
	memset(msgs, 0, sizeof(msgs));
	memset(bufs, '.', sizeof(bufs));
	for (int i = 0; i <= N; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = i == 1 ? 6 : sizeof(bufs[i]); /* message 1 is truncated */
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &names[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
		msgs[i].msg_len = 12345;
	}
	struct timespec timeout = {5, 0};
	int n = recvmmsg(fd, msgs, N + 1, MSG_WAITFORONE, &timeout);
	printf("recvmmsg: %d\n", n);
	for (int i = 0; i < n; i++) {
		int same = 0;
		if (from)
			same = msgs[i].msg_hdr.msg_namelen == sizeof(*from) &&
			       names[i].sin_port == from->sin_port &&
			       names[i].sin_addr.s_addr == from->sin_addr.s_addr;
		printf("  [%d] len=%u data=%.*s trunc=%d from-sender=%d\n", i, msgs[i].msg_len,
		       (int)(msgs[i].msg_len < iov[i].iov_len ? msgs[i].msg_len : iov[i].iov_len),
		       bufs[i], !!(msgs[i].msg_hdr.msg_flags & MSG_TRUNC), same);
	}
	if (n >= 0 && n <= N)
		printf("  untouched: len=%u\n", msgs[n].msg_len);
}

int main(void)
{
	/* UDP on loopback. */
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in sb = sa;
	socklen_t len = sizeof(sa);
	if (bind(a, (struct sockaddr *)&sa, sizeof(sa)) || bind(b, (struct sockaddr *)&sb, sizeof(sb)) ||
	    getsockname(a, (struct sockaddr *)&sa, &len) ||
	    getsockname(b, (struct sockaddr *)&sb, &len)) {
		perror("udp setup");
		return 1;
	}
	struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog filter = {1, &accept_all};
	printf("filter: %d\n", setsockopt(b, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof(filter)));
	if (send_all(a, (struct sockaddr *)&sb, sizeof(sb)) != N)
		return 1;
	recv_all(b, &sa);

	/* A unix datagram socketpair. */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	if (send_all(sv[0], NULL, 0) != N)
		return 1;
	recv_all(sv[1], NULL);

	/* Nothing left: a non-blocking receive fails with EAGAIN everywhere. */
	struct mmsghdr m;
	char c;
	struct iovec iov = {&c, 1};
	memset(&m, 0, sizeof(m));
	m.msg_hdr.msg_iov = &iov;
	m.msg_hdr.msg_iovlen = 1;
	errno = 0;
	int r = recvmmsg(sv[1], &m, 1, MSG_DONTWAIT, NULL);
	printf("empty: %d %s\n", r, r < 0 && errno == EAGAIN ? "EAGAIN" : "?");
	return 0;
}
