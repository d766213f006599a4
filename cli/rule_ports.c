/* rule_ports.c - what the rules tell capture and classify (see
 * rule_ports.h). */
#include <stdlib.h>
#include <string.h>

#include "rule_ports.h"
#include "rules/rules.h"

void rule_ports_free(struct rule_ports *rp)
{
	free(rp->servers);
	free(rp->labels);
}

bool rule_ports_get(const struct ruleset *rs, struct rule_ports *rp)
{
	memset(rp, 0, sizeof(*rp));
	if (!rs)
		return true;
	unsigned n = ruleset_server_ports(rs, NULL, 0);
	struct server_port *sp = calloc(n ? n : 1, sizeof(*sp));
	rp->servers = calloc(1, sizeof(*rp->servers));
	rp->labels = calloc(n ? n : 1, sizeof(*rp->labels));
	if (!sp || !rp->servers || !rp->labels) {
		free(sp);
		rule_ports_free(rp);
		return false;
	}
	ruleset_server_ports(rs, sp, n);
	for (unsigned i = 0; i < n; i++) {
		/* A range too wide to be servers (RPC's dynamic ports) holds
		 * every client's ports too: no label for it either. */
		if (!server_ports_add(rp->servers, sp[i].proto, sp[i].range.lo,
				      sp[i].range.hi))
			continue;
		rp->labels[rp->nlabels++] = (struct port_label){
			sp[i].proto, sp[i].range.lo, sp[i].range.hi, sp[i].label,
			sp[i].service->apps, sp[i].service->napps,
		};
	}
	free(sp);
	return true;
}
