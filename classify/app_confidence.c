/* app_confidence.c - confident, weak or guessed (see app_confidence.h). */
#include <string.h>

#include "app_confidence.h"

/* nDPI 4.2 protocols whose detectors fired on flows of uniformly random
 * payload: 1,020,000 flows of fixturegen's random-payload and
 * random-payload-long captures, docs/app-confidence.md (the counts are
 * there). Each matches a few bytes (a first byte, a length field that
 * agrees with the packet's, a two-byte file magic, a first byte each way),
 * which random or encrypted bytes satisfy now and then, so what it names
 * is shown but never gates. TLS fired too; it is told apart by its hello
 * (dpi.c), not listed. Names as ndpi_get_proto_name() spells them. */
static const char *const noise_prone[] = {
	"AJP",
	"Cassandra",
	"DNP3",
	"DRDA",
	"FTP_DATA",
	"IEC60870",
	"MQTT",
	"RTMP",
	"Redis",
	"Telegram",
	"WebSocket",
	"Z39.50",
};

bool app_fires_on_noise(const char *name)
{
	if (!name || !name[0])
		return false;
	for (size_t i = 0; i < sizeof(noise_prone) / sizeof(noise_prone[0]); i++)
		if (strcmp(noise_prone[i], name) == 0)
			return true;
	return false;
}

enum app_confidence app_confidence_judge(const struct app_evidence *e)
{
	if (!e->app || !e->app[0] || strcmp(e->app, "Unknown") == 0)
		return APP_CONFIDENCE_NONE;
	/* A port, an address, another flow's cache entry or a give-up: not
	 * this flow's bytes. */
	if (e->guessed || !e->by_dpi)
		return APP_CONFIDENCE_GUESS;
	if (app_fires_on_noise(e->app) || app_fires_on_noise(e->master))
		return APP_CONFIDENCE_WEAK;
	/* Where nDPI keeps the handshake it parsed, that is the proof: TLS
	 * named without a hello that parses is a header that happened to
	 * look right. */
	if (e->structured)
		return e->handshake ? APP_CONFIDENCE_CONFIDENT : APP_CONFIDENCE_WEAK;
	/* Elsewhere nDPI decides on one message's structure (an SMB, TDS,
	 * RDP or Kerberos header); that holds only in a conversation, not
	 * when one side alone spoke (a one-sided capture, a peer that never
	 * answered). */
	return e->both_ways ? APP_CONFIDENCE_CONFIDENT : APP_CONFIDENCE_WEAK;
}
