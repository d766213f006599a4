/* privdrop.h - giving up capture privileges once the interface is open.
 *
 * Opening a live interface needs root or CAP_NET_RAW/CAP_NET_ADMIN; reading
 * packets from the open handle needs neither. So, as tcpdump -Z does, the
 * capture engine drops them right after activation: as root it becomes the
 * given user (supplementary groups cleared); as any user it clears every
 * capability set, so a non-root binary made capable with setcap keeps none.
 * A drop that cannot be verified is an error: the run must not go on.
 */
#ifndef FLOWAUDIT_PRIVDROP_H
#define FLOWAUDIT_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/* user: the account to become when running as root (NULL: "nobody").
 * False with a message in err when the drop failed or did not hold. */
bool privileges_drop(const char *user, char *err, size_t errlen);

#endif
