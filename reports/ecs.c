/* ecs.c - see ecs.h. */
#include <ctype.h>
#include <stdio.h>

#include <string.h>

#include "common/addr.h"
#include "ecs.h"

void ecs_header(struct jw *w, const char *flowaudit_version)
{
	jw_object(w, "ecs");
	jw_str(w, "version", ECS_VERSION);
	jw_close_object(w);
	jw_object(w, "observer");
	jw_str(w, "product", "flowaudit");
	jw_str(w, "vendor", "flowaudit");
	jw_str(w, "type", "sensor");
	jw_str(w, "version", flowaudit_version);
	jw_close_object(w);
}

void ecs_geo(struct jw *w, const struct endpoint_geo *g)
{
	if (g->country[0]) {
		jw_object(w, "geo");
		jw_str(w, "country_iso_code", g->country);
		jw_close_object(w);
	}
	if (g->asn) {
		jw_object(w, "as");
		jw_u64(w, "number", g->asn);
		if (g->as_org[0]) {
			jw_object(w, "organization");
			jw_str(w, "name", g->as_org);
			jw_close_object(w);
		}
		jw_close_object(w);
	}
}

void ecs_protocol_name(char *out, size_t len, const char *app)
{
	size_t i = 0;

	if (!len)
		return;
	/* "TLS.Azure": the protocol is the master, before the dot. */
	for (; app[i] && app[i] != '.' && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)app[i]);
	out[i] = '\0';
}

/* One ECS side of a flow: address, port, its own packets and bytes. */
static void ecs_side(struct jw *w, const char *key, const struct flow_record *r,
		     const struct ip_addr *ip, uint16_t port, const struct flow_side *s,
		     const char *domain, const struct endpoint_geo *geo)
{
	char text[IP_TEXT_LEN];

	format_ip(text, r->ip_version, ip);
	jw_object(w, key);
	jw_str(w, "ip", text);
	jw_str(w, "address", text);
	if (r->proto == IP_PROTO_TCP || r->proto == IP_PROTO_UDP)
		jw_u64(w, "port", port);
	jw_u64(w, "packets", s->pkts);
	jw_u64(w, "bytes", s->ip_bytes);
	jw_str_nonempty(w, "domain", domain);
	if (geo)
		ecs_geo(w, geo);
	jw_close_object(w);
}

void ecs_flow(struct jw *w, const struct flow_record *r, const struct flow_class *c)
{
	bool geo = c && c->has_geo;

	ecs_side(w, "source", r, &r->orig_h, r->orig_p, &r->orig, NULL,
		 geo ? &c->orig_geo : NULL);
	ecs_side(w, "destination", r, &r->resp_h, r->resp_p, &r->resp,
		 c ? c->server_name : NULL, geo ? &c->resp_geo : NULL);
	jw_object(w, "network");
	jw_str(w, "transport", ip_proto_name(r->proto, "unknown_transport"));
	jw_str(w, "type", r->ip_version == 6 ? "ipv6" : "ipv4");
	jw_str(w, "community_id", r->community_id);
	/* ECS types iana_number and vlan.id as keyword: strings, so a
	 * strict mapping takes them as they are. */
	char number[8];
	snprintf(number, sizeof(number), "%u", (unsigned)r->proto);
	jw_str(w, "iana_number", number);
	if (c && c->classified && strcmp(c->app, "Unknown") != 0) {
		char app[APP_NAME_LEN];
		ecs_protocol_name(app, sizeof(app), c->app);
		jw_str(w, "protocol", app);
	}
	jw_u64(w, "packets", r->orig.pkts + r->resp.pkts);
	jw_u64(w, "bytes", r->orig.ip_bytes + r->resp.ip_bytes);
	if (r->vlan) {
		snprintf(number, sizeof(number), "%u", (unsigned)r->vlan);
		jw_object(w, "vlan");
		jw_str(w, "id", number);
		jw_close_object(w);
	}
	jw_close_object(w);
}
