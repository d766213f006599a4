/* cases_layout.c - a capture for the HTML diagram's layout at scale: the
 * 20 roles of tests/data/matrix-20roles.json as tests/data/site-20roles.json
 * binds them, their allowed traffic and 100 unexpected conversations
 * concentrated on 15 pairs of boxes, as on a real network. */
#include <stdio.h>
#include <string.h>

#include "fixturegen.h"

/* Allowed traffic: a client population's host or a server, to a server. */
static const struct {
	const char *client, *server;
	uint16_t port;
} allowed[] = {
	{ "10.20.1.5", "10.30.0.1", 443 },    /* front_desk -> portal */
	{ "10.20.1.5", "10.30.0.51", 443 },   /* front_desk -> gateway */
	{ "10.20.2.5", "10.30.0.1", 443 },    /* clinicians -> portal */
	{ "10.20.2.5", "10.30.0.11", 443 },   /* clinicians -> dictation_api */
	{ "10.20.3.5", "10.30.0.11", 443 },   /* transcribers -> dictation_api */
	{ "10.20.3.5", "10.30.0.21", 443 },   /* transcribers -> workflow */
	{ "10.20.4.5", "10.30.0.51", 443 },   /* remote_staff -> gateway */
	{ "10.30.0.1", "10.40.0.1", 389 },    /* portal -> directory */
	{ "10.30.0.1", "10.40.0.31", 1433 },  /* portal -> database */
	{ "10.30.0.11", "10.40.0.21", 445 },  /* dictation_api -> file_store */
	{ "10.30.0.11", "10.40.0.31", 1433 }, /* dictation_api -> database */
	{ "10.30.0.21", "10.40.0.31", 1433 }, /* workflow -> database */
	{ "10.30.0.21", "10.40.0.41", 25 },   /* workflow -> mail_relay */
	{ "10.30.0.31", "10.40.0.51", 10000 },/* archive -> backup */
	{ "10.30.0.51", "10.30.0.1", 443 },   /* gateway -> portal */
	{ "10.30.0.51", "10.30.0.11", 8443 }, /* gateway -> dictation_api */
	/* reporting never reaches its database: a missing edge */
};

/* Unexpected: count conversations from a client network or host to a
 * server, each on a port of its own or from a client of its own. */
static const struct {
	const char *client;   /* "10.20.2.%u": a client per conversation */
	const char *server;
	uint16_t port;
	unsigned count;
	bool vary_port;       /* port, port+1, ... rather than new clients */
} unexpected[] = {
	{ "10.20.2.%u", "10.30.0.31", 443, 20, false },   /* clinicians -> archive */
	{ "10.20.1.%u", "10.30.0.21", 8080, 12, false },  /* front_desk -> workflow */
	{ "10.20.4.%u", "10.30.0.1", 22, 10, false },     /* remote_staff -> portal */
	{ "10.20.3.%u", "10.30.0.41", 3389, 8, false },   /* transcribers -> reporting */
	{ "10.30.0.1", "10.40.0.91", 443, 6, true },      /* portal -> cloud_storage */
	{ "10.30.0.21", "10.40.0.51", 10001, 5, true },   /* workflow -> backup */
	{ "10.30.0.31", "198.51.100.%u", 443, 7, false }, /* archive -> other hosts */
	{ "10.30.0.51", "10.40.0.31", 1433, 4, true },    /* gateway -> database */
	{ "10.30.0.41", "10.40.0.1", 636, 4, true },      /* reporting -> directory */
	{ "10.30.0.11", "10.40.0.41", 587, 4, true },     /* dictation_api -> mail_relay */
	{ "10.40.0.71", "10.30.0.51", 9200, 4, true },    /* log_collector -> gateway */
	{ "10.40.0.51", "10.30.0.31", 22, 4, true },      /* backup -> archive */
	{ "10.40.0.61", "10.30.0.21", 3306, 4, true },    /* monitoring -> workflow */
	{ "198.51.100.50", "10.30.0.51", 80, 3, true },   /* other hosts -> gateway */
	{ "10.30.0.1", "10.30.0.2", 8080, 5, true },      /* portal -> portal */
};

static void session(struct gen *g, const char *client, uint16_t cport,
		    const char *server, uint16_t sport)
{
	static const char req[] = "HELLO\r\n", resp[] = "WELCOME\r\n";
	struct conn c;
	conn_init(&c, g, client, cport, server, sport);
	tcp_session(&c, req, sizeof(req) - 1, resp, sizeof(resp) - 1);
}

static int twenty_roles(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	uint16_t cport = 40000;

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		session(&g, allowed[i].client, cport++, allowed[i].server, allowed[i].port);
	for (size_t i = 0; i < sizeof(unexpected) / sizeof(unexpected[0]); i++)
		for (unsigned k = 0; k < unexpected[i].count; k++) {
			char client[40], server[40];
			snprintf(client, sizeof(client), unexpected[i].client, 10 + k);
			snprintf(server, sizeof(server), unexpected[i].server, 10 + k);
			uint16_t port = (uint16_t)(unexpected[i].port +
						   (unexpected[i].vary_port ? k : 0));
			session(&g, client, cport++, server, port);
		}
	return gen_finish(&g);
}

const struct fixture_case layout_cases[] = {
	{ "twenty-roles", "20 roles (tests/data/matrix-20roles.json): allowed traffic and 100 unexpected conversations on 15 pairs of roles", FMT_PCAP, twenty_roles, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
