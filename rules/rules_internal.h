/* rules_internal.h - the rule set's storage, private to rules/. */
#ifndef FLOWAUDIT_RULES_INTERNAL_H
#define FLOWAUDIT_RULES_INTERNAL_H

#include <cjson/cJSON.h>

#include "common/array.h"
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
	const char *const *sections;
	unsigned nsections;
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
	unsigned *host_ids;         /* their hosts (ruleset.hosts), each once */
	unsigned nhost_ids;
	bool binds_addresses, binds_names;
	bool binds_dedicated;       /* the site's "dedicated" list binds it */
};

/* A host the site groups under a name, while the site is loaded. */
struct host_def {
	const char *path;           /* where its addresses were first given */
	bool broken;                /* reported bad: say nothing more of it */
};

/* A network some role is bound to: every role's, in one array
 * (ruleset.role_nets), which an address's roles are found in. */
struct role_net {
	struct cidr net;
	unsigned role;
};

/* An address of a concrete host, in the sorted index. */
struct host_addr {
	uint8_t ip_version;
	struct ip_addr addr;
	unsigned host;
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
	int *rule_each_param;       /* "each": "$param": its index, else -1 */
	struct pending_service **pending; /* per rule, per service */
	unsigned nrules;
	struct site_allow *allows;
	unsigned nallows;
	role_mask dedicated_roles;  /* peer roles the site dedicates whole */
	/* Concrete hosts: those the site names first (nnamed), then one for
	 * each other single address; and every host address, sorted. */
	struct site_host *hosts;
	struct host_def *host_defs; /* per named host, while loading */
	unsigned nhosts, nnamed, cap_hosts;
	struct host_addr *host_index;
	unsigned nhost_index;
	/* Every binding's networks, role by role, in one array: `audit`
	 * looks up both ends of every flow twice, and walking each of the
	 * matrix's roles' bindings for them cost a twentieth of its time. */
	struct role_net *role_nets;
	unsigned nrole_nets;
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

/* ---- load_common.c: what the matrix and site loaders share ---- */

#define PATH_LEN 256

/* The path one key or one index below parent, in out[PATH_LEN]. */
void path_key(char *out, const char *parent, const char *key);
void path_index(char *out, const char *parent, unsigned i);

/* A list of names seen in place: the first, and how far apart they are.
 * Roles, parameters and features (items with a name field) and plain
 * string lists share one lookup and one typo finder this way. */
struct names {
	const char *const *first;
	size_t stride;
	unsigned n;
};
#define NAMES_OF(items, count) \
	((struct names){ &(items)[0].name, sizeof((items)[0]), (count) })
#define ROLES(rs) NAMES_OF((rs)->roles, (rs)->nroles)
#define PARAMS(rs) NAMES_OF((rs)->params, (rs)->nparams)
#define FEATURES(rs) NAMES_OF((rs)->features, (rs)->nfeatures)

/* The index of name in ns, or -1. */
int name_index(struct names ns, const char *name);
/* The name in ns closest to word, or NULL when none is close (a typo). */
const char *nearest_in(struct names ns, const char *word);
/* The hint for an unknown name, in hint[size]: "did you mean ...?" when
 * one is close, else otherwise, followed by every known name when list is
 * set (as many as fit). */
void unknown_name_hint(char *hint, size_t size, const char *word,
			 struct names known, const char *otherwise, bool list);

/* Reports every key of obj that is not one of keys[0..n) as an error at
 * the key, "unknown key "k" in <what>". The hint is the nearest key when
 * suggest is set and one is close, else otherwise. */
void check_keys(struct json_file *f, const cJSON *obj, const char *path,
		const char *const *keys, unsigned n, const char *what,
		const char *otherwise, bool suggest);
/* The usual case: keys is an array, what a string literal. */
#define CHECK_KEYS(f, obj, path, keys, what) \
	check_keys((f), (obj), (path), (keys), ARRAY_SIZE(keys), what, \
		   what " has no such key", true)

/* True when v is an object; else reports that top-level key must be one. */
bool want_object(struct json_file *f, const cJSON *v, const char *key);

/* One member m of a section ("/roles/mobile_service" is its path); false
 * stops the section. */
typedef bool member_fn(struct ruleset *rs, struct json_file *f, const cJSON *m,
		       const char *path);
/* Calls one for each member of the section root[key], an object. Not an
 * object: reported, as is an absent section that is required. */
void each_member(struct ruleset *rs, struct json_file *f, const cJSON *root,
		 const char *key, bool required, member_fn *one);

/* "13667", "49152-65535": a port or range; false when out of 1..65535. */
bool parse_port_text(const char *text, struct port_range *r);
#define PORT_TEXT_LEN 32
/* A port or range from a JSON number or string; text gets what was read
 * ("" for another type), for the message when it is bad. */
bool json_port(const cJSON *e, struct port_range *r, char text[PORT_TEXT_LEN]);
/* pm's values from v, one port or a list; false, pm unchanged, when v is
 * empty or any port is bad. The caller checks the shape it allows. */
bool set_param_values(struct ruleset *rs, struct param *pm, const cJSON *v);
/* "tcp", "udp", "icmp". */
bool parse_proto(const char *s, uint8_t *proto);

bool parse_cidr(const char *text, struct cidr *out, bool *host_bits);
bool valid_host_name(const char *s);

bool load_matrix(struct ruleset *rs, struct json_file *f);
bool load_site(struct ruleset *rs, struct json_file *f);

/* The named host called name, or -1. */
int named_host(const struct ruleset *rs, const char *name);
/* The named host holding a single address, or -1 (while loading: the
 * index is built when the site is resolved). */
int named_host_of(const struct ruleset *rs, const struct cidr *c);

#endif
