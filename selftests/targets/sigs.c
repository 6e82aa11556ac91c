// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sigs: a program with SIGSEGV, SIGBUS and SIGTRAP handlers of its own.
 *
 *   sigs sigaction        handlers installed with sigaction(SA_SIGINFO)
 *   sigs sigaction-plain  sigaction() with a plain sa_handler
 *   sigs signal           signal()
 *   sigs fullmask         sigaction(SA_SIGINFO) with every signal in sa_mask
 *   sigs nodefer          sigaction(SA_SIGINFO | SA_NODEFER)
 *   sigs resethand        sigaction(SA_SIGINFO | SA_RESETHAND) for SIGSEGV:
 *                         the second NULL dereference kills the program
 *   sigs block            every signal blocked, then the probed function called
 *   sigs ignore           SIGTRAP ignored: raise(SIGTRAP) does nothing, and an
 *                         int3 of its own then kills the program (the kernel
 *                         does not let a trap be ignored)
 *   sigs overflow         a thread with a 128k stack recurses until it
 *                         overflows; its SIGSEGV handler (SA_ONSTACK) runs
 *                         on an alternate signal stack and siglongjmps out
 *   sigs default KIND     no handler at all; KIND is null, bus, trap or int3:
 *                         the program dies of that signal
 *
 * victim() provokes each signal (NULL dereference, a read past the end of
 * a truncated file mapping, raise(), an int3 of its own, kill()); faults
 * are caught with sigsetjmp/siglongjmp.  Every line printed says what the
 * program saw, so a traced and an untraced run can be compared byte for
 * byte; the last line gives the program's own call counts, which probes on
 * victim() and on the handlers must match.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

enum what { NOTHING, NULL_DEREF, BUS_READ, RAISE_TRAP, INT3, KILL_SEGV, RAISE_BUS };

static sigjmp_buf env;
static volatile sig_atomic_t can_jump;
static volatile int seen_sig, seen_code, seen_info;
static volatile void *seen_addr;
static int victim_calls, returned, handler_runs;
static volatile int *bus_page;

/* Faults leave through siglongjmp; the rest return to the faulting code. */
static void caught(void)
{
	handler_runs++;
	if (can_jump) {
		can_jump = 0;
		siglongjmp(env, 1);
	}
}

__attribute__((noinline)) void on_signal_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	seen_sig = sig;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	seen_info = 1;
	caught();
}

__attribute__((noinline)) void on_signal_plain(int sig)
{
	seen_sig = sig;
	seen_info = 0;
	caught();
}

__attribute__((noinline)) int victim(int what, volatile int *p)
{
	victim_calls++;
	switch (what) {
	case NULL_DEREF:
	case BUS_READ:
		return *p;
	case RAISE_TRAP:
		raise(SIGTRAP);
		return 1;
	case INT3:
		asm volatile("int3");
		return 2;
	case KILL_SEGV:
		kill(getpid(), SIGSEGV);
		return 3;
	case RAISE_BUS:
		raise(SIGBUS);
		return 4;
	}
	return 0;
}

static const char *code_name(int sig, int code)
{
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_KERNEL: return "SI_KERNEL";
	}
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRERR)
		return "BUS_ADRERR";
	return "?";
}

static void step(const char *name, int what, volatile int *p)
{
	seen_sig = 0;
	fflush(stdout);
	if (!sigsetjmp(env, 1)) {
		can_jump = what == NULL_DEREF || what == BUS_READ;
		int r = victim(what, p);
		can_jump = 0;
		returned++;
		printf("%s: returned %d", name, r);
	} else {
		printf("%s: jumped back", name);
	}
	if (!seen_sig)
		printf(", no signal\n");
	else if (!seen_info)
		printf(", %s\n", sigabbrev_np(seen_sig));
	else if (seen_code > 0 || seen_code == SI_KERNEL) /* si_addr means something */
		printf(", SIG%s %s addr %s\n", sigabbrev_np(seen_sig),
		       code_name(seen_sig, seen_code),
		       seen_addr == NULL ? "NULL" :
		       seen_addr == (void *)bus_page ? "the mapping" : "elsewhere");
	else
		printf(", SIG%s %s\n", sigabbrev_np(seen_sig), code_name(seen_sig, seen_code));
}

static const char *handler_name(void (*h)(int), void *mine)
{
	if (h == SIG_DFL)
		return "default";
	if (h == SIG_IGN)
		return "ignored";
	return (void *)h == mine ? "ours" : "someone else's";
}

static void show(int sig, const struct sigaction *old, void *mine)
{
	struct sigaction cur;
	int n = 0;

	sigaction(sig, NULL, &cur);
	for (int s = 1; s < NSIG; s++)
		n += sigismember(&cur.sa_mask, s) == 1;
	printf("SIG%s: was %s, now %s, flags %#x, %d in mask\n", sigabbrev_np(sig),
	       handler_name(old->sa_handler, mine), handler_name(cur.sa_handler, mine),
	       (unsigned)cur.sa_flags, n);
}

