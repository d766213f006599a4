/* options.h - every command-line option by name, and the blocks of long
 * options the commands share.
 *
 * One code per option whatever command takes it (--site is OPT_SITE in
 * audit, check and watch alike). An option with a short form uses its
 * letter as its code; the long-only ones are numbered past every
 * character, so the two can never collide.
 */
#ifndef FLOWAUDIT_OPTIONS_H
#define FLOWAUDIT_OPTIONS_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>

enum option_code {
	/* Short forms. */
	OPT_HELP = 'h',
	OPT_INTERFACE = 'i',
	OPT_OUTPUT = 'o',
	OPT_QUIET = 'q',
	OPT_READ = 'r',

	/* Long only: past every character getopt_long can return. */
	OPT_LONG_ONLY = UCHAR_MAX + 1,

	/* Input (input_option()). */
	OPT_BPF = OPT_LONG_ONLY,
	OPT_MAX_FLOWS,
	OPT_TIMEOUT,
	OPT_VALIDATE_CHECKSUMS,
	OPT_SNAPLEN,
	OPT_NO_PROMISC,
	OPT_BUFFER_SIZE,
	OPT_DURATION,
	OPT_FLOW_KEY,
	OPT_USER,
	OPT_IMMEDIATE,
	OPT_THREADS,
	/* Classification (input_option()). */
	OPT_NO_DPI,
	OPT_GEOIP,
	OPT_ASN,

	/* Rules (rules_option()). */
	OPT_SITE,
	OPT_MATRIX,

	/* Output. */
	OPT_FORMAT,
	OPT_COLOR,
	OPT_FAIL_ON,
	OPT_FLOW_EVENTS,
	OPT_ALLOW_SPECIAL_OUTPUT,

	/* check. */
	OPT_LAST_REPORT,

	/* watch. */
	OPT_WINDOW,
	OPT_REPORT_DIR,
	OPT_EVENTS,
};

/* Reading packets, tracking flows and classifying them: every command that
 * reads a capture (flows, audit, watch); see input_option(). */
#define INPUT_LONG_OPTIONS                                                   \
	{ "read", required_argument, NULL, OPT_READ },                       \
	{ "interface", required_argument, NULL, OPT_INTERFACE },             \
	{ "bpf", required_argument, NULL, OPT_BPF },                         \
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },             \
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },                 \
	{ "validate-checksums", no_argument, NULL, OPT_VALIDATE_CHECKSUMS }, \
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },                 \
	{ "no-promisc", no_argument, NULL, OPT_NO_PROMISC },                 \
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },         \
	{ "duration", required_argument, NULL, OPT_DURATION },               \
	{ "no-dpi", no_argument, NULL, OPT_NO_DPI },                         \
	{ "geoip", required_argument, NULL, OPT_GEOIP },                     \
	{ "asn", required_argument, NULL, OPT_ASN },                         \
	{ "flow-key", required_argument, NULL, OPT_FLOW_KEY },               \
	{ "user", required_argument, NULL, OPT_USER },                       \
	{ "immediate", no_argument, NULL, OPT_IMMEDIATE },                   \
	{ "threads", required_argument, NULL, OPT_THREADS },                 \
	{ "quiet", no_argument, NULL, OPT_QUIET }

#define INPUT_SHORT_OPTIONS "r:i:q"

/* The matrix and the site that binds it (audit, check, watch); see
 * rules_option(). */
#define RULES_LONG_OPTIONS                                  \
	{ "site", required_argument, NULL, OPT_SITE },      \
	{ "matrix", required_argument, NULL, OPT_MATRIX }

/* A format and where it goes (flows, audit; watch takes --format alone). */
#define FORMAT_LONG_OPTION \
	{ "format", required_argument, NULL, OPT_FORMAT }
/* A FIFO or character device as an output: only when asked (flows, audit,
 * watch). */
#define ALLOW_SPECIAL_LONG_OPTION \
	{ "allow-special-output", no_argument, NULL, OPT_ALLOW_SPECIAL_OUTPUT }
#define OUTPUT_LONG_OPTIONS                                 \
	FORMAT_LONG_OPTION,                                 \
	ALLOW_SPECIAL_LONG_OPTION,                          \
	{ "output", required_argument, NULL, OPT_OUTPUT }
#define OUTPUT_SHORT_OPTIONS "o:"

/* Text colour (audit). */
#define COLOR_LONG_OPTIONS                                  \
	{ "color", required_argument, NULL, OPT_COLOR },    \
	{ "colour", required_argument, NULL, OPT_COLOR }

/* Every command. */
#define HELP_LONG_OPTION \
	{ "help", no_argument, NULL, OPT_HELP }
#define HELP_SHORT_OPTIONS "h"

#define END_OF_OPTIONS { NULL, 0, NULL, 0 }

struct fail_policy;

/* --fail-on SPEC into *p. False, with "--fail-on: why" on standard error
 * (prefixed "CMD: " when cmd is not NULL), when SPEC is not a policy. */
bool fail_on_option(const char *spec, struct fail_policy *p, const char *cmd);

/* --site and --matrix as given. */
struct rules_options {
	const char *site;
	const char *matrix;  /* NULL: the installed matrix */
};

/* Handles one option of RULES_LONG_OPTIONS: 1 when handled, 0 when opt is
 * not a rules option. */
int rules_option(struct rules_options *r, int opt, const char *arg);

/* A site is required: false with "CMD: --site FILE is required" and why
 * (appended as given) when none was given. */
bool rules_options_check(const struct rules_options *r, const char *cmd,
			 const char *why);

/* The matrix can be read when none was named (the installed one, or the
 * one in $FLOWAUDIT_MATRIX_DIR): false with a message naming --matrix and
 * the environment variable when it cannot. */
bool rules_matrix_found(const struct rules_options *r);

#endif
