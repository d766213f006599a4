/* progress.c - the progress line (see progress.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "common/safe_text.h"

bool progress_line_wanted(bool quiet)
{
	return !quiet && isatty(STDERR_FILENO);
}

/* "1.2 G", "840 k": three significant figures are plenty on a progress line. */
static void human(char *out, size_t len, double v, const char *unit)
{
	static const char *const prefix[] = { "", " k", " M", " G", " T" };
	unsigned i = 0;

	while (v >= 1000 && i + 1 < sizeof(prefix) / sizeof(prefix[0])) {
		v /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.3g%s%s" : "%.0f%s%s", v, prefix[i], unit);
}

void progress_line_show(void *ctx, const struct capture_progress *p)
{
	struct progress_line *pg = ctx;
	char done[32], total[32], pkts[32], rate[32], flows[32];
	double secs = p->elapsed_us / 1e6;
	const char *base = strrchr(p->input, '/') ? strrchr(p->input, '/') + 1 : p->input;
	char name[41];

	/* The file's name made safe, cut to 40 bytes between characters. */
	text_safe(name, sizeof(name), base);

	human(pkts, sizeof(pkts), (double)p->packets, " packets");
	human(rate, sizeof(rate), secs > 0 ? p->packets / secs : 0, " packets/s");
	human(flows, sizeof(flows), (double)p->active_flows, " open flows");
	fputs("\r\033[K", stderr);
	if (p->bytes_total) {
		human(done, sizeof(done), (double)p->bytes_done, "B");
		human(total, sizeof(total), (double)p->bytes_total, "B");
		fprintf(stderr, "%3.0f%% %s %s of %s, ",
			100.0 * (double)p->bytes_done / (double)p->bytes_total, name, done, total);
	} else {
		fprintf(stderr, "%s: ", name);
	}
	fprintf(stderr, "%s, %s, %s", pkts, rate, flows);
	fflush(stderr);
	pg->shown = true;
}

void progress_line_clear(struct progress_line *pg)
{
	if (!pg->shown)
		return;
	fputs("\r\033[K", stderr);
	pg->shown = false;
}
