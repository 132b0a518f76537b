// SPDX-License-Identifier: Apache-2.0
/* Logging: stderr while in the foreground (or before daemonizing), syslog
 * afterwards. Levels are syslog's (LOG_ERR .. LOG_DEBUG). */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "famfsd.h"

static int max_level = LOG_INFO;
static bool use_syslog;

void fd_log_init(int level)
{
	max_level = level;
}

void fd_log_to_syslog(void)
{
	openlog("famfsd", LOG_PID, LOG_DAEMON);
	use_syslog = true;
}

bool fd_log_enabled(int level)
{
	return level <= max_level;
}

void fd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		/* One fprintf per line so threads do not interleave. */
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "famfsd: %s\n", line);
	}
	va_end(ap);
}
