/* zh_local_thr: binds a PULL (or SUB) socket, receives and times (like
 * libzmq's local_thr). */
#include "zhmain.h"

int main(int argc, char **argv)
{
	zh_args a = zh_parse(argc, argv);
	zh_result r;
	int64_t dl = zh_deadline(&a), cpu = zh_cpu_ns();
	int rc = zh_thr_recv(a.pubsub ? ZMQ_SUB : ZMQ_PULL, a.endpoint, 1,
	                     a.size, a.count, a.warmup, &dl, &r);
	return zh_report("local-thr", &a, rc, &r, zh_cpu_ns() - cpu);
}
