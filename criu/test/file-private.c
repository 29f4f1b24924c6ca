/*
 * Test program for thaw's CRIU patch 0009: a private file mapping with written pages, as the JVM's
 * CDS archive is after the JVM relocated it (megabytes of written pages in runs). With
 * --mmap-page-image, runs of at least 16 written pages are mapped from the pages image; smaller runs
 * are read into the file's mapping; unwritten pages stay pages of the file.
 *
 *   file-private DIR READYFILE
 *
 * Creates DIR/data.bin (1 MiB, 256 pages of a known pattern), maps it MAP_PRIVATE rw-, closes the
 * descriptor, writes another pattern into pages 0-63 (one run of 64 pages) and 100-103 (a run of 4),
 * leaves the other pages unwritten, writes READYFILE and serves commands, one per line, on stdin (a
 * pipe: a restore hands each copy its own with --inherit-fd). Each answer goes to the file named by
 * the command's last argument:
 *
 *   verify OUT       every page holds what it should: "ok" or "FAIL <what>"
 *   backing OUT      the file /proc/self/maps names for pages 0, 100 and 200 (basenames)
 *   write SEED OUT   write SEED into word 1 of pages 0, 16, 32, 48, 101 and 200 (this copy's own writes)
 *   dontneed OUT     MADV_DONTNEED on pages 0-63; what page 2 reads then: "written", "file" or "other"
 *   exit             exit(0)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL
#define PAGES 256
#define WORDS (PAGE / 8)

static uint64_t *map;
static uint64_t my_seed;  /* 0: this copy has not written */
static int dontneed_done; /* pages 0-63 were dropped: they are reported by "dontneed", not checked */

static uint64_t file_word(size_t page, size_t word)
{
	return 0xF11EF11EF11EF11EULL ^ (page * 0x9E3779B97F4A7C15ULL) ^ (word * 0xBF58476D1CE4E5B9ULL);
}

static uint64_t written_word(size_t page, size_t word)
{
	return 0x3717173737171737ULL ^ (page * 0xC2B2AE3D27D4EB4FULL) ^ (word * 0x94D049BB133111EBULL);
}

static int written(size_t page)
{
	return page < 64 || (page >= 100 && page < 104);
}

static int seeded(size_t page)
{
	return page == 0 || page == 16 || page == 32 || page == 48 || page == 101 || page == 200;
}

static void put(const char *path, const char *msg)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%s\n", msg);
	fclose(f);
	rename(tmp, path);
}

static void verify(char *out, size_t len)
{
	for (size_t p = 0; p < PAGES; p++) {
		if (dontneed_done && p < 64)
			continue;
		for (size_t w = 0; w < WORDS; w++) {
			uint64_t want = written(p) ? written_word(p, w) : file_word(p, w);
			if (w == 1 && my_seed && seeded(p))
				want = my_seed ^ p;
			if (map[p * WORDS + w] != want) {
				snprintf(out, len, "FAIL page %zu word %zu: %#llx != %#llx", p, w,
					 (unsigned long long)map[p * WORDS + w], (unsigned long long)want);
				return;
			}
		}
	}
	snprintf(out, len, "ok");
}

/* The basename of the file /proc/self/maps shows at addr ("anon" when none). */
static void backing(unsigned long addr, char *name, size_t len)
{
	char line[4400], path[4200];
	unsigned long start, end;
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(name, len, "none");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4199[^\n]", &start, &end, path) < 2)
			continue;
		if (addr >= start && addr < end) {
			char *slash = strrchr(path, '/');
			snprintf(name, len, "%s", path[0] ? (slash ? slash + 1 : path) : "anon");
			break;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	char path[4200], line[4400], out[4200], arg[64], msg[9000];
	uint64_t *buf;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: file-private DIR READYFILE\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/data.bin", argv[1]);
	buf = malloc(PAGES * PAGE);
	for (size_t p = 0; p < PAGES; p++)
		for (size_t w = 0; w < WORDS; w++)
			buf[p * WORDS + w] = file_word(p, w);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, PAGES * PAGE) != (ssize_t)(PAGES * PAGE) || fsync(fd)) {
		perror(path);
		return 1;
	}
	free(buf);
	map = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);
	for (size_t p = 0; p < PAGES; p++)
		if (written(p))
			for (size_t w = 0; w < WORDS; w++)
				map[p * WORDS + w] = written_word(p, w);
	put(argv[2], "ready");

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "verify %4199s", out) == 1) {
			verify(msg, sizeof(msg));
			put(out, msg);
		} else if (sscanf(line, "backing %4199s", out) == 1) {
			char a[256], b[256], c[256];
			backing((unsigned long)map, a, sizeof(a));
			backing((unsigned long)map + 100 * PAGE, b, sizeof(b));
			backing((unsigned long)map + 200 * PAGE, c, sizeof(c));
			snprintf(msg, sizeof(msg), "%s %s %s", a, b, c);
			put(out, msg);
		} else if (sscanf(line, "write %63s %4199s", arg, out) == 2) {
			my_seed = strtoull(arg, NULL, 0);
			for (size_t p = 0; p < PAGES; p++)
				if (seeded(p))
					map[p * WORDS + 1] = my_seed ^ p;
			put(out, "ok");
		} else if (sscanf(line, "dontneed %4199s", out) == 1) {
			uint64_t v;
			madvise(map, 64 * PAGE, MADV_DONTNEED);
			dontneed_done = 1;
			v = map[2 * WORDS + 5];
			put(out, v == written_word(2, 5) ? "written" : v == file_word(2, 5) ? "file" : "other");
		} else if (strncmp(line, "exit", 4) == 0) {
			return 0;
		}
	}
	return 0;
}
