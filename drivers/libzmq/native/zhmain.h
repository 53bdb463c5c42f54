/*
 * zhmain.h: argument parsing and output shared by the native reference
 * programs (zh_local_thr, zh_remote_thr, zh_local_lat, zh_remote_lat).
 *
 * Usage: PROG [-pair|-pubsub] ENDPOINT SIZE COUNT [WARMUP [TIMEOUT_MS]]
 *
 * Output, one line, machine-readable key=value pairs (units in the keys):
 *   zh-native role=local-thr size=64 count=1000000 elapsed_ns=... \
 *     msgs_per_sec=... mbit_per_sec=...
 * (cpu_ns: CPU time of the whole loop, set-up included), and for zh_remote_lat a second line "samples_ns N N N ..." with every
 * round trip (not halved). Errors go to stderr with exit status 1.
 */
#ifndef ZHMAIN_H
#define ZHMAIN_H

#include <sys/resource.h>

#include "zhloops.h"

typedef struct {
	const char *endpoint;
	size_t size;
	int64_t count, warmup, timeout_ms;
	int pair, pubsub;
} zh_args;

static void zh_usage(const char *prog)
{
	fprintf(stderr,
	        "usage: %s [-pair|-pubsub] ENDPOINT SIZE COUNT [WARMUP [TIMEOUT_MS]]\n",
	        prog);
	exit(2);
}

static zh_args zh_parse(int argc, char **argv)
{
	zh_args a = {0};
	int i = 1;
	a.warmup = 1;
	a.timeout_ms = 60000;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-pair") == 0)
			a.pair = 1;
		else if (strcmp(argv[i], "-pubsub") == 0)
			a.pubsub = 1;
		else
			zh_usage(argv[0]);
	}
	if (argc - i < 3 || argc - i > 5)
		zh_usage(argv[0]);
	a.endpoint = argv[i];
	a.size = (size_t)strtoull(argv[i + 1], NULL, 10);
	a.count = strtoll(argv[i + 2], NULL, 10);
	if (argc - i > 3)
		a.warmup = strtoll(argv[i + 3], NULL, 10);
	if (argc - i > 4)
		a.timeout_ms = strtoll(argv[i + 4], NULL, 10);
	if (a.count <= 0 || a.timeout_ms <= 0)
		zh_usage(argv[0]);
	return a;
}

static int64_t zh_deadline(const zh_args *a)
{
	return zh_now_ns() + a->timeout_ms * 1000000;
}

/* zh_cpu_ns is the CPU time (user + system) the process has used. */
static int64_t zh_cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int zh_report(const char *role, const zh_args *a, int rc,
                     const zh_result *r, int64_t cpu_ns)
{
	double secs, rate;
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", role, r->err);
		return 1;
	}
	secs = (double)r->elapsed_ns / 1e9;
	rate = secs > 0 ? (double)r->count / secs : 0;
	printf("zh-native role=%s size=%zu count=%lld elapsed_ns=%lld "
	       "msgs_per_sec=%.0f mbit_per_sec=%.3f cpu_ns=%lld\n",
	       role, a->size, (long long)r->count, (long long)r->elapsed_ns,
	       rate, rate * (double)a->size * 8 / 1e6, (long long)cpu_ns);
	return 0;
}

#endif
