/* stop_signal.h - SIGINT and SIGTERM end a run cleanly: the capture stops
 * after the current packet, every flow so far is still finished, judged
 * and reported.
 *
 * The owner is pipeline_run(): it arms this for the length of capture_run()
 * and disarms it after, putting back what was installed before. One run at
 * a time (commands run one). */
#ifndef FLOWAUDIT_STOP_SIGNAL_H
#define FLOWAUDIT_STOP_SIGNAL_H

#include <signal.h>
#include <stdbool.h>

#include "capture/capture.h"

struct stop_signal {
	struct sigaction old_int, old_term;
};

/* Until disarmed, SIGINT and SIGTERM call capture_stop(cap). */
void stop_signal_arm(struct stop_signal *s, struct capture *cap);
void stop_signal_disarm(struct stop_signal *s);

/* True once SIGINT or SIGTERM came while armed (until the next arming):
 * for loops in the consumer that must end early too. */
bool stop_signal_caught(void);

#endif
