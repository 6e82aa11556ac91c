// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libxolplugin.so: loaded by oracle-dl with dlopen, unloaded, loaded again.
 * Probes on it are armed each time it is mapped.
 */
#define PROBED __attribute__((noipa, visibility("default")))
#define EXPORTED __attribute__((visibility("default")))

EXPORTED long plugin_state = 0x5eed;
static const char *const words[4] = { "zero", "one", "two", "three" };

PROBED int plugin_op(int k, const char *what)
{
	int n = 0;

	while (what[n])
		n++;
	plugin_state += k;
	/* %ax = n, %di = k */
	__asm__ volatile(".globl plugin_op_mid\nplugin_op_mid:" :: "a"(n), "D"(k) : "memory");
	return k * 100 + n;
}

PROBED const char *plugin_word(unsigned i)
{
	return words[i & 3];
}
