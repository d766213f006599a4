/* read_floor.c - the floor every capture tool stands on: libpcap reading
 * each packet of a file and nothing else. bench/run times it beside
 * flowaudit and its peers. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long long packets = 0, bytes = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: read_floor CAPTURE\n");
		return 2;
	}
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "read_floor: %s\n", err);
		return 2;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		packets++;
		bytes += h->caplen;
	}
	pcap_close(p);
	printf("%llu packets, %llu bytes\n", packets, bytes);
	return 0;
}
