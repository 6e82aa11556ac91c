// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library that dlphases loads, unloads and loads again.  Its
 * constructor calls plug_work(-1) once per load: before dlopen() returns,
 * so only a probe armed when the library is mapped sees that call.
 */
__attribute__((noinline)) int plug_work(int i)
{
	asm volatile("" : "+r"(i));
	return i * 7 + 1;
}

__attribute__((constructor)) static void plug_init(void)
{
	plug_work(-1);
}
