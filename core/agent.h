/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's state inside one traced process: events, probes, sites, threads. */
#ifndef XOL_CORE_AGENT_H
#define XOL_CORE_AGENT_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/x86/arch.h"
#include "arch/x86/regs.h"
#include "core/return.h"
#include "core/ring.h"
#include "core/fetch.h"
#include "core/uaccess.h"
#include "core/wire.h"
#include "trace/probe.h"

#define AGENT_MAX_EVENTS (1 << 20) /* a sanity bound on what a session sends */
#define AGENT_SESSIONS   XOL_SESSIONS_MAX

struct agent_session;

#define AGENT_FAST_ARGS 8        /* more arguments: the general path */

/* An event as the agent runs it: points into its session's DEFS blob. */
struct agent_event {
	struct agent_session *sess;
	const struct wire_event *w;
	const struct wire_arg *args;
	const char *data;
	uint32_t index;
	uint32_t slot;           /* sess->slot, one load nearer */
	bool has_dyn;            /* has __data_loc fields */
	bool fast_all;           /* every arg in fa[]: written straight into the ring */
	uint8_t fast[TP_MAX_ARGS]; /* enum fetch_fast of each arg */
	struct fast_arg fa[AGENT_FAST_ARGS];
};

/*
 * The events on one site, entry or return.  Copy-on-write: adding one
 * publishes a new list, so the hit path reads a list that never changes
 * under it; old lists are not freed (a hit may still be reading one).
 */
struct consumers {
	unsigned n;
	struct agent_event *ev[];
};

extern struct consumers no_consumers;

/*
 * A site: one probepoint (file, offset) placed at one address of this
 * process.  Sites are never freed: a thread may still be in the SIGTRAP
 * handler or in the slot of a site that was just disarmed.
 */
struct site {
	uint64_t addr;
	uint64_t foffs_base;     /* addr - file offset, for @+OFFS */
	uint64_t dev, ino, offset;
	uint64_t refctr_addr;    /* 0: none */
	struct consumers *entry, *ret; /* never NULL; replaced, never changed */
	uint64_t lists_gen;      /* one more each time a list is replaced: never the same twice */
	struct consumers *rsite;  /* return events fired at this ret (WIRE_PROBE_RET_SITE) */
	uint64_t func;           /* rsite: the function's entry, their __probe_func */
	bool own_stack;          /* hits run on the agent's stack (WIRE_PROBE_OWN_STACK) */
	uint64_t skipped;        /* static programs: own-stack hits of threads without a block */
	uint64_t skipped_seen[AGENT_SESSIONS]; /* what each session counted of them */
	uint64_t ret_at;         /* a jump over the code up to this ret: its rsite events
				    fire at the ret, in the trampoline (0: none) */
	uint8_t orig[32];        /* bytes replaced at addr */
	unsigned patched;        /* how many of them */
	bool armed;
	struct arch_insn insn;
	uint8_t *slot;           /* out-of-line copy (trap path) */
	uint8_t *tramp;          /* trampoline (jump path), else NULL */
	size_t tramp_bytes;      /* what was allocated for it */
	struct arch_jump jump;   /* what the jump displaced */
	uint64_t ret_code;       /* the return fast path of its trampoline (0: none): where
				    hijacked slots point, else at the shared return trampoline */
	void (*hook)(void);      /* the agent's own site: run this instead of events */
};

/*
 * The definition an interposer stands in front of: the next one (libc's),
 * or in static programs the agent's own system-call version (nolibc-next.c).
 */
#ifdef XOL_NOLIBC
void *nolibc_next(const char *name);
#define REAL_NEXT(name) nolibc_next(name)
#else
#define REAL_NEXT(name) dlsym(RTLD_NEXT, name)
#endif

/*
 * Static Go programs: the agent has no TLS, but Go keeps g at %fs:-8, in
 * m.tls[0] of each M, and leaves m.tls[1..5] (%fs:0 to %fs:32) unused on
 * linux/amd64.  The hit stack's word (what xol_hit_stack is elsewhere) is
 * m.tls[2], and the own-stack trampoline keeps two registers in m.tls[3..4]
 * while it counts a hit it skips.
 */
