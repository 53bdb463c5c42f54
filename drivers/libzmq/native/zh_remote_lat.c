/* zh_remote_lat: connects a REQ (or PAIR) socket and times every round
 * trip (like libzmq's remote_lat, which reports only the mean). */
#include "zhmain.h"

int main(int argc, char **argv)
{
	zh_args a = zh_parse(argc, argv);
	zh_result r;
	int64_t dl = zh_deadline(&a), cpu = zh_cpu_ns();
	int64_t i, *samples = calloc((size_t)a.count, sizeof *samples);
	int rc;
	if (!samples) {
		fprintf(stderr, "remote-lat: out of memory\n");
		return 1;
	}
	rc = zh_lat_client(a.pair ? ZMQ_PAIR : ZMQ_REQ, a.endpoint, 0, a.size,
	                   a.count, a.warmup, &dl, samples, &r);
	if (zh_report("remote-lat", &a, rc, &r, zh_cpu_ns() - cpu) != 0)
		return 1;
	fputs("samples_ns", stdout);
	for (i = 0; i < r.count; i++)
		printf(" %lld", (long long)samples[i]);
	putchar('\n');
	free(samples);
	return 0;
}
