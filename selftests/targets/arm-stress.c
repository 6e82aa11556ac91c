// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * arm-stress CTL ACK ROUNDS: two threads call work() in a loop while the
 * main thread has the session arm and disarm its probes ROUNDS times, by
 * writing "enable"/"disable" to the FIFO CTL and waiting for "ack" on ACK
 * (xol's --control).  Each call checks work()'s result and is classified
 * by the phase it saw before and after it:
 *
 *   armed     the probe was armed for the whole call: it must be counted
 *   disarmed  the probe was off for the whole call: it must not be
 *   maybe     an arm or disarm was under way during the call
 *
 * so the session's hit count must lie in [armed, armed + maybe].  Calls
 * of the third kind are made slowly, to keep that range narrow.  Prints
 * "armed A disarmed D maybe M wrong W rounds R" and exits 0 unless a
 * result was wrong or the protocol failed.
 *
 * arm-stress - ROUNDS: the same without a session (no FIFOs), for the
 * output untraced.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { OFF, ARMED, CHANGING };

/* The phase: the round in the high bits, OFF/ARMED/CHANGING in the low two. */
static unsigned long phase;
static volatile int stop;

struct tally {
	long armed, disarmed, maybe, wrong;
};

__attribute__((noinline)) long work(long a, long b)
{
	asm volatile("" ::: "memory");
	return a * 3 + b;
}

static void *worker(void *arg)
{
	struct tally *t = arg;

	for (long i = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); i++) {
		unsigned long before = __atomic_load_n(&phase, __ATOMIC_SEQ_CST);
		long r = work(i, 7);
		unsigned long after = __atomic_load_n(&phase, __ATOMIC_SEQ_CST);

		if (r != i * 3 + 7)
			t->wrong++;
		if (before != after || (before & 3) == CHANGING) {
			t->maybe++;
			/* Slowly while probes are patched: few calls of uncertain fate. */
			for (int k = 0; k < 1000; k++)
				__builtin_ia32_pause();
		}
		else if ((before & 3) == ARMED)
			t->armed++;
		else
			t->disarmed++;
	}
	return NULL;
}

static void set_phase(unsigned long round, unsigned long p)
{
	__atomic_store_n(&phase, round << 2 | p, __ATOMIC_SEQ_CST);
}

/* Send CMD, wait for the ack: the session has armed (or disarmed) when it comes. */
static int command(FILE *ctl, FILE *ack, const char *cmd)
{
	char line[32];

	if (fprintf(ctl, "%s\n", cmd) < 0 || fflush(ctl))
		return -1;
	if (!fgets(line, sizeof(line), ack) || strcmp(line, "ack\n")) {
		fprintf(stderr, "arm-stress: no ack for %s\n", cmd);
		return -1;
	}
	return 0;
}

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	struct tally t[2] = { 0 };
	pthread_t th[2];
	FILE *ctl = NULL, *ack = NULL;
	long rounds = argc > 3 ? atol(argv[3]) : 1000;
	int bad = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: arm-stress CTL ACK [ROUNDS] | arm-stress - [ROUNDS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "-")) {
		rounds = atol(argv[2]);
	} else {
		ctl = fopen(argv[1], "w");
		ack = fopen(argv[2], "r");
		if (!ctl || !ack) {
			perror("arm-stress: fifo");
			return 2;
		}
	}
	set_phase(0, OFF);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker, &t[i]);
	for (unsigned long r = 1; r <= (unsigned long)rounds && !bad; r++) {
		set_phase(r, CHANGING);
		if (ctl)
			bad |= command(ctl, ack, "enable");
		set_phase(r, ARMED);
		pause_us(1000);
		set_phase(r, CHANGING);
		if (ctl)
			bad |= command(ctl, ack, "disable");
		set_phase(r, OFF);
		pause_us(300);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("armed %ld disarmed %ld maybe %ld wrong %ld rounds %ld\n", t[0].armed + t[1].armed,
	       t[0].disarmed + t[1].disarmed, t[0].maybe + t[1].maybe, t[0].wrong + t[1].wrong,
	       rounds);
	return bad || t[0].wrong || t[1].wrong;
}