static void install(int sig, int flags, bool info, bool fullmask)
{
	struct sigaction sa = { 0 }, old;

	if (fullmask)
		sigfillset(&sa.sa_mask);
	else
		sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags | (info ? SA_SIGINFO : 0);
	if (info)
		sa.sa_sigaction = on_signal_info;
	else
		sa.sa_handler = on_signal_plain;
	sigaction(sig, &sa, &old);
	show(sig, &old, info ? (void *)on_signal_info : (void *)on_signal_plain);
}

static void install_signal(int sig)
{
	struct sigaction old = { 0 };

	old.sa_handler = signal(sig, on_signal_plain);
	show(sig, &old, (void *)on_signal_plain);
}

static volatile int depth_reached, depth_limit = 1 << 30;

__attribute__((noinline)) int recurse(int depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	depth_reached = depth;
	if (depth == depth_limit) /* never: the stack ends first */
		return 0;
	return recurse(depth + 1) + pad[0];
}

static void *overflow_thread(void *arg)
{
	stack_t ss = { .ss_size = 64 * 1024 };
	struct sigaction sa = { 0 }, old;

	(void)arg;
	ss.ss_sp = malloc(ss.ss_size);
	if (!ss.ss_sp || sigaltstack(&ss, NULL))
		return "sigaltstack failed";
	sa.sa_sigaction = on_signal_info;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	show(SIGSEGV, &old, (void *)on_signal_info);
	if (!sigsetjmp(env, 1)) {
		can_jump = 1;
		recurse(0);
		return "recursion returned";
	}
	printf("stack overflow: jumped back, SIG%s %s, at a depth %s 100\n",
	       sigabbrev_np(seen_sig), code_name(seen_sig, seen_code),
	       depth_reached > 100 ? "over" : "under");
	return NULL;
}

static void all_steps(void)
{
	step("null dereference", NULL_DEREF, NULL);
	step("read past the end of a mapping", BUS_READ, bus_page);
	step("raise(SIGTRAP)", RAISE_TRAP, NULL);
	step("int3", INT3, NULL);
	step("kill(SIGSEGV)", KILL_SEGV, NULL);
	step("raise(SIGBUS)", RAISE_BUS, NULL);
	step("nothing", NOTHING, NULL);
}

static int map_truncated(void)
{
	int fd = memfd_create("sigs", 0);

	if (fd < 0 || ftruncate(fd, 4096))
		return -1;
	bus_page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (bus_page == MAP_FAILED || ftruncate(fd, 0))
		return -1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGTRAP };
	const char *mode = argc > 1 ? argv[1] : "sigaction";
	struct rlimit no_core = { 0, 0 };
	sigset_t all;

	setrlimit(RLIMIT_CORE, &no_core); /* dying of a signal is part of the test */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (map_truncated()) {
		perror("sigs: mapping");
		return 2;
	}
	printf("mode %s\n", mode);
	if (!strcmp(mode, "sigaction") || !strcmp(mode, "fullmask") || !strcmp(mode, "nodefer")) {
		for (int i = 0; i < 3; i++)
			install(sigs[i], *mode == 'n' ? SA_NODEFER : 0, true, *mode == 'f');
		all_steps();
	} else if (!strcmp(mode, "sigaction-plain")) {
		for (int i = 0; i < 3; i++)
			install(sigs[i], 0, false, false);
		all_steps();
	} else if (!strcmp(mode, "signal")) {
		for (int i = 0; i < 3; i++)
			install_signal(sigs[i]);
		all_steps();
	} else if (!strcmp(mode, "resethand")) {
		install(SIGSEGV, SA_RESETHAND, true, false);
		step("null dereference", NULL_DEREF, NULL);
		show(SIGSEGV, &(struct sigaction){ .sa_sigaction = on_signal_info }, on_signal_info);
		step("null dereference again", NULL_DEREF, NULL);
	} else if (!strcmp(mode, "block")) {
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		step("signals blocked", NOTHING, NULL);
	} else if (!strcmp(mode, "ignore")) {
		install_signal(SIGTRAP);
		signal(SIGTRAP, SIG_IGN);
		step("raise(SIGTRAP), ignored", RAISE_TRAP, NULL);
		step("int3, ignored", INT3, NULL);
	} else if (!strcmp(mode, "overflow")) {
		pthread_attr_t attr;
		pthread_t th;
		void *err;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 128 * 1024);
		if (pthread_create(&th, &attr, overflow_thread, NULL) || pthread_join(th, &err))
			return 2;
		if (err) {
			printf("%s\n", (char *)err);
			return 1;
		}
	} else if (!strcmp(mode, "default") && argc > 2) {
		const char *k = argv[2];
		step(k, !strcmp(k, "null") ? NULL_DEREF : !strcmp(k, "bus") ? BUS_READ :
			!strcmp(k, "trap") ? RAISE_TRAP : INT3, !strcmp(k, "bus") ? bus_page : NULL);
	} else {
		fprintf(stderr, "sigs: unknown mode %s\n", mode);
		return 2;
	}
	printf("victim calls %d, returned %d, handler runs %d\n", victim_calls, returned,
	       handler_runs);
	return 0;
}
