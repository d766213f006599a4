/* matrix_info.c - what the matrix declares beyond ruleset.c's accessors,
 * read by `flowaudit suggest` (see rules.h): which parameter a service's
 * ports are, and a rule's feature by index. */
#include "rules_internal.h"

int ruleset_service_param(const struct ruleset *rs, unsigned rule, unsigned service)
{
	if (rule >= rs->nrules || service >= rs->rules[rule].nservices)
		return -1;
	const struct pending_service *p = &rs->pending[rule][service];
	return p->nitems == 1 ? p->items[0].param : -1;
}

int ruleset_rule_feature_index(const struct ruleset *rs, unsigned rule)
{
	return rule < rs->nrules ? rs->rule_feature[rule] : -1;
}
