/* zh_local_lat: binds a REP (or PAIR) socket and echoes (like libzmq's
 * local_lat). */
#include "zhmain.h"

int main(int argc, char **argv)
{
	zh_args a = zh_parse(argc, argv);
	zh_result r;
	int64_t dl = zh_deadline(&a), cpu = zh_cpu_ns();
	int rc = zh_lat_serve(a.pair ? ZMQ_PAIR : ZMQ_REP, a.endpoint, 1, a.size,
	                      a.count, a.warmup, &dl, &r);
	return zh_report("local-lat", &a, rc, &r, zh_cpu_ns() - cpu);
}
