/* rules_internal.h - the rule set's storage, private to rules/. */
#ifndef FLOWAUDIT_RULES_INTERNAL_H
#define FLOWAUDIT_RULES_INTERNAL_H

#include <cjson/cJSON.h>

#include "json_pos.h"
#include "rules.h"

#define MAX_PARAMS 32
#define MAX_FEATURES 32

/* Everything a rule set holds lives in one arena, freed at once. */
struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_block *head;
};

void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

/* A port list item before parameters are known: literal or "$param". */
struct port_item {
	struct port_range range;
	int param;                  /* -1: literal */
};

struct pending_service {
	struct port_item *items;
	unsigned nitems;
};

struct param {
	const char *name;
	const char *description;
	bool list;                  /* "ports" rather than "port" */
	struct port_range *values;  /* resolved: site value or default */
	unsigned nvalues;
	bool overridden;
};

struct feature {
	const char *name;
	const char *description;
	bool on;
};

struct role_binding {
	struct cidr *nets;
	unsigned nnets, cap_nets;
	const char **names;
	unsigned nnames, cap_names;
	struct cidr *hosts;         /* the single-address nets */
	unsigned nhosts;
	bool binds_addresses, binds_names;
};

struct ruleset {
	struct arena arena;
	const char *matrix_path, *site_path;
	const char *matrix_name, *document, *site_name;
	struct role roles[MAX_ROLES];
	struct role_binding bindings[MAX_ROLES];
	unsigned nroles;
	struct param params[MAX_PARAMS];
	unsigned nparams;
	struct feature features[MAX_FEATURES];
	unsigned nfeatures;
	struct rule *rules;
	int *rule_feature;          /* feature index or -1, per rule */
	struct pending_service **pending; /* per rule, per service */
	unsigned nrules;
	struct site_allow *allows;
	unsigned nallows;
};

/* One JSON file being loaded: text, positions, parsed values. */
struct json_file {
	const char *path;
	char *text;
	size_t len;
	struct json_index ix;
	cJSON *root;
	struct diag *d;
	unsigned file_errors;
};

bool json_file_load(struct json_file *f, const char *path, struct diag *d);
void json_file_free(struct json_file *f);

/* Diagnostics at a path ("/roles/mobile_servce"), at its key or its value. */
void report_at(struct json_file *f, bool error, const char *path, bool value,
	       const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* The name of list closest to word, or NULL when none is close. */
const char *nearest_name(const char *word, const char *const *list, unsigned n);

bool parse_cidr(const char *text, struct cidr *out, bool *host_bits);
bool valid_host_name(const char *s);
/* "13667", "49152-65535": a port or range; false when out of 1..65535. */
bool parse_port_text(const char *text, struct port_range *r);

bool load_matrix(struct ruleset *rs, struct json_file *f);
bool load_site(struct ruleset *rs, struct json_file *f);

int role_index(const struct ruleset *rs, const char *name);

#endif
