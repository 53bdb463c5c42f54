/*
 * zhloops.h: the measurement loops of zharness against libzmq, in C.
 *
 * Header-only so that the same loops serve two callers: the standalone
 * native reference programs in this directory (no Go in the process at all,
 * decisions.md ruling 12) and the libzmq driver's Bulk methods, which call
 * them through cgo once per run (ruling 9). The two therefore differ only in
 * what surrounds the loop, which is what the fidelity ratio is meant to
 * measure.
 *
 * Method (as libzmq's perf/local_thr.c and remote_lat.c): throughput is
 * timed at the receiver from the end of the untimed warm-up messages (at
 * least the first one, which absorbs connection set-up) to the last
 * message; latency records every round trip.
 *
 * Every loop has an overall deadline: blocking calls use short receive and
 * send timeouts and, on EAGAIN, the loop checks the clock and gives up once
 * the deadline has passed, so a vanished peer cannot hang the caller.
 */
#ifndef ZHLOOPS_H
#define ZHLOOPS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* Deadlines are passed by pointer and read atomically, so another thread
 * (the Go side, when its context is cancelled) can move a running loop's
 * deadline to now and have it stop within ZH_POLL_MS. */
static int64_t zh_dl(const int64_t *deadline)
{
	return __atomic_load_n(deadline, __ATOMIC_RELAXED);
}

/* How long one blocking call may wait before the loop looks at the
 * deadline; it bounds how far past its deadline a loop can run. */
#define ZH_POLL_MS 200

typedef struct {
	int64_t elapsed_ns; /* timed part of the loop */
	int64_t count;      /* timed messages or round trips completed */
	char err[256];      /* empty on success */
} zh_result;

static int64_t zh_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int zh_fail(zh_result *r, const char *what)
{
	snprintf(r->err, sizeof r->err, "%s: %s", what, zmq_strerror(zmq_errno()));
	return -1;
}

/* zh_sock holds one context and one socket for a loop. */
typedef struct {
	void *ctx;
	void *s;
} zh_sock;

static int zh_open(zh_sock *z, int type, const char *endpoint, int bind,
                   zh_result *r)
{
	int rc, tmo = ZH_POLL_MS;
	memset(r, 0, sizeof *r);
	z->ctx = zmq_ctx_new();
	if (!z->ctx)
		return zh_fail(r, "zmq_ctx_new");
	z->s = zmq_socket(z->ctx, type);
	if (!z->s)
		return zh_fail(r, "zmq_socket");
	if (zmq_setsockopt(z->s, ZMQ_RCVTIMEO, &tmo, sizeof tmo) != 0 ||
	    zmq_setsockopt(z->s, ZMQ_SNDTIMEO, &tmo, sizeof tmo) != 0)
		return zh_fail(r, "zmq_setsockopt timeouts");
	if (type == ZMQ_SUB && zmq_setsockopt(z->s, ZMQ_SUBSCRIBE, "", 0) != 0)
		return zh_fail(r, "zmq_setsockopt SUBSCRIBE");
	rc = bind ? zmq_bind(z->s, endpoint) : zmq_connect(z->s, endpoint);
	if (rc != 0)
		return zh_fail(r, bind ? "zmq_bind" : "zmq_connect");
	return 0;
}

/* zh_close lets queued messages go out until the deadline (a sender's
 * last messages are still in its queue when its loop ends), then
 * terminates the context. */
static void zh_close(zh_sock *z, int64_t deadline_ns)
{
	if (z->s) {
		int64_t left = (deadline_ns - zh_now_ns()) / 1000000;
		int linger = left < 0 ? 0 : (left > 1000000 ? 1000000 : (int)left);
		zmq_setsockopt(z->s, ZMQ_LINGER, &linger, sizeof linger);
		zmq_close(z->s);
	}
	if (z->ctx)
		zmq_ctx_term(z->ctx);
	z->s = z->ctx = NULL;
}

/* zh_recv receives one message into m, retrying on timeout until the
 * deadline; it checks the size. */
static int zh_recv(void *s, zmq_msg_t *m, size_t size, const int64_t *deadline,
                   zh_result *r)
{
	for (;;) {
		int n = zmq_msg_recv(m, s, 0);
		if (n >= 0) {
			if ((size_t)n != size) {
				snprintf(r->err, sizeof r->err,
				         "message of %d bytes, want %zu", n, size);
				return -1;
			}
			return 0;
		}
		if (zmq_errno() == EINTR)
			continue;
		if (zmq_errno() != EAGAIN)
			return zh_fail(r, "zmq_msg_recv");
		if (zh_now_ns() > zh_dl(deadline)) {
			snprintf(r->err, sizeof r->err,
			         "deadline passed waiting to receive");
			return -1;
		}
	}
}

