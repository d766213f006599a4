/* cli.h - the command line: one file per command, shared option handling. */
#ifndef FLOWAUDIT_CLI_H
#define FLOWAUDIT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "options.h"

struct ruleset;
struct diag;

/* Exit statuses (man flowaudit, EXIT STATUS). */
#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
#define EXIT_INCONCLUSIVE 3  /* nothing gates, but the capture cannot support a pass */

/* Options every command that reads packets shares. */
struct input_options {
	struct capture_options capture;
	const char **files;
	unsigned nfiles;
	const char *iface;
	bool no_dpi;
	const char *geoip_path;
	const char *asn_path;
	unsigned threads;        /* 0: automatic; 1: one thread; N: a reader and
				  * N workers (pipeline_threads.h) */
	/* The command's output does not depend on the order flows end in (an
	 * audit's findings), so "automatic" may mean one worker per CPU.
	 * Otherwise it means one thread: with workers, flows end in an order
	 * that depends on their timing, and output must be the same from run
	 * to run unless the user asks for workers. */
	bool order_free;
	/* The rules an audit enforces, or NULL: their services' ports are
	 * servers to capture and labelled services to classify (read by
	 * pipeline_open, which keeps nothing of them). */
	const struct ruleset *rules;
};

void input_options_init(struct input_options *in);
void input_options_free(struct input_options *in);

/* Handles one option of INPUT_LONG_OPTIONS (options.h). Returns 1 when
 * handled, 0 when the option is not an input option, -1 on a bad value
 * (message printed). */
int input_option(struct input_options *in, int opt, const char *arg);

/* Bare arguments are captures to read. */
bool input_add_file(struct input_options *in, const char *path);

/* Checks that something will be read; prints why not. */
bool input_options_check(const struct input_options *in, const char *cmd);

/* Queues the inputs on a capture. */
void input_options_apply(const struct input_options *in, struct capture *cap);

/* Parses "90", "90s", "15m", "1h", "2d" into microseconds. */
bool parse_duration(const char *s, uint64_t *us);

/* "s" unless n is one: "%llu flow%s" for counts in messages. */
const char *plural_s(unsigned long long n);

/* After a matrix or site failed to load: "flowaudit: 1 error, 0 warnings". */
void rules_load_failed(const struct diag *d);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *input_options_help(void);

int cmd_flows(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_firewall(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_suggest(int argc, char **argv);

#endif
