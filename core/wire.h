/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session protocol: what the xol command and an agent say to each other. */
#ifndef XOL_CORE_WIRE_H
#define XOL_CORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "trace/fetch.h"

/*
 * Every traced process (the launched one, each child after fork, each
 * program started by exec) connects to the session's socket on its own, a
 * SOCK_SEQPACKET unix socket in a 0700 directory of the session's user
 * (XOL_SESSION names it).  The session also checks SO_PEERCRED.
 *
 *   agent                               session
 *   HELLO {pid, ppid, comm}   ───────►
 *                             ◄───────  DEFS blob, fd of a new ring region
 *   ARMED {sites, refused}    ───────►  (one SITE message per site first)
 *   ...                                 drains the region while it runs
 *   BYE (at exit) or EOF      ───────►  final drain
 *
 * EOF seen by the agent (the session died or ended) disarms every probe.
 *
 * The DEFS blob is plain data in the agent's own layout, made by the
 * session of the same user from definitions it has checked; the agent
 * still checks every size and index before using it.
 */

#define XOL_WIRE_MAGIC   0x786f6c31u /* "xol1" */
#define XOL_SESSION_ENV  "XOL_SESSION"
#define XOL_COMM_LEN     16

/*
 * Ring records of this type (the ring header's type; events use their
 * ids, all below it) carry a thread's comm, XOL_COMM_LEN bytes: written
 * when a thread starts and whenever its name changes, as perf's COMM
 * records, so the session names every line after the thread as it was.
 */
#define WIRE_REC_COMM    0xffff

/*
 * Hit counters, in a shared memfd the session sizes and reads: one row
 * per thread slot of the agent (each thread counts in its own row with
 * plain stores, no atomic instruction), plus a last row that threads
 * without a slot share with atomics.  A row has one struct
 * wire_counters per probe, rounded up to whole cache lines so that two
 * threads never write the same line (with one probe, rows 32 bytes apart
 * cost two counting threads a third of their throughput).
 */
#define XOL_THREAD_SLOTS 512
#define XOL_SESSIONS_MAX 4 /* sessions tracing one process at once */
#define XOL_COUNTER_ROWS (XOL_THREAD_SLOTS + 1)

struct wire_counters {
	uint64_t hits, misses, lost;
	uint64_t left;           /* return probes: frames left without returning */
};

/* Counters from one row to the next: nevents rounded up to a 64-byte multiple. */
static inline unsigned wire_row_stride(unsigned nevents)
{
	return (nevents + 1) & ~1u;
}

/* Bytes of the counters memfd for nevents probes, whole pages. */
static inline size_t wire_counters_bytes(unsigned nevents)
{
	return ((size_t)XOL_COUNTER_ROWS * wire_row_stride(nevents) * sizeof(struct wire_counters) +
		4095) & ~(size_t)4095;
}

enum wire_type {
	WIRE_HELLO = 1,
	WIRE_DEFS,
	WIRE_SITE,
	WIRE_ARMED,
	WIRE_BYE,
	WIRE_ENABLE,             /* session -> agent: arm every probe (wire_ctl) */
	WIRE_DISABLE,            /* session -> agent: disarm every probe (wire_ctl) */
	WIRE_CTL_DONE,           /* agent -> session: that command is complete */
};

struct wire_hello {
	uint32_t type;           /* WIRE_HELLO */
	uint32_t magic;
	int32_t pid, ppid;
	char comm[XOL_COMM_LEN];
	char exe[256];
};

/* One event as the agent runs it.  Followed by nargs wire_args, then data. */
struct wire_event {
	uint16_t id;
	uint8_t is_return;
	uint8_t flags;           /* WIRE_EV_* */
	uint16_t nargs;
	uint16_t data_len;       /* immediate-string pool, after the args */
	uint32_t fixed_size;     /* header + fixed fields of a record */
	uint32_t reserved;       /* 0: keeps the wire_args after it 8-byte aligned */
};

_Static_assert(sizeof(struct wire_event) % 8 == 0, "wire_args follow a wire_event aligned");

#define WIRE_EV_COUNT_ONLY 0x01 /* count hits, record nothing (xol stat) */

struct wire_arg {
	uint32_t offset;         /* of the field in the record */
	uint8_t kind, size, count, reserved; /* struct tp_type */
	struct fetch_prog prog;
};

struct wire_probe {
	uint64_t dev, ino;
	uint64_t offset;         /* file offset */
	uint64_t refctr;         /* 0: none */
	uint32_t event;          /* index into the events */
	uint32_t flags;          /* WIRE_PROBE_* */
	/*
	 * The function around the probe and its split-off .cold part, as
	 * file offsets from the ELF symbols (len 0: unknown).  The jump path
	 * is taken only when no branch of these can land inside the bytes it
	 * displaces.
	 */
	uint64_t func_off, func_len;
	uint64_t cold_off, cold_len;
};

#define WIRE_PROBE_NO_JUMP 0x01  /* always use the trap path */
/*
 * A ret instruction of a return-probed function whose return address must
 * not be hijacked (Go: its stacks move, and its unwinder reads them).  The
 * probe's return events fire at the ret itself, with __probe_func the
 * function's entry (func_off) and __probe_ret_ip the word at %sp: the
 * records an ordinary return probe would make.
 */
#define WIRE_PROBE_RET_SITE 0x02
/*
 * The code runs on stacks with no room to spare below %sp (Go's goroutine
 * stacks): the hit handler runs on a stack of the agent's.
 */
#define WIRE_PROBE_OWN_STACK 0x04

struct wire_defs {
	uint32_t type;           /* WIRE_DEFS */
	uint32_t magic;
	uint32_t nevents, nprobes;
	uint32_t size;           /* of the whole message */
	uint32_t flags;          /* WIRE_DEFS_* */
	uint64_t tsc_hz;         /* 0: agent stamps CLOCK_MONOTONIC ns */
	/* nprobes wire_probe, then nevents × (wire_event, args, data, padded to 8) */
};

#define WIRE_DEFS_DISABLED 0x01 /* arm nothing until WIRE_ENABLE (--control, -D -1) */

/* Sent once per site after arming, and when a library is (un)mapped. */
struct wire_site {
	uint32_t type;           /* WIRE_SITE */
	uint32_t probe;          /* index into the probes */
	uint64_t addr;           /* where it was placed (0: refused) */
	int32_t err;             /* 0 or -errno */
	uint32_t path_kind;      /* enum site_path */
	char why[256];           /* refusal reason, or how it was placed */
};

struct wire_armed {
	uint32_t type;           /* WIRE_ARMED */
	uint32_t nsites, nrefused;
};

/*
 * Enable and disable (xol's --control): the session sends WIRE_ENABLE or
 * WIRE_DISABLE; the agent answers WIRE_CTL_DONE with the same seq once
 * every site is armed, or once every site is back as it was and no hit
 * is still being recorded.  While disabled, libraries loaded later are
 * not armed either.
 */
struct wire_ctl {
	uint32_t type;
	uint32_t seq;
	uint32_t nsites;         /* CTL_DONE after ENABLE: sites placed */
	uint32_t reserved;
};

#endif