static int zh_send(void *s, const void *buf, size_t size, const int64_t *deadline,
                   zh_result *r)
{
	for (;;) {
		if (zmq_send(s, buf, size, 0) >= 0)
			return 0;
		if (zmq_errno() == EINTR)
			continue;
		if (zmq_errno() != EAGAIN)
			return zh_fail(r, "zmq_send");
		if (zh_now_ns() > zh_dl(deadline)) {
			snprintf(r->err, sizeof r->err,
			         "deadline passed waiting to send");
			return -1;
		}
	}
}

static inline int64_t zh_warm(int64_t warmup) { return warmup < 1 ? 1 : warmup; }

/* zh_thr_recv: the receiving (measuring) end of a throughput run. */
static inline int zh_thr_recv(int type, const char *endpoint, int bind, size_t size,
                       int64_t count, int64_t warmup, const int64_t *deadline,
                       zh_result *r)
{
	zh_sock z = {0};
	zmq_msg_t m;
	int64_t i, start, rc = -1;
	if (zh_open(&z, type, endpoint, bind, r) != 0)
		goto out;
	zmq_msg_init(&m);
	for (i = 0; i < zh_warm(warmup); i++)
		if (zh_recv(z.s, &m, size, deadline, r) != 0)
			goto msg;
	start = zh_now_ns();
	for (i = 0; i < count; i++) {
		if (zh_recv(z.s, &m, size, deadline, r) != 0)
			goto msg;
		r->count++;
	}
	r->elapsed_ns = zh_now_ns() - start;
	rc = 0;
msg:
	zmq_msg_close(&m);
out:
	zh_close(&z, rc == 0 ? zh_dl(deadline) : 0);
	return (int)rc;
}

/* zh_thr_send: the sending end of a throughput run. */
static inline int zh_thr_send(int type, const char *endpoint, int bind, size_t size,
                       int64_t count, int64_t warmup, const int64_t *deadline,
                       zh_result *r)
{
	zh_sock z = {0};
	int64_t i, total = zh_warm(warmup) + count, start, rc = -1;
	char *buf = calloc(1, size ? size : 1);
	if (zh_open(&z, type, endpoint, bind, r) != 0)
		goto out;
	start = zh_now_ns();
	for (i = 0; i < total; i++)
		if (zh_send(z.s, buf, size, deadline, r) != 0)
			goto out;
	r->elapsed_ns = zh_now_ns() - start;
	r->count = count;
	rc = 0;
out:
	free(buf);
	zh_close(&z, rc == 0 ? zh_dl(deadline) : 0);
	return (int)rc;
}

/* zh_lat_serve echoes every message back (the local_lat side). */
static inline int zh_lat_serve(int type, const char *endpoint, int bind, size_t size,
                        int64_t count, int64_t warmup, const int64_t *deadline,
                        zh_result *r)
{
	zh_sock z = {0};
	zmq_msg_t m;
	int64_t i, total = zh_warm(warmup) + count, rc = -1;
	if (zh_open(&z, type, endpoint, bind, r) != 0)
		goto out;
	zmq_msg_init(&m);
	for (i = 0; i < total; i++) {
		if (zh_recv(z.s, &m, size, deadline, r) != 0)
			goto msg;
		for (;;) {
			if (zmq_msg_send(&m, z.s, 0) >= 0)
				break;
			if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) {
				zh_fail(r, "zmq_msg_send");
				goto msg;
			}
			if (zh_now_ns() > zh_dl(deadline)) {
				snprintf(r->err, sizeof r->err,
				         "deadline passed waiting to send");
				goto msg;
			}
		}
	}
	r->count = count;
	rc = 0;
msg:
	zmq_msg_close(&m);
out:
	zh_close(&z, rc == 0 ? zh_dl(deadline) : 0);
	return (int)rc;
}

/* zh_lat_client times each round trip into samples[0..count) (may be
 * NULL), the remote_lat side. */
static inline int zh_lat_client(int type, const char *endpoint, int bind,
                         size_t size, int64_t count, int64_t warmup,
                         const int64_t *deadline, int64_t *samples, zh_result *r)
{
	zh_sock z = {0};
	zmq_msg_t m;
	int64_t i, t0, t1, start, rc = -1;
	char *buf = calloc(1, size ? size : 1);
	if (zh_open(&z, type, endpoint, bind, r) != 0)
		goto out;
	zmq_msg_init(&m);
	for (i = 0; i < zh_warm(warmup); i++)
		if (zh_send(z.s, buf, size, deadline, r) != 0 ||
		    zh_recv(z.s, &m, size, deadline, r) != 0)
			goto msg;
	start = t0 = zh_now_ns();
	for (i = 0; i < count; i++) {
		if (zh_send(z.s, buf, size, deadline, r) != 0 ||
		    zh_recv(z.s, &m, size, deadline, r) != 0)
			goto msg;
		t1 = zh_now_ns();
		if (samples)
			samples[i] = t1 - t0;
		t0 = t1;
		r->count++;
	}
	r->elapsed_ns = zh_now_ns() - start;
	rc = 0;
msg:
	zmq_msg_close(&m);
out:
	free(buf);
	zh_close(&z, rc == 0 ? zh_dl(deadline) : 0);
	return (int)rc;
}

#endif
