/* flow_config.h - the flow table as capture's callers see it: the settings
 * they choose (capture_options.flows) and the figures they read back
 * (capture_flow_stats). The table itself is private to capture/. */
#ifndef FLOWAUDIT_FLOW_CONFIG_H
#define FLOWAUDIT_FLOW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "flow_record.h"

enum timer_class {
	TIMER_TCP,          /* established TCP: Zeek's tcp_inactivity_timeout */
	TIMER_TCP_ATTEMPT,  /* TCP still in its handshake */
	TIMER_TCP_CLOSED,   /* TCP closed or reset: linger, then end */
	TIMER_UDP,
	TIMER_ICMP,
	TIMER_OTHER,
	TIMER_CLASS_COUNT
};

struct flow_table_config {
	uint32_t max_flows;
	uint64_t timeout_us[TIMER_CLASS_COUNT];
	/* What besides addresses, ports and protocol tells flows apart. VLAN
	 * tags by default. The tunnel id (VNI, GRE key) only on request:
	 * some switches tag each direction of one flow with its own VNI. The
	 * kind of tunnel (none, GRE, VXLAN, ...) counts unless both are off
	 * (--flow-key none): then the 5-tuple alone makes the flow. */
	bool key_vlan;
	bool key_tunnel_id;
	/* Server ports the deployment names besides the well-known and
	 * registered ones (see port_is_likely_server), or NULL. Copied when
	 * the table is made. */
	const struct server_ports *server_ports;
};

void flow_table_config_default(struct flow_table_config *c);
const char *timer_class_name(enum timer_class c);

struct flow_table_stats {
	uint64_t created;
	uint64_t ended;
	uint64_t evicted;
	uint64_t active;
	uint64_t peak_active;
	uint64_t untracked;   /* packets without ports where ports are needed */
	/* TCP streams whose content state was written (a side's first
	 * hole, gap, FIN, retransmission, zero window or bad checksum): what
	 * the content table is touched for. SYN floods and data in order
	 * never add to it. */
	uint64_t tcp_streams;
};

#endif
