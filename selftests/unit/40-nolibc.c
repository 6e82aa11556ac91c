// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static agent's libc (core/nolibc.c), built with its names prefixed
 * (xnl_snprintf) and held against glibc's own in the same process:
 * formats, /proc/self/maps lines, numbers, sorting, the allocator under
 * two threads, the futex mutex, the environment block, errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/nolibc.h"
#include "selftests/unit/tap.h"

int NL(snprintf)(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int NL(sscanf)(const char *s, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
int NL(__isoc99_sscanf)(const char *s, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
unsigned long NL(strtoul)(const char *s, char **end, int base);
void NL(qsort)(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *));
void *NL(malloc)(size_t n);
void *NL(calloc)(size_t n, size_t size);
void *NL(realloc)(void *p, size_t n);
void NL(free)(void *p);
char *NL(getenv)(const char *name);
char *NL(strerror)(int e);
int *NL(__errno_location)(void);
long NL(syscall)(long nr, ...);
int NL(close)(int fd);
int NL(open)(const char *path, int flags, ...);
ssize_t NL(pread)(int fd, void *buf, size_t n, off_t off);
ssize_t NL(pwrite)(int fd, const void *buf, size_t n, off_t off);
int NL(fstat)(int fd, struct stat *st);
ssize_t NL(readlink)(const char *path, char *buf, size_t n);
pid_t NL(getpid)(void);
long NL(sysconf)(int name);
int NL(pthread_mutex_lock)(pthread_mutex_t *m);
int NL(pthread_mutex_unlock)(pthread_mutex_t *m);
int NL(sigfillset)(sigset_t *set);
int NL(sigemptyset)(sigset_t *set);
int NL(sigaddset)(sigset_t *set, int sig);
int NL(sigdelset)(sigset_t *set, int sig);
void *NL(memmove)(void *d, const void *s, size_t n);
int NL(memcmp)(const void *a, const void *b, size_t n);
char *NL(strchr)(const char *s, int c);
char *NL(strrchr)(const char *s, int c);
int NL(strcmp)(const char *a, const char *b);
int NL(strncmp)(const char *a, const char *b, size_t n);
char *NL(strncpy)(char *d, const char *s, size_t n);
char *NL(strstr)(const char *hay, const char *needle);
void NL(__assert_fail)(const char *expr, const char *file, unsigned line, const char *func);

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* --- snprintf: the same text and length as glibc's, whole and cut short --- */

static int fmt_bad;

#define SAME(...)                                                                     \
	do {                                                                          \
		char want_[256], got_[256];                                           \
		int nw_ = snprintf(want_, sizeof(want_), __VA_ARGS__);                \
		int ng_ = NL(snprintf)(got_, sizeof(got_), __VA_ARGS__);              \
		int nc_ = NL(snprintf)(got_ + 200, 7, __VA_ARGS__);                   \
		if (nw_ != ng_ || strcmp(want_, got_) || nc_ != nw_ ||                \
		    strncmp(got_ + 200, want_, 6) || strlen(got_ + 200) > 6) {        \
			if (fmt_bad++ < 20)                                           \
				printf("# %s: want '%s' (%d), got '%s' (%d), cut '%s'\n", \
				       #__VA_ARGS__, want_, nw_, got_, ng_, got_ + 200); \
		}                                                                     \
	} while (0)

static void test_snprintf(void)
{
	static const long long vals[] = { 0, 1, -1, 7, 42, -42, 255, 4096, INT_MAX, INT_MIN,
					  UINT_MAX, LLONG_MAX, LLONG_MIN, 0x7fff12345678LL,
					  -0x123456789LL };
	static const char *strs[] = { "", "a", "hello", "a longer string of text" };
	char tiny[4] = "xyz";
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		long long v = vals[i];

		SAME("%d|%i|%5d|%-5d|%05d|%+d|% d|%.3d|%8.3d|%-8.3d|", (int)v, (int)v, (int)v,
		     (int)v, (int)v, (int)v, (int)v, (int)v, (int)v, (int)v);
		SAME("%u|%x|%X|%o|%#x|%#X|%#o|%08x|%#010x|%.0u|%.0x|%#.0x|%#.0o|", (unsigned)v, (unsigned)v,
		     (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v,
		     (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v);
		SAME("%ld|%lu|%lx|%20ld|%-20lx|%020lu|", (long)v, (unsigned long)v,
		     (unsigned long)v, (long)v, (unsigned long)v, (unsigned long)v);
		SAME("%lld|%llu|%llx|%#llx|%016llx|%#18llx|%-#18llx|", v, (unsigned long long)v,
		     (unsigned long long)v, (unsigned long long)v, (unsigned long long)v,
		     (unsigned long long)v, (unsigned long long)v);
		SAME("%hd|%hu|%hhd|%hhu|%hx|%zu|%zd|%jd|%td|", (short)v, (unsigned short)v,
		     (signed char)v, (unsigned char)v, (unsigned short)v, (size_t)v, (ssize_t)v,
		     (intmax_t)v, (ptrdiff_t)v);
		SAME("%p|%20p|%-20p|", (void *)(uintptr_t)v, (void *)(uintptr_t)v,
		     (void *)(uintptr_t)v);
		SAME("%*d|%-*d|%.*d|%*x|", 9, (int)v, 9, (int)v, 4, (int)v, -9, (unsigned)v);
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *s = strs[i];

		SAME("%s|%10s|%-10s|%.3s|%.*s|%10.2s|%-*.*s|", s, s, s, s, 4, s, s, 8, 3, s);
		SAME("[%s] at 0x%lx: '%s' %u bytes%s", s, 0x401000ul, s, 5u, s);
	}
	SAME("%c|%3c|%-3c|%%|100%%", 'a', 'b', 'c');
	SAME("%.*s", 3, tiny);
	SAME("/proc/%d/task/%u/stat", 1234, 5678u);
	SAME("%p", (void *)0);
	SAME("%s", "");
	ok(!fmt_bad, "snprintf: glibc's text and length for every format the agent uses");
	is_int(NL(snprintf)(NULL, 0, "%d-%s", 12345, "abc"), 9, "snprintf(NULL, 0) gives the length");
	{
		char b[4] = "zzz";

		is_int(NL(snprintf)(b, 1, "abc"), 3, "snprintf into 1 byte: the length");
		is_int(b[0], 0, "snprintf into 1 byte: an empty string");
	}
}

/* --- sscanf: /proc/self/maps as site.c reads it, and some more ------------- */

#define MAPS_FMT "%lx-%lx %7s %lx %x:%x %lu"

static void test_sscanf(void)
{
	static const char *lines[] = {
		"55d4c7a00000-55d4c7a21000 r--p 00000000 fd:01 1835090   /usr/bin/cat",
		"7ffd0a3f1000-7ffd0a412000 rw-p 00000000 00:00 0                          [stack]",
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]",
		"7f00-7f01 rwxs 1234abcd 103:0f 4294967296",
		"7f00-7f01 rwxp",
		"garbage",
		"",
	};
	char line[512];
	unsigned nlines = 0, bad = 0, i;
	FILE *f = fopen("/proc/self/maps", "r");

	for (i = 0; f && i < 1000; i++) {
		const char *l;

		if (i < sizeof(lines) / sizeof(lines[0]))
			l = lines[i];
		else if (fgets(line, sizeof(line), f))
			l = line;
		else
			break;
		unsigned long s1 = 1, e1 = 1, o1 = 1, n1 = 1, s2 = 2, e2 = 2, o2 = 2, n2 = 2;
		unsigned ma1 = 1, mi1 = 1, ma2 = 2, mi2 = 2;
		char p1[8] = "", p2[8] = "";
		int r1 = sscanf(l, MAPS_FMT, &s1, &e1, p1, &o1, &ma1, &mi1, &n1);
		int r2 = NL(__isoc99_sscanf)(l, MAPS_FMT, &s2, &e2, p2, &o2, &ma2, &mi2, &n2);

		nlines++;
		if (r1 != r2 || (r1 >= 1 && s1 != s2) || (r1 >= 2 && e1 != e2) ||
		    (r1 >= 3 && strcmp(p1, p2)) || (r1 >= 4 && o1 != o2) ||
		    (r1 >= 5 && ma1 != ma2) || (r1 >= 6 && mi1 != mi2) || (r1 >= 7 && n1 != n2)) {
			if (bad++ < 5)
				printf("# '%s': glibc %d, nolibc %d\n", l, r1, r2);
		}
	}
	if (f)
		fclose(f);
	ok(nlines > 10 && !bad, "sscanf: %u maps lines read as glibc reads them", nlines);

	{
		int d = 0, n = 0;
		unsigned u = 0;
		char s[8] = "", c[3] = "";
		long l = 0;
		int r = NL(sscanf)("  -17 abcdefgh xy 42:0x1f rest", "%d %5s%*s %2c %u:%li%n", &d, s,
				   c, &u, &l, &n);

		ok(r == 5 && d == -17 && !strcmp(s, "abcde") && !memcmp(c, "xy", 2) && u == 42 &&
		   l == 31 && n == 25,
		   "sscanf: %%d %%5s %%*s %%2c %%u %%li %%n");
		is_int(NL(sscanf)("", "%d", &d), -1, "sscanf: EOF before the first conversion");
		is_int(NL(sscanf)("x", "%d", &d), 0, "sscanf: a matching failure assigns nothing");
		is_int(NL(sscanf)("5 %", "%d %%", &d), 1, "sscanf: %%%% matches a percent sign");
	}
}

/* --- strtoul -------------------------------------------------------------------- */

static void test_strtoul(void)
{
	static const char *strs[] = { "0", "123", "  42xyz", "0x1F", "0X1f", "0x", "0xg", "017",
				      "09", "-1", "+5", "ffff", "18446744073709551615",
				      "18446744073709551616", "99999999999999999999999", "", "z",
				      "0x7fffffffffffffff", "-0x10", "1010", "zz" };
	static const int bases[] = { 0, 8, 10, 16, 2, 36 };
	unsigned bad = 0;
	size_t i, j;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
			char *e1, *e2;
			unsigned long v1, v2;
			int err1, err2;

			errno = 0;
			*NL(__errno_location)() = 0;
			v1 = strtoul(strs[i], &e1, bases[j]);
			err1 = errno;
			v2 = NL(strtoul)(strs[i], &e2, bases[j]);
			err2 = *NL(__errno_location)();
			if (v1 != v2 || e1 != e2 || err1 != err2) {
				if (bad++ < 5)
					printf("# strtoul('%s', %d): glibc %lu +%td e%d, nolibc %lu +%td e%d\n",
					       strs[i], bases[j], v1, e1 - strs[i], err1, v2,
					       e2 - strs[i], err2);
			}
		}
	ok(!bad, "strtoul: value, end and errno as glibc's, bases 0 2 8 10 16 36");
}

/* --- qsort ------------------------------------------------------------------------- */

struct rec {
	uint64_t key;
	uint32_t seq;
	char pad[12];
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static void test_qsort(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 10, 100, 1000, 4097 };
	unsigned bad = 0;
	size_t i, j;

	srand(1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		int *a = malloc((n + 1) * sizeof(*a)), *b = malloc((n + 1) * sizeof(*b));
		struct rec *r = malloc((n + 1) * sizeof(*r));
		uint64_t sum = 0, sum2 = 0;

		for (j = 0; j < n; j++) {
			a[j] = b[j] = rand() % (int)(n / 2 + 1) - (int)n / 4;
			r[j] = (struct rec){ .key = (uint64_t)rand() << 20, .seq = (uint32_t)j };
			sum += r[j].key * 3 + r[j].seq;
		}
		qsort(a, n, sizeof(*a), cmp_int);
		NL(qsort)(b, n, sizeof(*b), cmp_int);
		if (n && memcmp(a, b, n * sizeof(*a)))
			bad++;
		NL(qsort)(r, n, sizeof(*r), cmp_rec);
		for (j = 0; j < n; j++) {
			sum2 += r[j].key * 3 + r[j].seq;
			if (j && r[j - 1].key > r[j].key)
				bad++;
		}
		if (sum != sum2)
			bad++;
		free(a), free(b), free(r);
	}
	ok(!bad, "qsort: ints as glibc sorts them, 32-byte records in order and all kept");
}

/* --- malloc, realloc, free: contents kept, 16-byte aligned, two threads ---------- */

#define SLOTS 512

static size_t rand_size(unsigned *seed)
{
	unsigned r = rand_r(seed);

	switch (r % 8) {
	case 0:
		return r % 17;
	case 1:
		return 65536 - 16 + r % 33; /* either side of the big-block line */
	case 2:
		return r % 300000;
	default:
		return r % 2048;
	}
}

static unsigned char fill(uintptr_t slot, size_t i)
{
	return (unsigned char)(slot * 7 + i * 13 + 1);
}

static void *stress(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg, bad = 0;
	unsigned char *p[SLOTS] = { 0 };
	size_t len[SLOTS] = { 0 }, i, k;
	int round;

	for (round = 0; round < 20000; round++) {
		size_t s = (size_t)rand_r(&seed) % SLOTS, n = rand_size(&seed), keep;
		unsigned op = (unsigned)rand_r(&seed) % 4;

		for (i = 0; i < len[s]; i++)
			if (p[s][i] != fill(s, i))
				bad++;
		if ((uintptr_t)p[s] & 15)
			bad++;
		if (op == 0) {
			NL(free)(p[s]);
			p[s] = NULL;
			len[s] = 0;
			continue;
		}
		if (op == 1 && p[s]) {
			unsigned char *q = NL(realloc)(p[s], n);

			if (!n) {
				p[s] = NULL;
				len[s] = 0;
				continue;
			}
			if (!q) {
				bad++;
				continue;
			}
			keep = n < len[s] ? n : len[s];
			p[s] = q;
		} else {
			NL(free)(p[s]);
			p[s] = op == 2 ? NL(calloc)(1, n) : NL(malloc)(n);
			if (!p[s]) {
				bad++;
				len[s] = 0;
				continue;
			}
			keep = 0;
			if (op == 2)
				for (k = 0; k < n; k++)
					if (p[s][k])
						bad++;
		}
		for (i = keep; i < n; i++)
			p[s][i] = fill(s, i);
		len[s] = n;
	}
	for (i = 0; i < SLOTS; i++)
		NL(free)(p[i]);
	return (void *)(uintptr_t)bad;
}

static void test_malloc(void)
{
	pthread_t t;
	void *bad1, *bad2;

	pthread_create(&t, NULL, stress, (void *)2);
	bad1 = stress((void *)1);
	pthread_join(t, &bad2);
	ok(!bad1 && !bad2, "malloc/calloc/realloc/free: two threads, 20000 random steps each, contents kept");
	is_int((uintptr_t)NL(malloc)(SIZE_MAX - 8), 0, "malloc(SIZE_MAX - 8) fails");
	is_int(*NL(__errno_location)(), ENOMEM, "... with ENOMEM");
	is_int((uintptr_t)NL(calloc)(SIZE_MAX / 2, 4), 0, "calloc that overflows fails");
}

/* --- pthread_mutex: the futex word under two threads --------------------------------- */

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static volatile long counter;

static void *count(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 500000; i++) {
		NL(pthread_mutex_lock)(&mutex);
		counter = counter + 1;
		NL(pthread_mutex_unlock)(&mutex);
	}
	return NULL;
}

static void test_mutex(void)
{
	pthread_t t;

	pthread_create(&t, NULL, count, NULL);
	count(NULL);
	pthread_join(t, NULL);
	is_int(counter, 1000000, "pthread_mutex_lock: no increment lost between two threads");
}

/* --- the rest: getenv, strerror, errno, system calls, strings, signal sets ---------- */

static void *assert_thread(void *arg)
{
	(void)arg;
	NL(__assert_fail)("0", __FILE__, __LINE__, __func__);
	return (void *)1;
}

static void test_misc(void)
{
	static const char block[] = "A=1\0XOL_SESSION=/tmp/s\0EMPTY=\0AB=2";
	char buf[PATH_MAX], want[PATH_MAX];
	unsigned bad = 0;
	struct stat st;
	sigset_t set;
	pthread_t t;
	void *ret = NULL;
	int e, fd;
	ssize_t n;

	ok(!NL(getenv)("A"), "getenv: nothing before a block is given");
	nolibc_setenv_block(block, sizeof(block) - 1);
	is_str(NL(getenv)("A"), "1", "getenv: the first variable");
	is_str(NL(getenv)("XOL_SESSION"), "/tmp/s", "getenv: a middle one");
	is_str(NL(getenv)("EMPTY"), "", "getenv: an empty value");
	is_str(NL(getenv)("AB"), "2", "getenv: the last, its NUL not in the block");
	ok(!NL(getenv)("XOL") && !NL(getenv)("B"), "getenv: no prefix or suffix matches");

	for (e = 0; e < 140; e++) {
		const char *mine = NL(strerror)(e);

		if (strncmp(mine, "Unknown error", 13) && strcmp(mine, strerror(e)))
			if (bad++ < 5)
				printf("# strerror(%d): '%s', glibc '%s'\n", e, mine, strerror(e));
	}
	ok(!bad, "strerror: glibc's text for every errno the table has");
	is_str(NL(strerror)(4242), "Unknown error 4242", "strerror: an unknown number");

	is_int(NL(close)(-1), -1, "close(-1) fails");
	is_int(*NL(__errno_location)(), EBADF, "... with EBADF in errno");
	is_int(NL(syscall)(SYS_getpid), getpid(), "syscall(SYS_getpid)");
	is_int(NL(syscall)(SYS_close, -1), -1, "syscall: -1 for an error");
	is_int(NL(getpid)(), getpid(), "getpid");
	is_int(NL(sysconf)(_SC_PAGESIZE), 4096, "sysconf(_SC_PAGESIZE)");

	n = NL(readlink)("/proc/self/exe", buf, sizeof(buf));
	ok(n > 0 && n == readlink("/proc/self/exe", want, sizeof(want)) && !memcmp(buf, want, (size_t)n),
	   "readlink /proc/self/exe");
	snprintf(buf, sizeof(buf), "/tmp/xol-nolibc-%d", getpid());
	fd = NL(open)(buf, O_RDWR | O_CREAT | O_EXCL, 0600);
	ok(fd >= 0 && NL(pwrite)(fd, "hello", 5, 3) == 5 && NL(pread)(fd, want, 3, 4) == 3 &&
	   !memcmp(want, "ell", 3) && !NL(fstat)(fd, &st) && st.st_size == 8 &&
	   (st.st_mode & 0777) == 0600,
	   "open(O_CREAT, mode), pwrite, pread, fstat");
	unlink(buf);
	NL(close)(fd);

	{
		char a[32] = "0123456789", b[8];

		NL(memmove)(a + 2, a, 8);
		ok(!memcmp(a, "0101234567", 10), "memmove forward overlap");
		NL(memmove)(a, a + 2, 8);
		ok(!memcmp(a, "0123456767", 10), "memmove backward overlap");
		ok(sign(NL(memcmp)("\x01\xff", "\x01\x01", 2)) == 1 && !NL(memcmp)("ab", "ab", 2),
		   "memcmp compares unsigned bytes");
		{
			const char *s = "abcabc";

			ok(NL(strchr)(s, 'c') == s + 2 && NL(strrchr)(s, 'c') == s + 5 &&
			   NL(strchr)(s, 0) == s + 6 && !NL(strchr)(s, 'z') && !NL(strrchr)(s, 'z'),
			   "strchr, strrchr");
			ok(NL(strstr)(s, "ca") == s + 2 && NL(strstr)(s, "") == s && !NL(strstr)(s, "cb"),
			   "strstr");
		}
		ok(sign(NL(strcmp)("a\xff", "a\x01")) == 1 && sign(NL(strcmp)("ab", "abc")) == -1 &&
		   !NL(strncmp)("abcx", "abcy", 3) && sign(NL(strncmp)("abcx", "abcy", 4)) == -1,
		   "strcmp, strncmp");
		memset(b, 'z', sizeof(b));
		NL(strncpy)(b, "ab", 5);
		ok(!memcmp(b, "ab\0\0\0zzz", 8), "strncpy pads with NULs");
	}

	NL(sigemptyset)(&set);
	NL(sigaddset)(&set, SIGSEGV);
	NL(sigaddset)(&set, 64);
	ok(sigismember(&set, SIGSEGV) == 1 && sigismember(&set, 64) == 1 &&
	   sigismember(&set, SIGINT) == 0, "sigemptyset, sigaddset as glibc reads them");
	NL(sigfillset)(&set);
	NL(sigdelset)(&set, SIGTRAP);
	ok(sigismember(&set, SIGTRAP) == 0 && sigismember(&set, SIGSEGV) == 1 &&
	   sigismember(&set, 33) == 1 && NL(sigaddset)(&set, 65) == -1,
	   "sigfillset, sigdelset; signal 65 refused");

	pthread_create(&t, NULL, assert_thread, NULL);
	pthread_join(t, &ret);
	ok(!ret, "__assert_fail ends its thread only; the process goes on");
}

int main(void)
{
	test_snprintf();
	test_sscanf();
	test_strtoul();
	test_qsort();
	test_malloc();
	test_mutex();
	test_misc();
	return done_testing();
}
