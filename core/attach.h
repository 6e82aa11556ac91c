/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attaching to a running process (-p): the agent's entry point and the pause protocol. */
#ifndef XOL_CORE_ATTACH_H
#define XOL_CORE_ATTACH_H

#include <stdint.h>

/*
 * The session injects the agent into a running process with ptrace: the
 * process calls dlopen() of libxol-agent.so (or nothing, if the agent is
 * there already from an earlier session), then
 *
 *	int xol_agent_attach(const char *session_path);
 *
 * which only starts the agent's own thread and returns 0 (or -EBUSY while
 * another attach is being set up or every session slot is taken, -errno),
 * so the interrupted thread is given
 * back at once.  That thread connects as every agent does (HELLO, DEFS),
 * then arms with the program's threads held still by the session:
 *
 *   agent                                   session
 *   HELLO                       ───────►
 *                               ◄───────    DEFS
 *   PAUSE {tid: the agent's}    ───────►    ptrace-stops every other thread
 *                               ◄───────    PAUSED
 *   SITE ..., ARMED             ───────►    for each stopped thread:
 *                               ◄───────      MAPIP {ip}
 *   MAPIP {ip, to}              ───────►      (to != 0: moved there)
 *                               ◄───────    RESUME, then the threads are detached
 *   ... serves as a launched agent; EOF: disarm, BYE
 *
 * MAPIP asks where a thread stopped at @ip continues if @ip lies inside
 * the bytes a jump displaced (the matching point of the trampoline's
 * copy), 0 if it need not move.
 *
 * The agent of static programs (xol-agent-static.so, which xol maps itself
 * and whose xol_agent_attach() runs on a stack of xol's) has no TLS: a
 * thread finds its block through %gs.  Before MAPIP, in that phase:
 *
 *                               ◄───────    HOOK {ip, to: its length}: Go's runtime.schedule,
 *   HOOK {ip, to: 0 or -errno}  ───────►      where each M claims a block
 *                               ◄───────    CLAIM {ip: fs base, to: tid}
 *   CLAIM {ip, to: block}       ───────►    (the session sets the thread's %gs)
 *
 * Enabling again (--control) arms the same way, threads held, since a
 * thread of the running program may sit between two instructions that
 * the jump is about to cover:
 *
 *   ENABLE {seq}                ◄───────
 *   PAUSE ... RESUME as above
 *
 * Disabling needs no pause: while armed, no thread can be inside the
 * displaced bytes, and one that reaches the site mid-restore traps and
 * goes through the copy.
 */
#define XOL_ATTACH_SYMBOL "xol_agent_attach"

enum wire_attach_type {
	WIRE_PAUSE = 0x100,
	WIRE_PAUSED,
	WIRE_MAPIP,
	WIRE_RESUME,
	WIRE_HOOK,
	WIRE_CLAIM,
};

struct wire_attach {
	uint32_t type;           /* WIRE_PAUSE ... WIRE_RESUME */
	int32_t tid;             /* PAUSE: the agent's thread, not to be stopped */
	uint64_t ip, to;         /* MAPIP, HOOK, CLAIM */
};

#endif
