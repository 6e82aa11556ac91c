// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attach-client: load for attach-server.  CONNS connections to 127.0.0.1:PORT,
 * each sending requests one after the other, connection c with the ids
 * c * 1000000000 + 1, + 2, ... and checking every answer.  Runs until the
 * file STOP exists (or MAX requests per connection), then prints per
 * connection "c sent" and exits 0 if every answer was right, 1 if not.
 *
 *   attach-client PORT CONNS STOP [MAX]
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int port;
static const char *stop;
static long max = 1L << 40;
static int bad;

struct conn {
	int c;
	long sent;
};

static void *run(void *arg)
{
	struct conn *cn = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	FILE *in;
	char line[64];

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || !(in = fdopen(fd, "r"))) {
		perror("attach-client: connect");
		__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (long k = 1; k <= max; k++) {
		long id = cn->c * 1000000000L + k, got, rep;
		int n = snprintf(line, sizeof(line), "%ld\n", id);
		if ((k & 63) == 0 && !access(stop, F_OK))
			break;
		if (write(fd, line, (size_t)n) != n || !fgets(line, sizeof(line), in) ||
		    sscanf(line, "%ld %ld", &got, &rep) != 2 || got != id || rep != id * 3 + 1) {
			fprintf(stderr, "attach-client: request %ld: bad answer '%s'\n", id, line);
			__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
			break;
		}
		cn->sent = k;
	}
	fclose(in);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: attach-client PORT CONNS STOP [MAX]\n");
		return 2;
	}
	port = atoi(argv[1]);
	int n = atoi(argv[2]);
	stop = argv[3];
	if (argc > 4)
		max = atol(argv[4]);
	struct conn *cs = calloc((size_t)n, sizeof(*cs));
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	for (int i = 0; i < n; i++) {
		cs[i].c = i + 1;
		pthread_create(&th[i], NULL, run, &cs[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		printf("%d %ld\n", cs[i].c, cs[i].sent);
	}
	return bad;
}
