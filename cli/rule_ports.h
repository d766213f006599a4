/* rule_ports.h - what the rules an audit enforces say of their own ports,
 * in the terms of the engines that use it: which ports are servers
 * (capture: the direction of flows picked up mid-stream) and which services
 * they carry (classify: port labels). The engines know no vendor; a site
 * that moves a port moves it here too. */
#ifndef FLOWAUDIT_RULE_PORTS_H
#define FLOWAUDIT_RULE_PORTS_H

#include <stdbool.h>

#include "capture/flow_record.h"
#include "classify/port_services.h"

struct ruleset;

struct rule_ports {
	struct server_ports *servers;  /* NULL without rules */
	struct port_label *labels;     /* point into the rule set */
	unsigned nlabels;
};

/* From the applicable rules of rs (NULL: nothing); false when out of
 * memory. */
bool rule_ports_get(const struct ruleset *rs, struct rule_ports *rp);
void rule_ports_free(struct rule_ports *rp);

#endif
