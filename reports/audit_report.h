/* audit_report.h - one audit, as every report format renders it: the
 * inputs and their figures, the verdict, the findings and the rules that
 * did not apply. Renderers never judge; they only present this. */
#ifndef FLOWAUDIT_AUDIT_REPORT_H
#define FLOWAUDIT_AUDIT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/findings.h"
#include "audit/policy.h"
#include "audit/verdict.h"
#include "rules/rules.h"

/* One input (a file or an interface) as the reports state it. */
struct input_summary {
	const char *name;
	bool live;                /* an interface */
	uint64_t packets;
	uint64_t bytes;           /* wire bytes of the frames read */
	uint64_t first_us, last_us;  /* packet times; 0 when no packet */
	uint64_t kernel_drops, interface_drops;  /* live only */
	const char *error;        /* "" when the input was read to its end */
	const char *part;         /* a merged report: the report it came from;
				   * NULL otherwise */
};

/* A named decode counter: a reason frames were dropped as malformed or a
 * note about frames still used. */
struct decode_note {
	const char *name;
	uint64_t count;
};

#define CAPTURE_SUMMARY_NOTES 64

/* What the capture read, as plain figures: the reports know nothing of the
 * capture engine. Whoever runs the capture fills this in. */
struct capture_summary {
	const struct input_summary *inputs;
	unsigned ninputs;
	/* Over every input. */
	uint64_t packets;
	uint64_t first_us, last_us;  /* the earliest and latest packet; 0: none */
	uint64_t non_ip;          /* frames that were not IP (ARP, LLDP, ...) */
	uint64_t malformed;       /* frames dropped as malformed */
	/* The decode counters that are not zero, in the capture's order. */
	struct decode_note notes[CAPTURE_SUMMARY_NOTES];
	unsigned nnotes;
	/* The flow table. */
	uint64_t flows;           /* flows created */
	uint64_t evicted;         /* finished early: the table was full */
	uint64_t peak_flows;      /* at most this many at once */
};

/* A file a report rests on (a capture, the matrix, the site) as an auditor
 * identifies it. */
struct report_file {
	const char *name;          /* as given on the command line */
	uint64_t size;             /* bytes */
	char sha256[65];           /* lowercase hex; "" when not hashed */
	const char *why_unhashed;  /* "" or why there is no digest (stdin, live) */
};

/* A library and the version it states at run time. */
struct report_component {
	const char *name;
	const char *version;
};

#define REPORT_COMPONENTS 8

/* Who made the report, when, from what: what an auditor signs. Filled by
 * the command (cli/); NULL in a report where nothing states it. */
struct report_provenance {
	uint64_t generated_us;     /* wall clock, UTC (SOURCE_DATE_EPOCH when set) */
	struct report_component components[REPORT_COMPONENTS];
	unsigned ncomponents;      /* [0] is flowaudit itself */
	const char *command_line;  /* the arguments, shell-quoted */
	struct report_file matrix, site;
	const struct report_file *inputs;  /* parallel to capture.inputs */
	unsigned ninputs;
};

struct audit_report {
	const char *version;
	const struct report_provenance *provenance;  /* NULL: not stated */
	const struct ruleset *rules;
	const struct findings *findings;
	struct fail_policy fail_on;
	enum audit_verdict verdict;   /* decided by audit/, never by a renderer */
	unsigned not_gating;          /* findings --fail-on lets pass */
	struct capture_summary capture;
	/* A window of a continuous watch: its bounds; 0 for a whole audit. */
	uint64_t window_start_us, window_end_us;
	/* The verdict's raw state, which the JSON report carries so that
	 * reports can be merged (docs/merge.md); NULL: not carried. */
	const struct verdict *state;
	/* The matrix's and the site's SHA-256, lowercase hex ("" unknown). */
	char matrix_sha256[65], site_sha256[65];
	/* A merged report: the identities of the reports of captures it
	 * holds, sorted. None (0) for a report of captures: its identity is
	 * a digest of its inputs and state (report_identity). */
	const char *const *parts;
	unsigned nparts;
};

/* The identity of a report of captures: the SHA-256 of its inputs (file
 * names without their directory, sizes, first and last packet, packet counts), its window (watch) and its
 * state as JSON text, lowercase hex. False when out of memory. */
bool report_identity(const struct audit_report *r, const char *state_text,
		     char out[65]);

/* The JSON report of docs/report-format.md (schema flowaudit-report/1). Output is
 * byte-for-byte the same for the same inputs. */
bool report_json(FILE *f, const struct audit_report *r);

/* The terminal report: verdict first, then missing and blocked, then
 * unexpected, then observed (summarised). Colour only when asked. */
bool report_text(FILE *f, const struct audit_report *r, bool color);

/* The compliance report for people: one self-contained HTML file with the
 * communication diagram as inline SVG; runs no script. */
bool report_html(FILE *f, const struct audit_report *r);

/* JUnit XML for CI: a testsuite per rule group, a testcase per rule and
 * host; missing, blocked and unexpected are failures. */
bool report_junit(FILE *f, const struct audit_report *r);

/* The findings as RFC 4180 CSV, one row per finding, with a header row. */
bool report_csv(FILE *f, const struct audit_report *r);

/* One JSON line per finding with Elastic Common Schema field names. */
bool report_events(FILE *f, const struct audit_report *r);

/* Shared by renderers. */
void roles_join(const struct ruleset *rs, role_mask m, const char *sep,
		char *out, size_t len);
/* The roles worth naming beside a host: those the site binds it to by its
 * own address, a network of /8 or longer (/32 for IPv6), or its name. A
 * catch-all binding (mobile_clients = 0.0.0.0/0) matches every host and
 * explains none, so it is left out; a side that never appeared keeps all
 * its roles (they are all there is to say of it). */
#define ROLE_EXPLAINS_PREFIX_V4 8
#define ROLE_EXPLAINS_PREFIX_V6 32
role_mask roles_worth_naming(const struct ruleset *rs, const struct finding_endpoint *e);
/* The hosts a side that never appeared was expected at, joined by sep. */
void expected_join(const struct finding_endpoint *e, const char *sep, char *out,
		   size_t len);
/* The kinds --fail-on gates on, "missing,blocked" or "none". */
void gating_text(const struct fail_policy *p, char *out, size_t len);
/* A site exception's sides ("10.9.9.9", "license_server", "any") and its
 * protocol and ports ("tcp/3389", "any protocol"). */
void exception_side_text(const struct ruleset *rs, role_mask roles,
			 const struct cidr *nets, unsigned nnets, char *out, size_t len);
void exception_ports_text(const struct site_allow *a, char *out, size_t len);
/* One statement about the capture's health, as every format prints it:
 * a stable code, the host it is about ("" none), and the sentence. */
#define HEALTH_TEXT_LEN 400
struct health_line {
	const char *code;
	char host[64];
	char text[HEALTH_TEXT_LEN];
};

#define HEALTH_MAX_LINES 48
/* The capture's health: inputs not read whole, drops, evictions, then the
 * audit's notes (one-sided flows, hosts never receiving). */
unsigned capture_health_lines(const struct audit_report *r, struct health_line *out,
			      unsigned max);
/* Every input read to its end. */
bool capture_complete(const struct audit_report *r);

/* The rule group a report files a rule under. */
const char *rule_group(const struct rule *rule);
/* The sections a rule enforces, joined by sep ("" when none). */
void sections_join(const struct rule *rule, const char *sep, char *out, size_t len);

#endif
