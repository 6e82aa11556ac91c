// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 70-return-probes: unwinders inside and through return-probed frames:
 * backtrace(), _Unwind_Backtrace and a C++ throw see the real callers.
 */
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <execinfo.h>
#include <stdexcept>
#include <unwind.h>

static long calls, returned;

static void show(const char *what, void **pcs, int n)
{
	std::printf("%s:", what);
	for (int i = 0; i < n; i++) {
		Dl_info di;
		if (dladdr(pcs[i], &di) && di.dli_sname && !std::strncmp(di.dli_sname, "_Z", 2))
			std::printf(" %s", di.dli_sname);
		else if (dladdr(pcs[i], &di) && di.dli_sname && !std::strcmp(di.dli_sname, "main"))
			std::printf(" main");
	}
	std::printf("\n");
}

struct Acc {
	void *pcs[64];
	int n;
};

static _Unwind_Reason_Code step(struct _Unwind_Context *c, void *arg)
{
	Acc *a = static_cast<Acc *>(arg);
	if (a->n < 64)
		a->pcs[a->n++] = (void *)_Unwind_GetIP(c);
	return _URC_NO_REASON;
}

__attribute__((noipa)) int leaf(int mode)
{
	calls++;
	void *pcs[64];
	if (mode == 0) {
		show("backtrace", pcs, backtrace(pcs, 64));
	} else if (mode == 1) {
		Acc a{};
		_Unwind_Backtrace(step, &a);
		show("_Unwind_Backtrace", a.pcs, a.n);
	} else {
		throw std::runtime_error("from leaf");
	}
	returned++;
	return mode;
}

__attribute__((noipa)) int mid(int n, int mode)
{
	calls++;
	int r = n ? mid(n - 1, mode) + 1 : leaf(mode);
	returned++;
	return r;
}

__attribute__((noipa)) int top(int mode)
{
	calls++;
	int r;
	try {
		r = mid(3, mode);
	} catch (const std::exception &e) {
		std::printf("caught %s\n", e.what());
		r = -1;
	}
	returned++;
	return r;
}

int main()
{
	for (int i = 0; i < 3; i++)
		std::printf("top(%d) = %d\n", i, top(i));
	std::printf("calls=%ld returned=%ld left=%ld\n", calls, returned, calls - returned);
	return 0;
}
