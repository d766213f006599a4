/* matrix_info.c - what the matrix declares, read by `flowaudit suggest`
 * (see rules.h): parameters, features, which parameter a service's ports
 * are, how a role may be bound. */
#include "rules_internal.h"

unsigned ruleset_param_count(const struct ruleset *rs)
{
	return rs->nparams;
}

const char *ruleset_param(const struct ruleset *rs, unsigned i, bool *list,
			  const struct port_range **values, unsigned *nvalues)
{
	if (i >= rs->nparams)
		return NULL;
	*list = rs->params[i].list;
	*values = rs->params[i].values;
	*nvalues = rs->params[i].nvalues;
	return rs->params[i].name;
}

int ruleset_service_param(const struct ruleset *rs, unsigned rule, unsigned service)
{
	if (rule >= rs->nrules || service >= rs->rules[rule].nservices)
		return -1;
	const struct pending_service *p = &rs->pending[rule][service];
	return p->nitems == 1 ? p->items[0].param : -1;
}

unsigned ruleset_feature_count(const struct ruleset *rs)
{
	return rs->nfeatures;
}

const char *ruleset_feature_name(const struct ruleset *rs, unsigned i)
{
	return i < rs->nfeatures ? rs->features[i].name : NULL;
}

int ruleset_rule_feature(const struct ruleset *rs, unsigned rule)
{
	return rule < rs->nrules ? rs->rule_feature[rule] : -1;
}

bool ruleset_role_binds_names(const struct ruleset *rs, unsigned role)
{
	return role < rs->nroles && rs->bindings[role].binds_names;
}

bool ruleset_role_binds_addresses(const struct ruleset *rs, unsigned role)
{
	return role < rs->nroles && rs->bindings[role].binds_addresses;
}