#define GO_TLS_STACK   8
#define GO_TLS_SCRATCH 16

/* Per-thread state, found through one TLS pointer. */

enum {
	BUSY_HIT = 1,            /* in a hit: a nested hit is a miss */
	BUSY_AGENT,              /* the agent's own work: hits are not the program's */
};

/* What a thread has of one session: its ring and its row of that session's counters. */
struct thread_session {
	struct wire_counters *row; /* NULL: no counters (no session in this slot) */
	struct ring_writer *ring;
	bool prefaulted;           /* static programs: its ring populated (thread_prefault_rings) */
};

struct xol_thread {
	int claimed;             /* 0 free, 1 in use (CAS) */
	pid_t tid;
	unsigned slot;           /* its row of hit counters, in every session */
	int comm_dirty;          /* comm changed: write a WIRE_REC_COMM first */
	int busy;                /* recursion guard: BUSY_* */
	unsigned unhooked;       /* return.c: frames an unwinder got back: re-hijack them */
	struct thread_session ss[AGENT_SESSIONS]; /* by session slot */
	pthread_t self;
	char comm[XOL_COMM_LEN];
	/* return probes (return.c) */
	unsigned depth, shadow_max;
	uint32_t ctx;            /* the current execution context (swapcontext) */
	uint64_t stack_lo, stack_hi; /* the thread's own stack, 0 0: unknown */
	uint64_t owner_fs;       /* static programs: the %fs base of the thread %gs names it for */
	struct shadow_frame *shadow; /* [shadow_max], reserved, touched as it grows */
	uint8_t scratch[TP_RECORD_MAX];
};

/*
 * One session tracing this process: launched (the program started with
 * the agent preloaded, XOL_SESSION) or attached (-p).  Each has its own
 * definitions, counters, rings and control thread; sites are shared, and
 * a site's consumer lists hold events of every session.
 */
struct agent_session {
	unsigned slot;           /* index in agent.sess, and in xol_thread.ss */
	bool used;
	bool launched;           /* named by XOL_SESSION, else attached */
	bool disabled;           /* by the session (--control): arm nothing */
	bool armed;              /* arm_and_report() ran: later libraries are armed at r_brk */
	int sock;
	void *defs;              /* the DEFS blob */
	size_t defs_size;
	const struct wire_probe *probes;
	unsigned nprobes;
	struct agent_event *events;    /* [nevents] */
	unsigned nevents;
	struct ring_attach *region;
	struct wire_counters *counters; /* [XOL_COUNTER_ROWS][row stride], shared */
	size_t counters_size;
	char path[108];          /* its socket: to connect again after fork */
};

struct agent {
	struct agent_session sess[AGENT_SESSIONS];
	pid_t pid;
	uint64_t ret_tramp;      /* address of the return trampoline's int3 */
	int memfd;               /* /proc/self/mem, for patching text */
	long rseq_cpu_offset;    /* of rseq.cpu_id from the thread pointer, 0: none */
	long tls_self_off;       /* of xol_self from the thread pointer (initial-exec TLS) */
	long tls_stack_off;      /* of xol_hit_stack, the same way */
	bool active;             /* the hit path is set up (a session came once) */
	bool late;               /* injected (-p), not preloaded: interposes through GOTs */
	bool nolibc;             /* the agent of static programs: thread state through %gs */
	bool go_tls;             /* ... in a Go program: hit stacks in Go's m.tls (GO_TLS_*) */
};

extern struct agent agent;

/* agent.c: the steps attach.c shares with the launched path */
extern pthread_mutex_t arm_lock;
struct agent_session *session_slot(bool launched);
int session_connect(struct agent_session *se, const char *path);
void session_end(struct agent_session *se);
void arm_and_report(struct agent_session *se);
void agent_serve(struct agent_session *se);
int agent_arm_held(struct agent_session *se); /* attach.c: arm, threads held by the session */
void on_link_map_change(void);
void child_after_fork(void);

