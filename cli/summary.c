/* summary.c - run summary on standard error (see summary.h). */
#include "summary.h"
#include "cli.h"
#include "common/safe_text.h"

void summary_print(FILE *f, const struct capture *cap)
{
	uint64_t packets = 0, bytes = 0;
	unsigned n = capture_input_count(cap);

	for (unsigned i = 0; i < n; i++) {
		const struct capture_input *in = capture_input(cap, i);
		packets += in->packets;
		bytes += in->bytes;
		if (in->live) {
			text_printf_safe(f, "flowaudit: %s: %llu dropped by the kernel, "
					 "%llu by the interface", in->name,
					 (unsigned long long)in->kernel_drops,
					 (unsigned long long)in->interface_drops);
			fputc('\n', f);
		}
	}
	const struct flow_table_stats *fs = capture_flow_stats(cap);
	const struct decode_stats *ds = capture_decode_stats(cap);
	fprintf(f, "flowaudit: %llu packet%s, %llu byte%s from %u input%s; "
		"%llu flow%s (%llu evicted early, peak %llu in memory); "
		"%llu non-IP frame%s; %llu malformed\n",
		(unsigned long long)packets, plural_s(packets),
		(unsigned long long)bytes, plural_s(bytes), n, plural_s(n),
		(unsigned long long)fs->created, plural_s(fs->created),
		(unsigned long long)fs->evicted,
		(unsigned long long)fs->peak_active,
		(unsigned long long)ds->non_ip, plural_s(ds->non_ip),
		(unsigned long long)capture_malformed_total(cap));
	for (int r = 0; r < DR_COUNT; r++)
		if (ds->reasons[r])
			fprintf(f, "flowaudit:   %s %s: %llu\n",
				decode_reason_is_drop(r) ? "malformed" : "note",
				decode_reason_name(r),
				(unsigned long long)ds->reasons[r]);
}
