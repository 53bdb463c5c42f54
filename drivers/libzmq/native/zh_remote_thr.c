/* zh_remote_thr: connects a PUSH (or PUB) socket and sends as fast as it
 * can (like libzmq's remote_thr). */
#include "zhmain.h"

int main(int argc, char **argv)
{
	zh_args a = zh_parse(argc, argv);
	zh_result r;
	int64_t dl = zh_deadline(&a), cpu = zh_cpu_ns();
	int rc = zh_thr_send(a.pubsub ? ZMQ_PUB : ZMQ_PUSH, a.endpoint, 0,
	                     a.size, a.count, a.warmup, &dl, &r);
	return zh_report("remote-thr", &a, rc, &r, zh_cpu_ns() - cpu);
}
