// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sigblock: a program whose worker threads block every signal, as many
 * servers' do, for attaching to.  Thread A is started with all signals
 * blocked and calls work(i) until told to stop.  On the line "more" on
 * stdin (sent after the attach), the main thread starts thread B the same
 * way, installs a SIGSEGV handler of its own and faults once under it;
 * on "stop" the threads end and it prints what happened:
 *
 *   tid A <tid> calls <n>
 *   tid B <tid> calls <n>
 *   own SIGSEGV handler ran
 *
 * A probe placed by int3 on work() traps in threads that block SIGTRAP,
 * and a fetch from a bad address faults in threads that block SIGSEGV:
 * either would kill the process if the agent's signals stayed blocked.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int stop;
static sigjmp_buf back;
static volatile sig_atomic_t handled;

struct worker {
	pthread_t th;
	long tid, calls;
};

__attribute__((noinline)) long work(long i)
{
	asm volatile("" : "+r"(i));
	return i * 3;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	long sum = 0;

	w->tid = syscall(SYS_gettid);
	while (!stop) {
		sum += work(w->calls++);
		if (w->calls % 1000 == 0)
			usleep(100);
	}
	return sum == 1 ? arg : NULL;
}

/* As servers start their workers: every signal blocked, for the thread to inherit. */
static void start_blocked(struct worker *w)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&w->th, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void on_segv(int sig)
{
	(void)sig;
	handled = 1;
	siglongjmp(back, 1);
}

int main(void)
{
	struct worker a = { 0 }, b = { 0 };
	char line[32];

	setvbuf(stdout, NULL, _IONBF, 0);
	start_blocked(&a);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin) && strcmp(line, "stop\n")) {
		if (strcmp(line, "more\n") || b.th)
			continue;
		start_blocked(&b);
		struct sigaction sa = { .sa_handler = on_segv };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		if (!sigsetjmp(back, 1)) {
			volatile int *volatile nowhere = NULL;
			*nowhere = 1;
		}
		printf("more\n");
	}
	stop = 1;
	pthread_join(a.th, NULL);
	if (b.th)
		pthread_join(b.th, NULL);
	printf("tid A %ld calls %ld\n", a.tid, a.calls);
	printf("tid B %ld calls %ld\n", b.tid, b.calls);
	printf("%s\n", handled ? "own SIGSEGV handler ran" : "own SIGSEGV handler did not run");
	return !handled;
}
