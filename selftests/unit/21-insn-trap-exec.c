// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trap path, executed: an int3 at every instruction of real -O2 and
 * hand-written functions, the hit resumed through arch_emulate() or the
 * out-of-line slot (near the code, and more than 4 GiB away from it), and
 * every function must return exactly what it returns untouched.
 */
#define INSN_FUNCS_NO_MAIN
#include "../targets/insn-funcs.c"
#include "../targets/insn-harness.h"
#include "tap.h"

enum mode { M_EMULATE, M_NEAR, M_FAR, M_NR };
static const char *const mode_name[M_NR] = { "emulate+near slot", "near slot", "far slot" };

static uint8_t *near_slot, *far_slot;

/* What the whole run covered, for the checks at the end. */
static struct {
	long sites, refused, hit_sites, hits, emulated;
	long far_refused;		/* prepare refused: rip-relative + stack in a far slot */
	long cls_hit[ARCH_INSN_NR_CLASSES];
	long far_scratch_hit;		/* rip-relative through a scratch register, executed */
} cov;

struct site_result {
	int failed;
	char why[160];
};

static int run_site(const struct insn_func *f, const struct arch_insn *ai, enum mode m,
		    const long *expect, struct site_result *res)
{
	uint8_t *slot = m == M_FAR ? far_slot : near_slot;
	const char *reason = NULL;
	long got[INSN_NINPUTS];
	int n, sig;

	memset(slot, 0xcc, ARCH_SLOT_BYTES);
	n = arch_prepare_slot(ai, slot, ARCH_SLOT_BYTES, (uint64_t)slot, &reason);
	if (n < 0) {
		if (m == M_FAR && n == -ENOTSUP && reason && strstr(reason, "stack pointer")) {
			cov.far_refused++;
			return 0;
		}
		snprintf(res->why, sizeof(res->why), "prepare: %d %s", n, reason ? reason : "");
		return -1;
	}
	trap_arm(ai, (uint64_t)slot, m == M_EMULATE ? TRAP_EMULATE : TRAP_SLOT);
	sig = TRY(insn_func_run(f, got));
	trap_disarm();
	if (sig) {
		snprintf(res->why, sizeof(res->why), "signal %d at %#lx (slot %p)", sig,
			 (unsigned long)try_ip, (void *)slot);
		return -1;
	}
	for (unsigned i = 0; i < INSN_NINPUTS; i++)
		if (got[i] != expect[i]) {
			snprintf(res->why, sizeof(res->why), "input %u: got %ld want %ld (%ld hits)", i,
				 got[i], expect[i], trap.hits);
			return -1;
		}
	if (m == M_NEAR && trap.hits) {
		cov.hit_sites++;
		cov.hits += trap.hits;
		cov.cls_hit[ai->cls]++;
	}
	if (m == M_FAR && trap.hits && (ai->flags & ARCH_INSN_F_RIPREL) &&
	    ai->cls == ARCH_INSN_RIPREL && !(ai->flags & ARCH_INSN_F_NO_FALLTHROUGH))
		cov.far_scratch_hit++;
	if (m == M_EMULATE)
		cov.emulated += trap.emulated;
	return trap.hits ? 1 : 0;
}

static void test_function(const struct insn_func *f)
{
	const uint8_t *code = (const uint8_t *)f->fn;
	size_t size = insn_sym_size(f->name);
	long expect[INSN_NINPUTS];
	int failures[M_NR] = { 0 }, reached = 0, nsites = 0;
	char first_fail[M_NR][512] = { { 0 } };
	struct arch_insn ai;

	if (!size) {
		ok(0, "%s: no symbol size", f->name);
		return;
	}
	insn_func_run(f, expect);
	if (insn_text_writable(code, size)) {
		ok(0, "%s: mprotect: %s", f->name, strerror(errno));
		return;
	}
	for (size_t off = 0; off < size; off += ai.len) {
		char text[96];
		int r;

		r = arch_analyze(&ai, code + off, size - off, (uint64_t)(code + off));
		arch_insn_text(&ai, text, sizeof(text));
		if (r) {
			printf("# %s+%#zx %-40s refused: %s\n", f->name, off, text, ai.reason);
			cov.refused++;
			if (!strncmp(ai.reason, "undecodable", 11) || !strncmp(ai.reason, "truncated", 9))
				break;
			continue;
		}
		nsites++;
		cov.sites++;
		for (int m = 0; m < M_NR; m++) {
			struct site_result res = { 0 };

			r = run_site(f, &ai, m, expect, &res);
			if (r < 0) {
				if (!failures[m]++)
					snprintf(first_fail[m], sizeof(first_fail[m]), "+%#zx %s [%s]: %s",
						 off, text, arch_insn_class_name(&ai), res.why);
			} else if (m == M_NEAR && r > 0) {
				reached++;
			}
		}
	}
	for (int m = 0; m < M_NR; m++) {
		ok(failures[m] == 0, "%s: %d sites (%d reached), same results through %s", f->name,
		   nsites, reached, mode_name[m]);
		if (failures[m])
			printf("#   %d failed, first %s\n", failures[m], first_fail[m]);
	}
}

int main(void)
{
	uint64_t code = (uint64_t)insn_funcs[0].fn;

	insn_harness_init();
	near_slot = insn_map_near(code, 4096);
	far_slot = insn_map_far(code, 4096);
	ok(near_slot && insn_dist((uint64_t)near_slot, code) < (1LL << 31), "near slot at %p",
	   (void *)near_slot);
	ok(far_slot && insn_dist((uint64_t)far_slot, code) > (4LL << 30) &&
	   insn_dist((uint64_t)far_slot, (uint64_t)&g_q) > (4LL << 30), "far slot at %p",
	   (void *)far_slot);
	if (!near_slot || !far_slot)
		return done_testing();

	for (unsigned i = 0; i < INSN_NFUNCS; i++) {
		if (!insn_func_runnable(&insn_funcs[i])) {
			printf("# skip %s: CPU lacks the instructions\n", insn_funcs[i].name);
			continue;
		}
		test_function(&insn_funcs[i]);
	}

	printf("# %ld sites, %ld refused, %ld reached, %ld hits, %ld emulated, %ld far-refused\n",
	       cov.sites, cov.refused, cov.hit_sites, cov.hits, cov.emulated, cov.far_refused);
	ok(cov.hit_sites > 300, "more than 300 distinct sites were hit (%ld)", cov.hit_sites);
	ok(cov.emulated > 0, "emulation handled hits (%ld)", cov.emulated);
	for (int c = 0; c < ARCH_INSN_NR_CLASSES; c++) {
		struct arch_insn probe = { .cls = c };

		ok(cov.cls_hit[c] > 0, "class %s was hit at %ld sites", arch_insn_class_name(&probe),
		   cov.cls_hit[c]);
	}
	ok(cov.far_scratch_hit > 10, "rip-relative operands ran through a scratch register (%ld sites)",
	   cov.far_scratch_hit);
	ok(cov.far_refused > 0 && cov.far_refused < 10,
	   "only stack-using rip-relative instructions refuse a far slot (%ld)", cov.far_refused);
	return done_testing();
}
