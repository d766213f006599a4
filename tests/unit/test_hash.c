/* test_hash.c - SipHash against the reference vectors, the seed's syntax,
 * the fixed key for reproducible runs, and that inputs crafted against
 * the old unkeyed hashes spread out under the keyed one. */
#include <stdlib.h>

#include "classify/name_index.h"
#include "classify/names.h"
#include "common/hash_key.h"
#include "common/siphash.h"
#include "tap.h"

/* SipHash-2-4 with key 00 01 .. 0f over the messages 00 01 .. (n-1), n = 0
 * to 63: the output bytes of the reference implementation's vectors.h
 * (Aumasson and Bernstein). */
static const char *const sip24_vectors[64] = {
	"310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
	"b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
	"6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
	"fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
	"db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
	"98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
	"94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
	"a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
	"ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
	"b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
	"d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
	"f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
	"51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
	"b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
	"bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
	"e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95",
};

/* SipHash-1-3, same key and messages: not published with the paper, so
 * computed by an independent implementation (a Python script written
 * apart from this C, which reproduces every SipHash-2-4 vector above). */
static const uint64_t sip13_vectors[64] = {
	0xabac0158050fc4dcull, 0xc9f49bf37d57ca93ull, 0x82cb9b024dc7d44dull,
	0x8bf80ab8e7ddf7fbull, 0xcf75576088d38328ull, 0xdef9d52f49533b67ull,
	0xc50d2b50c59f22a7ull, 0xd3927d989bb11140ull, 0x369095118d299a8eull,
	0x25a48eb36c063de4ull, 0x79de85ee92ff097full, 0x70c118c1f94dc352ull,
	0x78a384b157b4d9a2ull, 0x306f760c1229ffa7ull, 0x605aa111c0f95d34ull,
	0xd320d86d2a519956ull, 0xcc4fdd1a7d908b66ull, 0x9cf2689063dbd80cull,
	0x8ffc389cb473e63eull, 0xf21f9de58d297d1cull, 0xc0dc2f46a6cce040ull,
	0xb992abfe2b45f844ull, 0x7ffe7b9ba320872eull, 0x525a0e7fdae6c123ull,
	0xf464aeb267349c8cull, 0x45cd5928705b0979ull, 0x3a3e35e3ca9913a5ull,
	0xa91dc74e4ade3b35ull, 0xfb0bed02ef6cd00dull, 0x88d93cb44ab1e1f4ull,
	0x540f11d643c5e663ull, 0x2370dd1f8c21d1bcull, 0x81157b6c16a7b60dull,
	0x4d54b9e57a8ff9bfull, 0x759f12781f2a753eull, 0xcea1a3bebf186b91ull,
	0x2cf508d3ada26206ull, 0xb6101c2da3c33057ull, 0xb3f47496ae3a36a1ull,
	0x626b57547b108392ull, 0xc1d2363299e41531ull, 0x667cc1923f1ad944ull,
	0x65704ffec8138825ull, 0x24f280d1c28949a6ull, 0xc2ca1cedfaf8876bull,
	0xc2164bfc9f042196ull, 0xa16e9c9368b1d623ull, 0x49fb169c8b5114fdull,
	0x9f3143f8df074c46ull, 0xc6fdaf2412cc86b3ull, 0x7eaf49d10a52098full,
	0x1cf313559d292f9aull, 0xc44a30dda2f41f12ull, 0x36fae98943a71ed0ull,
	0x318fb34c73f0bce6ull, 0xa27abf3670a7e980ull, 0xb4bcc0db243c6d75ull,
	0x23f8d852fdb71513ull, 0x8f035f4da67d8a08ull, 0xd89cd0e5b7e8f148ull,
	0xf6f4e6bcf7a644eeull, 0xaec59ad80f1837f2ull, 0xc3b2f6154b6694e0ull,
	0x9d199062b7bbb3a8ull,
};

static const uint8_t paper_key[16] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

static uint64_t le_hex(const char *hex)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) {
		unsigned byte;
		sscanf(hex + 2 * i, "%2x", &byte);
		v = (v << 8) | byte;
	}
	return v;
}

static void test_vectors(void)
{
	struct siphash_key k = siphash_key_from_bytes(paper_key);
	uint8_t msg[64];
	int bad24 = 0, bad13 = 0;

	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (int n = 0; n < 64; n++) {
		if (siphash24(&k, msg, (size_t)n) != le_hex(sip24_vectors[n])) {
			printf("# SipHash-2-4 of %d bytes differs\n", n);
			bad24++;
		}
		if (siphash13(&k, msg, (size_t)n) != sip13_vectors[n]) {
			printf("# SipHash-1-3 of %d bytes differs\n", n);
			bad13++;
		}
	}
	ok(bad24 == 0, "SipHash-2-4: the 64 reference vectors");
	ok(bad13 == 0, "SipHash-1-3: the 64 vectors of the independent implementation");
	/* The paper's worked example (appendix A): 15 bytes. */
	ok(siphash24(&k, msg, 15) == 0xa129ca6149be45e5ull, "the paper's example");
	struct siphash_key other = { k.k0 ^ 1, k.k1 };
	ok(siphash13(&other, msg, 15) != siphash13(&k, msg, 15),
	   "another key, another value");
}

