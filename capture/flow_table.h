/* flow_table.h - bidirectional flows, private to capture/ (capture.c and
 * white-box tests use it; callers of capture.h see only flow_config.h).
 *
 * Flows are keyed symmetrically on addresses, ports, protocol, VLAN tags and
 * tunnel id. Storage is one array sized by the flow cap (pages are touched
 * only as flows use them), another beside it for TCP content state (touched
 * only by streams out of the ordinary) and an open-addressing index, so a
 * packet costs no allocation. Idle flows are expired by timer lists kept in last-activity
 * order per timeout class: expiry looks at list heads, never the whole table.
 * When the table is full the flow idle longest is finished early and counted
 * as evicted - never dropped silently.
 */
#ifndef FLOWAUDIT_FLOW_TABLE_H
#define FLOWAUDIT_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow_config.h"
#include "flow_record.h"
#include "packet.h"

/* Called for every flow that ends, before its slot is reused. */
typedef void flow_end_fn(void *ctx, const struct flow_record *r,
			 uint32_t slot);

/* A flow may end soon (expiry is walking towards it, though it may not be
 * due yet): a hint to bring what the callee keeps by slot into the cache. */
typedef void flow_ending_fn(void *ctx, uint32_t slot);

struct flow_table;

struct flow_table *flow_table_new(const struct flow_table_config *c,
				  flow_end_fn *on_end, void *ctx);
/* Optional: called with on_end's ctx for the flow two ahead of the one
 * expiry ends. */
void flow_table_on_ending(struct flow_table *t, flow_ending_fn *fn);
void flow_table_free(struct flow_table *t);

/* Accounts one packet to its flow (made when new). False when the packet
 * cannot be tracked (it never is for malformed packets, which the decoder
 * already dropped). */
bool flow_table_packet(struct flow_table *t, const struct packet *p,
		       struct flow_update *u);

/* An ICMP error whose own flow is tracked elsewhere (a sharded run):
 * counted on the flow it quotes, when that flow is tracked here. */
void flow_table_icmp_evidence(struct flow_table *t, const struct packet *p);

/* The consumer needs no more packets of this flow (classification done). */
void flow_table_stop_packets(struct flow_table *t, uint32_t slot);

/* Ends flows idle past their timeout at packet time now. */
void flow_table_expire(struct flow_table *t, uint64_t now);

/* Ends every flow still open, in creation order (end of input). */
void flow_table_finish(struct flow_table *t);

/* After flow_table_finish: gives back the memory that grows with
 * max_flows (the slots the run touched, the grown index) and leaves the
 * table as new, its figures kept. A report built after the run then does
 * not sit on top of the flow table's peak. False (nothing changed) while
 * a flow is open or when the fresh arrays cannot be had. */
bool flow_table_release_memory(struct flow_table *t);

/* Calls fn for every open flow, as its record reads now, in slot order. */
void flow_table_each_active(const struct flow_table *t, flow_end_fn *fn, void *ctx);

const struct flow_table_stats *flow_table_stats(const struct flow_table *t);

#endif
