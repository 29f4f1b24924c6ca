/*
 * Test program for thaw's CRIU patch series (criu/patches): a process whose
 * memory is checked byte for byte after `criu restore --mmap-page-image`.
 *
 *   mmap-page-image MIB READYFILE
 *
 * Fills MIB MiB of private anonymous memory (and a few smaller areas with
 * other protections and layouts) with a known pattern, writes READYFILE and
 * then serves commands, one per line, on stdin (a pipe, so that a restore can
 * hand each restored copy its own pipe with --inherit-fd). Each command
 * writes its answer to the file named as its last argument:
 *
 *   verify OUT         check every area against the pattern and this copy's
 *                      own writes; "ok" or "FAIL <what>"
 *   write SEED OUT     write SEED into one word of every 16th page of the big
 *                      area (this copy's private writes)
 *   dontneed OUT       MADV_DONTNEED on the "dontneed" area; answers what a
 *                      page reads afterwards: "pattern" or "zero" (or "other")
 *   churn OUT          malloc/free churn, malloc_trim, threads created and
 *                      joined, then a verify
 *   maps OUT           this process's /proc/self/maps and smaps of the big area
 *   touchall OUT       read every page of every area (for timing), "ok <ms>"
 *   exit               exit(0)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

struct area {
	const char *name;
	unsigned char *addr;
	size_t len;
	int prot;     /* final protection */
	int stride;   /* every stride-th page holds the pattern, the others are untouched (zero) */
};

enum { BIG, SPARSE, EXEC, RDONLY, DONTNEED, NR_AREAS };
static struct area areas[NR_AREAS];

/* This copy's own writes to BIG: seed written to word 1 of every 16th page */
static uint64_t my_seed;
static int dontneed_done;
static volatile uint64_t ticks; /* advanced by a thread that exists at dump time */
static void *heap_blocks[1000];

static uint64_t pattern(int area, size_t page, size_t word)
{
	uint64_t x = ((uint64_t)area << 56) ^ (page * 0x9E3779B97F4A7C15ULL) ^ (word * 0xC2B2AE3D27D4EB4FULL);
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ULL;
	return x ^ (x >> 32);
}

static void fill(int i)
{
	struct area *a = &areas[i];
	for (size_t p = 0; p < a->len / PAGE; p += a->stride) {
		uint64_t *w = (uint64_t *)(a->addr + p * PAGE);
		for (size_t k = 0; k < PAGE / 8; k++)
			w[k] = pattern(i, p, k);
	}
}

static void map_area(int i, const char *name, size_t len, int prot, int stride)
{
	struct area *a = &areas[i];
	a->name = name;
	a->len = len;
	a->prot = prot;
	a->stride = stride;
	a->addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->addr == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	fill(i);
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(a->addr, len, prot)) {
		perror("mprotect");
		exit(1);
	}
}

static void heap_fill(void)
{
	for (int i = 0; i < 1000; i++) {
		size_t n = 64 + (i % 37) * 40;
		unsigned char *b = malloc(n);
		for (size_t k = 0; k < n; k++)
			b[k] = (unsigned char)(i * 31 + k);
		heap_blocks[i] = b;
	}
}

static int heap_check(char *err, size_t errlen)
{
	for (int i = 0; i < 1000; i++) {
		size_t n = 64 + (i % 37) * 40;
		unsigned char *b = heap_blocks[i];
		for (size_t k = 0; k < n; k++)
			if (b[k] != (unsigned char)(i * 31 + k)) {
				snprintf(err, errlen, "FAIL heap block %d byte %zu", i, k);
				return -1;
			}
	}
	return 0;
}

static int check_area(int i, char *err, size_t errlen)
{
	struct area *a = &areas[i];
	for (size_t p = 0; p < a->len / PAGE; p++) {
		const uint64_t *w = (const uint64_t *)(a->addr + p * PAGE);
		int filled = (p % a->stride) == 0;
		if (i == DONTNEED && dontneed_done)
			continue; /* contents after MADV_DONTNEED are reported by "dontneed" */
		for (size_t k = 0; k < PAGE / 8; k++) {
			uint64_t want = filled ? pattern(i, p, k) : 0;
			if (i == BIG && k == 1 && p % 16 == 0 && my_seed)
				want = my_seed ^ p;
			if (w[k] != want) {
				snprintf(err, errlen, "FAIL %s page %zu word %zu: %#llx != %#llx", a->name, p, k,
					 (unsigned long long)w[k], (unsigned long long)want);
				return -1;
			}
		}
	}
	return 0;
}

static int check_prot(int i, char *err, size_t errlen)
{
	char line[512], want[5];
	struct area *a = &areas[i];
	FILE *f = fopen("/proc/self/maps", "r");
	int ok = 0, seen = 0;

	snprintf(want, sizeof(want), "%c%c%cp", a->prot & PROT_READ ? 'r' : '-', a->prot & PROT_WRITE ? 'w' : '-',
		 a->prot & PROT_EXEC ? 'x' : '-');
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) != 3)
			continue;
		if (e <= (unsigned long)a->addr || s >= (unsigned long)a->addr + a->len)
			continue;
		seen++;
		if (strcmp(perms, want)) {
			snprintf(err, errlen, "FAIL %s has %s at %lx, want %s", a->name, perms, s, want);
			ok = -1;
		}
	}
	fclose(f);
	if (!seen) {
		snprintf(err, errlen, "FAIL %s not in maps", a->name);
		return -1;
	}
	return ok;
}

