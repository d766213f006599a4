/* community_id.c - Community ID v1 (see community_id.h). nDPI 4.2 has one
 * too, but it orders equal addresses wrongly (loopback flows), so the tuple
 * is built here and hashed with nettle. */
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <string.h>

#include "community_id.h"

uint16_t icmp_counterpart(uint8_t ip_version, uint8_t type, uint8_t code,
			  bool *one_way)
{
	static const uint8_t v4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 },
					 { 10, 9 }, { 17, 18 } };
	static const uint8_t v6[][2] = { { 128, 129 }, { 133, 134 },
					 { 135, 136 }, { 130, 131 },
					 { 139, 140 }, { 144, 145 } };
	const uint8_t(*pairs)[2] = ip_version == 4 ? v4 : v6;
	size_t n = ip_version == 4 ? sizeof(v4) / sizeof(v4[0])
				   : sizeof(v6) / sizeof(v6[0]);

	*one_way = false;
	for (size_t i = 0; i < n; i++) {
		if (pairs[i][0] == type)
			return pairs[i][1];
		if (pairs[i][1] == type)
			return pairs[i][0];
	}
	*one_way = true;
	return code;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void community_id_v1(uint8_t ip_version, uint8_t proto,
		     const struct ip_addr *src, uint16_t sport,
		     const struct ip_addr *dst, uint16_t dport,
		     char out[COMMUNITY_ID_LEN])
{
	size_t alen = ip_version == 4 ? 4 : 16;
	bool one_way = false;
	uint8_t buf[2 + 16 + 16 + 4 + 4];
	size_t n = 0;

	if (proto == IP_PROTO_ICMP || proto == IP_PROTO_ICMPV6)
		icmp_counterpart(ip_version, (uint8_t)sport, (uint8_t)dport, &one_way);
	else if (proto != IP_PROTO_TCP && proto != IP_PROTO_UDP)
		sport = dport = 0;

	/* The lower endpoint goes first, unless the message is one-way. */
	int c = memcmp(src->b, dst->b, alen);
	if (!one_way && (c > 0 || (c == 0 && sport > dport))) {
		const struct ip_addr *ta = src;
		uint16_t tp = sport;
		src = dst;
		dst = ta;
		sport = dport;
		dport = tp;
	}
	put16(buf, 0);  /* seed */
	n = 2;
	memcpy(buf + n, src->b, alen);
	n += alen;
	memcpy(buf + n, dst->b, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	put16(buf + n, sport);
	put16(buf + n + 2, dport);
	n += 4;

	struct sha1_ctx ctx;
	uint8_t digest[SHA1_DIGEST_SIZE];
	sha1_init(&ctx);
	sha1_update(&ctx, n, buf);
	sha1_digest(&ctx, sizeof(digest), digest);

	memcpy(out, "1:", 2);
	base64_encode_raw(out + 2, sizeof(digest), digest);
	out[2 + BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}