static void test_seed_syntax(void)
{
	struct siphash_key k, want = siphash_key_from_bytes(paper_key);
	uint8_t one[16] = { [15] = 1 };
	struct siphash_key want_one = siphash_key_from_bytes(one);

	ok(hash_seed_parse("000102030405060708090a0b0c0d0e0f", &k) &&
	   k.k0 == want.k0 && k.k1 == want.k1, "32 digits: the key's bytes in order");
	ok(hash_seed_parse("000102030405060708090A0B0C0D0E0F", &k) &&
	   k.k0 == want.k0 && k.k1 == want.k1, "upper case too");
	ok(hash_seed_parse("1", &k) && k.k0 == want_one.k0 && k.k1 == want_one.k1,
	   "fewer digits: a number, zeros in front");
	ok(!hash_seed_parse("", &k), "empty: refused");
	ok(!hash_seed_parse("12g4", &k), "a non-hex digit: refused");
	ok(!hash_seed_parse("0x12", &k), "a 0x prefix: refused");
	ok(!hash_seed_parse("000102030405060708090a0b0c0d0e0f0", &k),
	   "33 digits: refused");
}

static void test_fixed_key(void)
{
	setenv(HASH_SEED_ENV, "000102030405060708090a0b0c0d0e0f", 1);
	ok(hash_key_init(), "a valid seed is accepted");
	const struct siphash_key *k = hash_key();
	struct siphash_key want = siphash_key_from_bytes(paper_key);
	ok(hash_key_fixed() && k->k0 == want.k0 && k->k1 == want.k1,
	   "the seed fixes the process's key");
	setenv(HASH_SEED_ENV, "ffff", 1);
	ok(hash_key() == k && k->k0 == want.k0, "drawn once: later changes do not move it");
}

/* The old name index hash: any two IPv6 addresses with equal
 * w0 ^ w1 * K collided fully. */
static uint32_t old_addr_hash(uint8_t version, const struct ip_addr *a)
{
	uint64_t w[2];
	memcpy(w, a->b, sizeof(w));
	uint64_t h = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull)) ^ version;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static struct ip_addr crafted_v6(uint64_t i)
{
	struct ip_addr a;
	uint64_t w1 = 0x1000000000000000ull + i;
	uint64_t w0 = 0x000000000db80120ull ^ (w1 * 0x9e3779b97f4a7c15ull);
	memcpy(a.b, &w0, 8);
	memcpy(a.b + 8, &w1, 8);
	return a;
}

static void test_crafted_spread(void)
{
	enum { N = 4096 };
	static uint8_t seen[N];
	struct ip_addr a0 = crafted_v6(0);
	uint32_t first = old_addr_hash(6, &a0);
	unsigned old_same = 0, buckets = 0;
	const struct siphash_key *k = hash_key();

	for (uint64_t i = 0; i < N; i++) {
		struct ip_addr a = crafted_v6(i);
		old_same += old_addr_hash(6, &a) == first;
		uint8_t m[17];
		memcpy(m, a.b, 16);
		m[16] = 6;
		uint32_t b = (uint32_t)siphash13(k, m, sizeof(m)) & (N - 1);
		buckets += !seen[b];
		seen[b] = 1;
	}
	is_int(old_same, N, "the crafted addresses share one old hash value");
	/* N balls in N bins fill about 63% of them. */
	ok(buckets > N / 2, "keyed, they spread over %u of %u buckets", buckets, N);
}

/* The crafted addresses in the name index: each answer finds its own
 * name back, none displaces another (below the cap). */
static void test_index_crafted(void)
{
	struct name_store *s = name_store_new(1u << 20);
	struct name_index *ix = name_index_new(s, 8192, 0);
	struct ip_addr resolver = { { 10, 0, 0, 53 } };
	unsigned found = 0;

	for (uint64_t i = 0; i < 2000; i++) {
		struct ip_addr a = crafted_v6(i);
		name_index_add(ix, 6, &a, "crafted.example", NULL, 300, 1000000,
			       4, &resolver);
	}
	for (uint64_t i = 0; i < 2000; i++) {
		struct ip_addr a = crafted_v6(i);
		struct name_evidence ev;
		if (name_index_lookup(ix, 6, &a, 2000000, &ev)) {
			found += strcmp(name_get(s, ev.name), "crafted.example") == 0;
			name_unref(s, ev.name);
		}
	}
	is_int(found, 2000, "every crafted address keeps its name");
	is_int(name_index_stats(ix)->entries, 2000, "2000 entries");
	name_index_free(ix);
	name_store_free(s);
}

int main(void)
{
	test_vectors();
	test_seed_syntax();
	test_fixed_key();
	test_crafted_spread();
	test_index_crafted();
	return done_testing();
}
