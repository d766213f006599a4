/* privdrop.c - see privdrop.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privdrop.h"

static bool become_user(const char *user, char *err, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "cannot drop privileges: no user \"%s\"%s%s", user,
			 errno ? ": " : "", errno ? strerror(errno) : "");
		return false;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "cannot drop privileges: user \"%s\" is root", user);
		return false;
	}
	if (setgroups(0, NULL) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot drop privileges to %s: %s", user, strerror(errno));
		return false;
	}
	/* The drop must hold: no way back to root. */
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		snprintf(err, errlen, "cannot drop privileges to %s: root is still reachable", user);
		return false;
	}
	return true;
}

/* Clears the effective, permitted and inheritable sets (and the ambient
 * set), which a file capability (setcap) would otherwise leave. */
static bool clear_capabilities(char *err, size_t errlen)
{
	cap_t none = cap_init();
	if (!none) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return false;
	}
	int rc = cap_set_proc(none);
	cap_free(none);
	if (rc != 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return false;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	cap_t now = cap_get_proc();
	cap_flag_value_t raw = CAP_SET;
	if (now)
		cap_get_flag(now, CAP_NET_RAW, CAP_EFFECTIVE, &raw);
	cap_free(now);
	if (raw != CAP_CLEAR) {
		snprintf(err, errlen, "cannot drop capabilities: CAP_NET_RAW is still held");
		return false;
	}
	return true;
}

bool privileges_drop(const char *user, char *err, size_t errlen)
{
	if (getuid() == 0 || geteuid() == 0) {
		if (!become_user(user ? user : "nobody", err, errlen))
			return false;
	}
	return clear_capabilities(err, errlen);
}
