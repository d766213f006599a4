/* test_visibility.c - the host visibility table (audit/visibility.h) when
 * merged: flags join and counts add up, and a table that fills takes the
 * other's hosts in address order, so that a sharded run's report keeps the
 * same hosts in every run (the table's hash key is drawn per process, and
 * merging in slot order made the kept hosts differ from run to run). */
#include <stdlib.h>
#include <string.h>

#include "audit/visibility.h"
#include "tap.h"

#define OWN_HOSTS 60000u
#define OTHER_HOSTS 10000u

/* Host i of a /16-sized block starting at first.0.0.0 (i < 65536). */
static struct host_seen host(uint8_t first, unsigned i, uint8_t flags)
{
	struct host_seen h;

	memset(&h, 0, sizeof(h));
	h.ip_version = 4;
	h.addr.b[0] = first;
	h.addr.b[2] = (uint8_t)(i >> 8);
	h.addr.b[3] = (uint8_t)i;
	h.flags = flags;
	h.tcp_flows = 2;
	h.tcp_one_sided = 1;
	return h;
}

/* Two new tables; false (none left) when either cannot be had. */
static bool two_tables(struct host_visibility **a, struct host_visibility **b)
{
	*a = host_visibility_new();
	*b = host_visibility_new();
	if (ok(*a && *b, "two tables"))
		return true;
	host_visibility_free(*a);
	host_visibility_free(*b);
	return false;
}

static void test_merge_joins(void)
{
	struct host_visibility *a, *b;
	if (!two_tables(&a, &b))
		return;
	struct host_seen x = host(10, 1, HOST_OPENED), y = host(10, 1, HOST_RECEIVED);
	host_visibility_add(a, &x);
	host_visibility_add(b, &y);
	ok(host_visibility_merge(a, b), "merged");
	is_int(host_visibility_of(a, 4, &x.addr), HOST_OPENED | HOST_RECEIVED,
	       "a host both saw: its flags joined");
	uint32_t flows, one_sided;
	host_visibility_tcp(a, 4, &x.addr, &flows, &one_sided);
	ok(flows == 4 && one_sided == 2, "and its TCP counts added (%u flows, %u one-sided)",
	   flows, one_sided);
	host_visibility_free(a);
	host_visibility_free(b);
}

/* into holds OWN_HOSTS; from OTHER_HOSTS, added highest address first.
 * into has room for HOST_VISIBILITY_MAX - OWN_HOSTS more: it must take
 * exactly from's lowest addresses, whatever order they sit in. */
static void test_merge_fills_in_address_order(void)
{
	struct host_visibility *into, *from;
	if (!two_tables(&into, &from))
		return;
	for (unsigned i = 0; i < OWN_HOSTS; i++) {
		struct host_seen h = host(10, i, HOST_OPENED);
		host_visibility_add(into, &h);
	}
	for (unsigned i = OTHER_HOSTS; i-- > 0;) {
		struct host_seen h = host(11, i, HOST_ANSWERED);
		host_visibility_add(from, &h);
	}
	host_visibility_add_untracked(from, 7);
	ok(host_visibility_merge(into, from), "merged");

	unsigned room = HOST_VISIBILITY_MAX - OWN_HOSTS, taken_low = 0, taken_high = 0;
	for (unsigned i = 0; i < OTHER_HOSTS; i++) {
		struct host_seen h = host(11, i, 0);
		bool kept = host_visibility_of(into, 4, &h.addr) != 0;
		if (i < room)
			taken_low += kept;
		else
			taken_high += kept;
	}
	is_int(taken_low, room, "a full table took the other's lowest addresses");
	is_int(taken_high, 0, "and none above them");
	is_int(host_visibility_untracked(into), OTHER_HOSTS - room + 7,
	       "the rest, and what the other could not hold, are untracked");
	host_visibility_free(into);
	host_visibility_free(from);
}

/* The list is in address order (IPv4 before IPv6, then byte by byte, as
 * ip_addr_compare), every host once with its own counts: random addresses
 * that differ anywhere in their 16 bytes, some only past the eighth. */
static void test_list_in_address_order(void)
{
	struct host_visibility *v = host_visibility_new();
	struct host_seen *list = NULL;
	unsigned n = 0, added = 0, out_of_order = 0, wrong = 0;
	unsigned seed = 7;

	if (!ok(v != NULL, "a table"))
		return;
	for (unsigned i = 0; i < 5000; i++) {
		struct host_seen h;
		memset(&h, 0, sizeof(h));
		h.ip_version = rand_r(&seed) % 3 ? 6 : 4;
		for (unsigned b = 0; b < (h.ip_version == 4 ? 4u : 16u); b++)
			h.addr.b[b] = (uint8_t)(i % 4 && b < 12 ? 0x20 : rand_r(&seed));
		h.tcp_flows = h.addr.b[3] + h.addr.b[15];
		if (host_visibility_of(v, h.ip_version, &h.addr))
			continue;  /* drawn twice */
		h.flags = HOST_OPENED;
		host_visibility_add(v, &h);
		added++;
	}
	ok(host_visibility_list(v, &list, &n), "listed");
	for (unsigned i = 0; i < n; i++) {
		if (i && ip_addr_compare(list[i - 1].ip_version, &list[i - 1].addr,
					 list[i].ip_version, &list[i].addr) >= 0)
			out_of_order++;
		wrong += list[i].tcp_flows != (uint32_t)(list[i].addr.b[3] + list[i].addr.b[15]) ||
			 list[i].flags != HOST_OPENED;
	}
	is_int(n, added, "every host listed once");
	is_int(out_of_order, 0, "in address order");
	is_int(wrong, 0, "each with its own counts");
	free(list);
	host_visibility_free(v);
}

/* A reset table (a watch window's end) holds nothing, and takes hosts
 * again up to its bound: clearing only the slots in use must clear all
 * of them, and start their count again. */
static void test_reset_clears(void)
{
	struct host_visibility *v = host_visibility_new();
	struct host_seen *list = NULL;
	unsigned n = 99, left = 0;

	if (!ok(v != NULL, "a table to reset"))
		return;
	for (unsigned i = 0; i < HOST_VISIBILITY_MAX; i++) {
		struct host_seen h = host(10, i, HOST_OPENED);
		host_visibility_add(v, &h);
	}
	host_visibility_reset(v);
	for (unsigned i = 0; i < HOST_VISIBILITY_MAX; i += 97) {
		struct host_seen h = host(10, i, 0);
		left += host_visibility_of(v, 4, &h.addr) != 0;
	}
	is_int(left, 0, "after a reset, no host of a full table is left");
	ok(host_visibility_list(v, &list, &n) && n == 0, "and none is listed (%u)", n);
	free(list);
	for (unsigned i = 0; i < HOST_VISIBILITY_MAX; i++) {
		struct host_seen h = host(11, i, HOST_ANSWERED);
		host_visibility_add(v, &h);
	}
	ok(host_visibility_list(v, &list, &n) && n == HOST_VISIBILITY_MAX &&
	   list[0].addr.b[0] == 11 && list[0].flags == HOST_ANSWERED &&
	   host_visibility_untracked(v) == 0,
	   "refilled: all %u new hosts taken, none untracked", n);
	free(list);
	host_visibility_free(v);
}

int main(void)
{
	test_list_in_address_order();
	test_reset_clears();
	test_merge_joins();
	test_merge_fills_in_address_order();
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
