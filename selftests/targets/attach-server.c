// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attach-server: a small multi-threaded server for the attach tests
 * (selftests/8*-attach-*.t).  Listens on 127.0.0.1 (port printed on the
 * first line of stdout), WORKERS threads accept connections and answer
 * each request line "ID\n" with "ID REPLY\n", REPLY = handle(ID).  Other
 * threads sit in system calls all the time (nanosleep, poll, epoll_wait,
 * a timed condition wait, read on a pipe) and check that none returns a
 * spurious error (EINTR) while xol attaches and detaches: any does, the
 * server says so on stderr and exits 3.  Runs until stdin closes.
 *
 *   attach-server [WORKERS]
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd;

/* The request handler the tests probe. */
__attribute__((noinline)) long handle(long id)
{
	asm volatile("" ::: "memory");
	return id * 3 + 1;
}

static void spurious(const char *what, int err)
{
	fprintf(stderr, "attach-server: %s: %s\n", what, strerror(err));
	exit(3);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				spurious("accept", errno);
			continue;
		}
		FILE *in = fdopen(c, "r");
		char line[64];
		while (in && fgets(line, sizeof(line), in)) {
			long id = atol(line);
			char out[64];
			int n = snprintf(out, sizeof(out), "%ld %ld\n", id, handle(id));
			if (write(c, out, (size_t)n) != n)
				break;
		}
		if (in)
			fclose(in);
		else
			close(c);
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 3000000 };
		if (nanosleep(&ts, NULL))
			spurious("nanosleep", errno);
		if (poll(NULL, 0, 3) < 0)
			spurious("poll", errno);
	}
	return NULL;
}

static void *epoller(void *arg)
{
	int ep = epoll_create1(0);
	struct epoll_event ev;

	(void)arg;
	for (;;)
		if (epoll_wait(ep, &ev, 1, 5) < 0)
			spurious("epoll_wait", errno);
	return NULL;
}

static void *waiter(void *arg)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

	(void)arg;
	pthread_mutex_lock(&m);
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 4000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		int e = pthread_cond_timedwait(&cv, &m, &ts);
		if (e && e != ETIMEDOUT)
			spurious("pthread_cond_timedwait", e);
	}
	return NULL;
}

static void *reader(void *arg)
{
	int p[2];
	char b;

	(void)arg;
	if (pipe(p))
		return NULL;
	/* never written: blocks in read for good */
	if (read(p[0], &b, 1) < 0)
		spurious("read", errno);
	return NULL;
}

int main(int argc, char **argv)
{
	int workers = argc > 1 ? atoi(argv[1]) : 4;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	pthread_t th;
	char b;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		perror("attach-server");
		return 1;
	}
	for (int i = 0; i < workers; i++)
		pthread_create(&th, NULL, worker, NULL);
	pthread_create(&th, NULL, sleeper, NULL);
	pthread_create(&th, NULL, epoller, NULL);
	pthread_create(&th, NULL, waiter, NULL);
	pthread_create(&th, NULL, reader, NULL);
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	/* until stdin closes: the main thread blocks in read too */
	while (read(0, &b, 1) != 0)
		if (errno == EINTR)
			spurious("read(stdin)", errno);
	return 0;
}
