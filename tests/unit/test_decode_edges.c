/* test_decode_edges.c - decoder edges a mutation run found untested: an
 * IPv4 header longer than the packet's own total length while the frame
 * (padded) holds enough bytes, and TCP options in front of a segment's
 * payload, which must not be taken for payload. */
#include <pcap/pcap.h>

#include "capture/decode.h"
#include "frames.h"
#include "tap.h"

#define CLIENT IP4(192, 0, 2, 10)
#define SERVER IP4(198, 51, 100, 20)

static struct decoder *dec;
static struct packet out[DECODE_MAX_OUT];
static int nout;

static enum decode_result decode(const struct frame_buf *f)
{
	return decode_frame(dec, DLT_EN10MB, f->b, (uint32_t)f->len, (uint32_t)f->len,
			    1000000, 1, out, &nout);
}

static uint64_t reason(enum decode_reason r)
{
	return decoder_stats(dec)->reasons[r];
}

/* The IPv4 header says it is 60 bytes long (IHL 15), the total length
 * says the packet is 40, and the frame carries 100 bytes after the
 * Ethernet header (link padding): the header cannot be longer than the
 * packet, whatever the frame holds. */
static void test_ipv4_header_past_total_length(void)
{
	struct frame_buf f = { .len = 0 };

	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_TCP, CLIENT, SERVER, 20, 1, 0x4000);
	put_tcp(&f, 40001, 443, 1000, 0, TCP_SYN);
	put_zeros(&f, 60);
	f.b[14] = 0x4f;
	uint64_t before = reason(DR_IPV4_BAD_HLEN);
	enum decode_result r = decode(&f);
	is_int(r, DECODE_MALFORMED, "IHL 15 (60 bytes) in a packet of total length 40, "
	       "frame padded to 100: malformed");
	is_int(reason(DR_IPV4_BAD_HLEN), before + 1, "counted as a bad IPv4 header length");

	/* The control: the same frame with IHL 5 is the SYN it holds. */
	f.b[14] = 0x45;
	ok(decode(&f) == DECODE_OK && nout == 1 && out[0].sport == 40001 &&
	   out[0].dport == 443 && out[0].payload_len == 0,
	   "with IHL 5 the padded frame is the SYN, its padding no payload");
}

/* A data segment with 12 bytes of options (NOP, NOP, timestamps): data
 * offset 8. The payload starts after them. */
static void test_tcp_options_not_payload(void)
{
	static const char data[] = "GET / HTTP/1.1\r\n";
	static const uint8_t opts[12] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	struct frame_buf f = { .len = 0 };
	size_t dlen = sizeof(data) - 1;

	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_TCP, CLIENT, SERVER, 32 + dlen, 2, 0x4000);
	put_tcp(&f, 40001, 80, 1001, 5001, TCP_ACK | TCP_PSH);
	f.b[14 + 20 + 12] = 8 << 4;  /* data offset: 32 bytes */
	put_bytes(&f, opts, sizeof(opts));
	put_bytes(&f, data, dlen);
	ok(decode(&f) == DECODE_OK && nout == 1, "a segment with timestamps decodes");
	is_int(out[0].payload_len, dlen, "its payload length leaves the options out");
	ok(out[0].payload_caplen == dlen && out[0].payload &&
	   memcmp(out[0].payload, data, dlen) == 0,
	   "its payload is the request, not the options");
	is_int(out[0].window, 65535, "the window is read before the options");
}

int main(void)
{
	dec = decoder_new(NULL);
	test_ipv4_header_past_total_length();
	test_tcp_options_not_payload();
	decoder_free(dec);
	return done_testing();
}