static int verify(char *err, size_t errlen)
{
	for (int i = 0; i < NR_AREAS; i++)
		if (check_area(i, err, errlen) || check_prot(i, err, errlen))
			return -1;
	if (heap_check(err, errlen))
		return -1;
	uint64_t t = ticks;
	usleep(30000);
	if (ticks == t) {
		snprintf(err, errlen, "FAIL the dump-time thread does not run");
		return -1;
	}
	snprintf(err, errlen, "ok");
	return 0;
}

static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		ticks++;
		usleep(1000);
	}
	return NULL;
}

static void *churn_thread(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	void *p[256];
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 256; i++) {
			size_t n = 16 + ((i * 7919 + round * 31 + id) % 5000);
			if (i % 64 == 0)
				n = 200000; /* mmap'ed chunks too */
			p[i] = calloc(1, n);
			if (!p[i])
				return (void *)1;
			unsigned char *c = p[i];
			for (size_t k = 0; k < n; k += 512)
				if (c[k])
					return (void *)2; /* calloc must give zeros */
			memset(p[i], 0xA5, n);
		}
		for (int i = 0; i < 256; i++)
			free(p[i]);
	}
	return NULL;
}

static int churn(char *err, size_t errlen)
{
	pthread_t th[8];
	for (int round = 0; round < 3; round++) {
		for (uintptr_t i = 0; i < 8; i++)
			if (pthread_create(&th[i], NULL, churn_thread, (void *)i)) {
				snprintf(err, errlen, "FAIL pthread_create");
				return -1;
			}
		for (int i = 0; i < 8; i++) {
			void *r;
			pthread_join(th[i], &r);
			if (r) {
				snprintf(err, errlen, "FAIL churn thread %d: %s", i,
					 r == (void *)2 ? "calloc memory not zero" : "calloc failed");
				return -1;
			}
		}
		/* and on this thread: the main arena, grown and trimmed with brk() over [heap] */
		void *r = churn_thread((void *)(uintptr_t)(100 + round));
		void *big = malloc(16 << 20); /* below the mmap threshold set in main(): brk */
		if (r || !big) {
			snprintf(err, errlen, "FAIL main-thread churn");
			return -1;
		}
		memset(big, 0x5A, 16 << 20);
		free(big);
		malloc_trim(0);
	}
	return verify(err, errlen);
}

static void put(const char *path, const char *text)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fputc('\n', f);
	fclose(f);
	rename(tmp, path);
}

static void dump_maps(const char *out)
{
	char tmp[4200], line[1024];
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	FILE *o = fopen(tmp, "w"), *f;
	if (!o)
		return;
	fprintf(o, "big %lx-%lx\n", (unsigned long)areas[BIG].addr, (unsigned long)areas[BIG].addr + areas[BIG].len);
	f = fopen("/proc/self/smaps", "r");
	while (fgets(line, sizeof(line), f))
		fputs(line, o);
	fclose(f);
	fclose(o);
	rename(tmp, out);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	char line[4096], arg1[4096], arg2[4096], msg[512];
	pthread_t th;

	if (argc != 3) {
		fprintf(stderr, "usage: %s MIB READYFILE\n", argv[0]);
		return 2;
	}
	size_t mib = strtoul(argv[1], NULL, 0);

	mallopt(M_MMAP_THRESHOLD, 32 << 20); /* big main-thread blocks come from brk() */

	map_area(BIG, "big", mib << 20, PROT_READ | PROT_WRITE, 1);
	map_area(SPARSE, "sparse", 4 << 20, PROT_READ | PROT_WRITE, 2); /* 512 runs of one page */
	map_area(EXEC, "exec", 1 << 20, PROT_READ | PROT_EXEC, 1);
	map_area(RDONLY, "rdonly", 1 << 20, PROT_READ, 1);
	map_area(DONTNEED, "dontneed", 1 << 20, PROT_READ | PROT_WRITE, 1);
	heap_fill();
	pthread_create(&th, NULL, ticker, NULL);
	put(argv[2], "ready");

	while (fgets(line, sizeof(line), stdin)) {
		int n = sscanf(line, "%*s %4095s %4095s", arg1, arg2);
		const char *out = n == 2 ? arg2 : arg1;

		if (!strncmp(line, "verify ", 7)) {
			verify(msg, sizeof(msg));
			put(out, msg);
		} else if (!strncmp(line, "write ", 6)) {
			my_seed = strtoull(arg1, NULL, 0);
			for (size_t p = 0; p < areas[BIG].len / PAGE; p += 16)
				((uint64_t *)(areas[BIG].addr + p * PAGE))[1] = my_seed ^ p;
			put(out, "ok");
		} else if (!strncmp(line, "dontneed ", 9)) {
			const uint64_t *w = (const uint64_t *)areas[DONTNEED].addr;
			madvise(areas[DONTNEED].addr, areas[DONTNEED].len, MADV_DONTNEED);
			dontneed_done = 1;
			put(out, w[0] == pattern(DONTNEED, 0, 0) ? "pattern" : w[0] == 0 ? "zero" : "other");
		} else if (!strncmp(line, "churn ", 6)) {
			churn(msg, sizeof(msg));
			put(out, msg);
		} else if (!strncmp(line, "maps ", 5)) {
			dump_maps(out);
		} else if (!strncmp(line, "touchall ", 9)) {
			double t0 = now_ms();
			volatile uint64_t sum = 0;
			for (int i = 0; i < NR_AREAS; i++)
				for (size_t off = 0; off < areas[i].len; off += PAGE)
					sum += areas[i].addr[off];
			snprintf(msg, sizeof(msg), "ok %.1f", now_ms() - t0);
			put(out, msg);
		} else if (!strncmp(line, "exit", 4)) {
			exit(0);
		}
	}
	return 0;
}
