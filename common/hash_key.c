/* hash_key.c - the process's hash key (see hash_key.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash_key.h"

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static struct siphash_key key;
static bool key_fixed;
static bool seed_valid = true;

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hash_seed_parse(const char *text, struct siphash_key *out)
{
	uint8_t b[16] = { 0 };
	size_t n = 0;

	while (text[n] && n <= 32)
		n++;
	if (n == 0 || n > 32)
		return false;
	/* Right-aligned: the last digit is the low nibble of byte 15. */
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(text[n - 1 - i]);
		if (d < 0)
			return false;
		b[15 - i / 2] |= (uint8_t)(d << (4 * (i % 2)));
	}
	*out = siphash_key_from_bytes(b);
	return true;
}

/* getrandom() fills all 16 bytes (it blocks only until the kernel's pool
 * is first initialised, early in boot); /dev/urandom where the system call
 * is missing (old kernels, some sandboxes). */
static bool random_bytes(uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return true;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = 0;
	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == n;
}

/* No randomness at all: the time, the process id and where the stack and
 * this library landed (ASLR) are still unknown to a remote sender, though
 * weaker than a real draw. */
static struct siphash_key weak_key(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t words[4] = {
		(uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, (uint64_t)getpid(),
		(uint64_t)(uintptr_t)&ts ^ (uint64_t)(uintptr_t)&key,
	};
	struct siphash_key zero = { 0, 0 };
	struct siphash_key k = { siphash24(&zero, words, sizeof(words)), 0 };
	k.k1 = siphash24(&k, words, sizeof(words));
	return k;
}

static void draw_key(void)
{
	const char *seed = getenv(HASH_SEED_ENV);

	if (seed && *seed) {
		if (hash_seed_parse(seed, &key)) {
			key_fixed = true;
			return;
		}
		seed_valid = false;
	}
	uint8_t b[16];
	if (random_bytes(b, sizeof(b)))
		key = siphash_key_from_bytes(b);
	else
		key = weak_key();
}

bool hash_key_init(void)
{
	pthread_once(&key_once, draw_key);
	return seed_valid;
}

const struct siphash_key *hash_key(void)
{
	pthread_once(&key_once, draw_key);
	return &key;
}

bool hash_key_fixed(void)
{
	pthread_once(&key_once, draw_key);
	return key_fixed;
}
