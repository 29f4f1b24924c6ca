/*
 * Test program for thaw's CRIU patch 0008: a process that maps files and deletes them while they stay
 * mapped, as Netty does with the native library it extracts to /tmp, loads and unlinks. CRIU dumps
 * such a file as a "ghost file" (its contents go into the image) and recreates it next to the original
 * path on restore; the test restores several copies of one image at once.
 *
 *   ghost-file DIR READYFILE
 *
 * Creates DIR/libghost-test.so (1 MiB, mapped MAP_PRIVATE r-x, as the dynamic loader maps a library's
 * code) and DIR/ghost-shared.dat (256 KiB, mapped MAP_SHARED rw- and written through the mapping),
 * unlinks both, closes their descriptors, writes READYFILE and serves commands, one per line, on stdin
 * (a pipe: a restore hands each copy its own with --inherit-fd). Each answer goes to the file named by
 * the command's last argument:
 *
 *   verify OUT       both mappings hold their pattern (and this copy's own write), /proc/self/maps
 *                    shows them "(deleted)": "ok" or "FAIL <what>"
 *   write SEED OUT   write SEED into the first word of every page of the shared mapping (a restored
 *                    copy's own file: another copy must not see it)
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
#define LIB_LEN (1UL << 20)
#define SHARED_LEN (256UL << 10)

static uint8_t *lib, *shared;
static uint64_t my_seed; /* 0: this copy has not written */

static uint64_t pattern(int which, size_t word)
{
	return (which + 1) * 0x9E3779B97F4A7C15ULL ^ (word * 0xBF58476D1CE4E5B9ULL);
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

static void *map_deleted(const char *dir, const char *name, size_t len, int which, int prot, int flags)
{
	char path[4200];
	uint64_t *buf = malloc(len);
	void *addr;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || !buf) {
		perror(path);
		exit(1);
	}
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = pattern(which, i);
	if (write(fd, buf, len) != (ssize_t)len) {
		perror("write");
		exit(1);
	}
	addr = mmap(NULL, len, prot, flags, fd, 0);
	if (addr == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	close(fd);
	unlink(path);
	free(buf);
	return addr;
}

static int count_deleted_maps(void)
{
	char line[4400];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if ((strstr(line, "/libghost-test.so (deleted)") && strstr(line, " r-xp ")) ||
		    (strstr(line, "/ghost-shared.dat (deleted)") && strstr(line, " rw-s ")))
			n++;
	fclose(f);
	return n;
}

static void verify(char *msg, size_t len)
{
	const uint64_t *l = (const uint64_t *)lib, *s = (const uint64_t *)shared;

	for (size_t i = 0; i < LIB_LEN / 8; i++)
		if (l[i] != pattern(0, i)) {
			snprintf(msg, len, "FAIL private mapping word %zu", i);
			return;
		}
	for (size_t i = 0; i < SHARED_LEN / 8; i++) {
		uint64_t want = my_seed && i % (PAGE / 8) == 0 ? my_seed ^ i : pattern(1, i);
		if (s[i] != want) {
			snprintf(msg, len, "FAIL shared mapping word %zu", i);
			return;
		}
	}
	int n = count_deleted_maps();
	if (n != 2) {
		snprintf(msg, len, "FAIL %d of the 2 mappings show as deleted files in /proc/self/maps", n);
		return;
	}
	snprintf(msg, len, "ok");
}

int main(int argc, char **argv)
{
	char line[4400], arg1[4200], arg2[4200], msg[256];

	if (argc != 3) {
		fprintf(stderr, "usage: %s DIR READYFILE\n", argv[0]);
		return 2;
	}
	lib = map_deleted(argv[1], "libghost-test.so", LIB_LEN, 0, PROT_READ | PROT_EXEC, MAP_PRIVATE);
	shared = map_deleted(argv[1], "ghost-shared.dat", SHARED_LEN, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	put(argv[2], "ready");

	while (fgets(line, sizeof(line), stdin)) {
		int n = sscanf(line, "%*s %4199s %4199s", arg1, arg2);
		const char *out = n == 2 ? arg2 : arg1;

		if (!strncmp(line, "verify ", 7)) {
			verify(msg, sizeof(msg));
			put(out, msg);
		} else if (!strncmp(line, "write ", 6)) {
			my_seed = strtoull(arg1, NULL, 0);
			for (size_t i = 0; i < SHARED_LEN / 8; i += PAGE / 8)
				((uint64_t *)shared)[i] = my_seed ^ i;
			put(out, "ok");
		} else if (!strncmp(line, "exit", 4)) {
			exit(0);
		}
	}
	return 0;
}