/* thread.c */
struct xol_thread *thread_self_slow(void);
#ifdef XOL_NOLIBC
struct xol_thread *thread_claim_for(pid_t tid, uint64_t fs_base);
void thread_claim_hook(void);
#endif
void thread_bind_all(struct xol_thread *t);
void thread_bind_session(const struct agent_session *se);
void thread_unbind_session(const struct agent_session *se);
void thread_quiesce(unsigned max_ms);
#ifndef XOL_NOLIBC
extern __thread struct xol_thread *xol_self __attribute__((tls_model("initial-exec")));
extern __thread uint64_t xol_hit_stack __attribute__((tls_model("initial-exec")));

/* The calling thread's state (one %fs-relative load), NULL until it has one. */
static inline struct xol_thread *thread_current(void)
{
	return xol_self;
}
#else
static inline uint64_t rdfsbase(void)
{
	uint64_t v;

	asm volatile("rdfsbase %0" : "=r"(v));
	return v;
}

/*
 * The agent for static programs has no TLS (thread.c): %gs points at the
 * thread's block, provided the block was claimed with this %fs base.
 */
extern volatile uint64_t *nolibc_fork_guard;
void nolibc_maps_refresh(void);
void thread_prefault_rings(void);
void thread_forked(void);

static inline struct xol_thread *thread_current(void)
{
	struct xol_thread *t;

	if (__builtin_expect(nolibc_fork_guard && !*nolibc_fork_guard, 0))
		thread_forked(); /* the first hit in a child after fork (thread.c) */
	asm volatile("rdgsbase %0" : "=r"(t));
	return t && t->owner_fs == rdfsbase() ? t : NULL;
}
#endif

/* Hit path: the calling thread's state, claimed on first use. */
static inline struct xol_thread *thread_self(void)
{
	struct xol_thread *t = thread_current();

	return __builtin_expect(t != NULL, 1) ? t : thread_self_slow();
}
void thread_init_main(void);
void thread_release_all_after_fork(void);
void thread_comm_changed(void);
void thread_emit_comm(struct xol_thread *t);
void thread_rename(pthread_t th, const char *name);
struct xol_thread *thread_pool_slot(unsigned i);

int agent_setup_hit_path(void);
int agent_thread_start(void *(*fn)(void *), void *arg, size_t stack);
int agent_quiet_enter(void);
void agent_quiet_leave(int prev);

/* site.c */
struct site *site_lookup(uint64_t addr);
struct site *site_lookup_displaced(uint64_t addr);
int sites_arm_all(struct agent_session *se);
void sites_drop_session(struct agent_session *se);
void sites_flush_skipped(const struct agent_session *se);
void sites_disarm_all(void);
void sites_forget_unmapped(void);
int site_place_hook(uint64_t addr, void (*fn)(void));
int site_place_hook_in(uint64_t addr, void (*fn)(void), uint64_t func_len);
int poke_text(uint64_t addr, const void *bytes, size_t len);
void *xolarea_alloc(uint64_t near, size_t size);

/* tramp.c */
int tramp_build(struct site *s, uint8_t *buf, size_t size, uint8_t *tramp, bool may_count,
		uint64_t *ret_code);
size_t tramp_bytes(const struct site *s);
void tramp_describe(const struct site *s, const char **entry, const char **ret);
/* The most tramp_bytes() may say. */
#define TRAMPOLINE_MAX (ARCH_RECORD_TRAMPOLINE_BYTES + ARCH_RETURN_TRAMPOLINE_BYTES)
_Static_assert(ARCH_STACK_TRAMPOLINE_BYTES <= TRAMPOLINE_MAX, "room for every trampoline");

/* hit.c */
void hit_entry(struct site *s, struct xol_regs *regs);
uint64_t hit_return(struct xol_regs *regs);
uint64_t xol_return_hit(struct xol_regs *regs);
void jump_hit(void *site, struct xol_regs *regs);
void xol_return_trampoline(void); /* arch/x86/rettramp.S */

/* signal.c */
int signals_install(void);
void signals_reassert(void);
int signals_interpose_late(void);

#endif
