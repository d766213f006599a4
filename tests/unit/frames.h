/* frames.h - builds frames byte by byte for decoder tests. A frame is
 * assembled front to back into a buffer; each put_* appends one header.
 *
 * A frame_buf holds FRAME_BUF_SIZE bytes: 4096 unless the test defines it
 * before including this file. One that needs frames as large as libpcap
 * reads (256 KiB) defines it so and takes its buffers from frame_new() or
 * static storage, not the stack. Writing past the end stops the test. */
#ifndef FLOWAUDIT_TEST_FRAMES_H
#define FLOWAUDIT_TEST_FRAMES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef FRAME_BUF_SIZE
#define FRAME_BUF_SIZE 4096
#endif

struct frame_buf {
	uint8_t b[FRAME_BUF_SIZE];
	size_t len;
};

/* An empty frame_buf on the heap (free() it); for large FRAME_BUF_SIZEs. */
static inline struct frame_buf *frame_new(void)
{
	struct frame_buf *f = malloc(sizeof(*f));
	if (!f)
		abort();
	f->len = 0;
	return f;
}

/* The next n bytes of f, now part of the frame. */
static inline uint8_t *frame_room(struct frame_buf *f, size_t n)
{
	if (n > sizeof(f->b) - f->len)
		abort();  /* a test frame larger than its buffer */
	uint8_t *p = f->b + f->len;
	f->len += n;
	return p;
}

static inline void put8(struct frame_buf *f, uint8_t v) { *frame_room(f, 1) = v; }
static inline void put16(struct frame_buf *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}
static inline void put32(struct frame_buf *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}
static inline void put_bytes(struct frame_buf *f, const void *p, size_t n)
{
	uint8_t *to = frame_room(f, n);
	if (n)
		memcpy(to, p, n);
}
static inline void put_zeros(struct frame_buf *f, size_t n)
{
	memset(frame_room(f, n), 0, n);
}

static inline void put_eth(struct frame_buf *f, uint16_t type)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6 };
	put_bytes(f, macs, 12);
	put16(f, type);
}

static inline void put_vlan(struct frame_buf *f, uint16_t vid, uint16_t next)
{
	put16(f, vid);
	put16(f, next);
}

/* IPv4 header for a payload of plen bytes; frag = flags|offset/8 field.
 * The total length is 0 (as segmentation offload leaves it) when too long
 * to say. */
static inline void put_ipv4(struct frame_buf *f, uint8_t proto, uint32_t src,
			    uint32_t dst, size_t plen, uint16_t id,
			    uint16_t frag)
{
	size_t start = f->len;
	put8(f, 0x45);
	put8(f, 0);
	put16(f, 20 + plen > 0xffff ? 0 : (uint16_t)(20 + plen));
	put16(f, id);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, src);
	put32(f, dst);
	uint32_t sum = 0;
	for (size_t i = start; i < start + 20; i += 2)
		sum += (uint32_t)(f->b[i] << 8 | f->b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[start + 10] = (uint8_t)(~sum >> 8);
	f->b[start + 11] = (uint8_t)~sum;
}

/* IPv6 header 2001:db8::last_src -> 2001:db8::last_dst for plen bytes of
 * payload; the payload length is 0 (a jumbogram's) when too long to say. */
static inline void put_ipv6(struct frame_buf *f, uint8_t next, uint8_t last_src,
			    uint8_t last_dst, size_t plen)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	put32(f, 0x60000000);
	put16(f, plen > 0xffff ? 0 : (uint16_t)plen);
	put8(f, next);
	put8(f, 64);
	a[15] = last_src;
	put_bytes(f, a, 16);
	a[15] = last_dst;
	put_bytes(f, a, 16);
}

/* IPv6 fragment header; off_flags = offset (a multiple of 8) | more (1). */
static inline void put_frag6(struct frame_buf *f, uint8_t next,
			     uint16_t off_flags, uint32_t id)
{
	put8(f, next);
	put8(f, 0);
	put16(f, off_flags);
	put32(f, id);
}

static inline void put_tcp(struct frame_buf *f, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint32_t ack, uint8_t flags)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, seq);
	put32(f, ack);
	put8(f, 5 << 4);
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
}

static inline void put_udp(struct frame_buf *f, uint16_t sport, uint16_t dport,
			   size_t plen)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + plen));
	put16(f, 0);
}

/* VXLAN header (flags: VNI valid) for VNI vni. */
static inline void put_vxlan(struct frame_buf *f, uint32_t vni)
{
	put32(f, 0x08000000);
	put32(f, vni << 8);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#endif
