/* stop_signal.c - SIGINT/SIGTERM stop the running capture (see
 * stop_signal.h). */
#include <stdatomic.h>
#include <string.h>

#include "stop_signal.h"

/* The capture a signal stops: the only state a handler may touch, so a
 * lock-free atomic (C11 7.14.1.1), set while armed, NULL otherwise. */
static _Atomic(struct capture *) running;
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "a signal handler needs a lock-free pointer");
static atomic_bool caught;
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "a signal handler needs a lock-free flag");

static void stop_running(int sig)
{
	(void)sig;
	atomic_store(&caught, true);
	struct capture *cap = atomic_load(&running);
	if (cap)
		capture_stop(cap);
}

void stop_signal_arm(struct stop_signal *s, struct capture *cap)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_running;
	sigemptyset(&sa.sa_mask);
	atomic_store(&running, cap);
	atomic_store(&caught, false);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
}

void stop_signal_disarm(struct stop_signal *s)
{
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	atomic_store(&running, NULL);
}

bool stop_signal_caught(void)
{
	return atomic_load(&caught);
}
