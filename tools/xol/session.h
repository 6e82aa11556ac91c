/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tracing session: the programs it runs, their agents, their rings, and the drain. */
#ifndef XOL_TOOLS_SESSION_H
#define XOL_TOOLS_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/ring.h"
#include "core/wire.h"
#include "trace/probe.h"

struct xol_events;
struct session;

/* One record as the drain hands it to a sink. */
struct session_rec {
	uint64_t ns;              /* CLOCK_MONOTONIC */
	int32_t pid, tid;
	uint32_t cpu;
	const char *comm;
	const struct tp_event *event;
	const uint8_t *data;      /* the record as the event's format describes it */
	uint32_t size;
};

typedef void (*session_sink_fn)(struct session *s, const struct session_rec *r, void *ctx);

/* A process that connected: the launched one, its children, what they exec. */
struct session_proc {
	pid_t pid, ppid;
	char comm[XOL_COMM_LEN];
	int sock;                 /* -1 once it has gone */
	struct ring_region *region;
	struct wire_counters *counters; /* [XOL_COUNTER_ROWS][nprobes] */
	size_t counters_size;
	unsigned sites, refused;
	bool armed;               /* its agent said WIRE_ARMED at least once */
	uint32_t ctl_done;        /* seq of the last WIRE_CTL_DONE */
	struct thread_comm {      /* from the agent's WIRE_REC_COMM records */
		int32_t tid;
		char comm[XOL_COMM_LEN];
	} *comms;
	unsigned ncomms;
	struct session_proc *next;
};

struct session_opts {
	size_t buffer_size;       /* bytes of ring per process */
	int verbose;
	bool count_only;          /* xol stat: agents count hits, record nothing */
	bool no_jump;             /* --trap: never the jump path */
	bool control;             /* --control: commands on ctl_fd, acks on ack_fd */
	int ctl_fd, ack_fd;       /* ack_fd -1: none */
	long delay_ms;            /* -D: 0 none, -1 disabled until "enable", else ms */
	session_sink_fn sink;
	void *sink_ctx;
	/*
	 * The sink reads each byte of data once (it copies the record out):
	 * then it may be handed the ring's own bytes, which the target can
	 * still change, instead of a copy.
	 */
	bool sink_reads_once;
};

struct session {
	struct session_opts opts;
	const struct tp_event **events; /* by agent index */
	unsigned nevents;
	const struct tp_probe **probes; /* by agent event index */
	struct wire_place {             /* by agent probe index: where each probe goes */
		unsigned tp;            /* index into probes */
		uint64_t offset;        /* the probe's, or one of its Go function's rets */
		uint32_t flags;         /* WIRE_PROBE_* */
		uint64_t func_off, func_len, cold_off, cold_len;
	} *places;
	unsigned nplaces;
	const struct tp_event **by_id;  /* [65536]: record type -> event */
	unsigned nprobes;
	int defs_fd;
	size_t defs_size;
	char dir[64], sock_path[96];
	int listen_fd;
	pid_t child;
	int status;               /* of the launched program, waitpid form */
	struct session_proc *procs;
	pid_t *attached;          /* -p: the processes attached to (attach.c) */
	unsigned nattached;
	uint64_t end_ns;          /* -p --duration: CLOCK_MONOTONIC end, 0: none */
	uint64_t tsc0, tsc_last;  /* TSC -> CLOCK_MONOTONIC */
	uint64_t ns0, ns_last;
	double ns_per_tsc;        /* the slope: (ns_last - ns0) / (tsc_last - tsc0) */
	unsigned drain_fill;      /* the last drain's fullest ring, in 1/256 of a ring */
	unsigned wait_max_us;     /* longest sleep between drains (a quarter ring at full speed) */
	bool disabled;            /* --control / -D: the agents arm nothing */
	uint32_t ctl_seq;
	uint64_t enable_ns;       /* -D MSECS: when to enable, 0: not pending */
	char ctl_line[128];       /* --control: a command read in part */
	size_t ctl_len;
	struct session_guest {    /* another user's process attached to (session_admit) */
		pid_t pid;
		uid_t uid;
	} *guests;
	unsigned nguests;
};

int session_init(struct session *s, const struct xol_events *evs, const struct session_opts *o);
/* Start argv[0] with the agent preloaded; its probes are armed before its main(). */
int session_spawn(struct session *s, char **argv);
/*
 * Serve agents and drain until the launched program has exited (returns
 * its status), or, attached (-p), until a signal, the end of --duration or
 * the end of every attached process (returns 0).
 */
int session_run(struct session *s);
/*
 * Enable (arm every probe) or disable (disarm every probe, wait for hits
 * under way) in every process, and in those that connect later; returns
 * when every agent has said it is done (at most 2 s each).
 */
void session_enable(struct session *s, bool on);

/* control.c: perf's --control fifo:CTL[,ACK] or fd:CTL[,ACK] into @o (message printed). */
int control_parse(const char *arg, struct session_opts *o);
/* Read and run what is on the control descriptor: enable, disable, ping. */
void control_read(struct session *s);

/* Hits, misses and lost records per event, summed over every process. */
void session_totals(const struct session *s, unsigned event, uint64_t out[3]);
uint64_t session_left(const struct session *s, unsigned event);
void session_print_summary(const struct session *s, FILE *out);
void session_destroy(struct session *s);

/*
 * Let the agent in @pid, which runs as another user (@uid; the session has
 * CAP_SYS_PTRACE), connect: the socket becomes reachable by every user,
 * and a peer is accepted if it runs as the session's user, or as @uid and
 * is @pid or a descendant of it.  0 or -errno.
 */
int session_admit(struct session *s, pid_t pid, uid_t uid);

/* For attach.c: the agent to load, one agent connecting, one message of an agent. */
const char *session_agent_path(void);
struct session_proc *session_accept(struct session *s, int timeout_ms);
void session_proc_message(struct session *s, struct session_proc *p);

/* Smallest --buffer-size: two rings (one exclusive, one shared) of RING_SIZE_MIN. */
#define SESSION_BUFFER_MIN (2 * RING_SIZE_MIN)
/*
 * The default: on 2 CPUs (5 rings) a thread's ring is 8 MiB, 4 ms of a
 * writer flat out (2 bytes/ns), and a traced process never holds more
 * than 64 MiB of rings, however many processes a session traces.  A
 * 256M buffer (32 MiB rings) lost records in fewer of bench/record's runs
 * on the busy 2-CPU machine than 64M did: --buffer-size is the knob.  On
 * 8 or more CPUs, 17 rings of 2 MiB.  A thread's ring is committed when the
 * thread starts (ring_prefault), so a process holds at most the buffer.
 */
#define SESSION_BUFFER_DEFAULT ((size_t)64 << 20)
unsigned session_rings(size_t size);

/* The exit status a shell would give for a waitpid() status. */
int session_exit_code(int status);

#endif
