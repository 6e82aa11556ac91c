// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * comms: hits under names that change.  tick(N) is called
 *   0  by the program as started,
 *   1  by a forked child after prctl(PR_SET_NAME, "child-renamed"),
 *   2  by a thread its creator named "worker-named" (pthread_setname_np
 *      on another thread), which has exited before the program ends,
 *   3  by a thread that named itself "self-named",
 *   4  by the program after prctl(PR_SET_NAME, "main-renamed").
 * Prints each name as the kernel has it.  "comms nofork" leaves out 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void tick(int n)
{
	asm volatile("" : : "r"(n) : "memory");
}

static void say(int n)
{
	char name[16] = "";

	prctl(PR_GET_NAME, name, 0, 0, 0);
	printf("%d %s\n", n, name);
	fflush(stdout);
}

static pthread_barrier_t named;

static void *named_by_creator(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&named);
	tick(2);
	say(2);
	return NULL;
}

static void *names_itself(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "self-named");
	tick(3);
	say(3);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th;
	pid_t child;

	tick(0);
	say(0);
	if (argc < 2 || strcmp(argv[1], "nofork")) {
		child = fork();
		if (child == 0) {
			prctl(PR_SET_NAME, "child-renamed", 0, 0, 0);
			tick(1);
			say(1);
			return 0;
		}
		waitpid(child, NULL, 0);
	}

	pthread_barrier_init(&named, NULL, 2);
	pthread_create(&th, NULL, named_by_creator, NULL);
	pthread_setname_np(th, "worker-named");
	pthread_barrier_wait(&named);
	pthread_join(th, NULL);

	pthread_create(&th, NULL, names_itself, NULL);
	pthread_join(th, NULL);

	prctl(PR_SET_NAME, "main-renamed", 0, 0, 0);
	tick(4);
	say(4);
	return 0;
}
