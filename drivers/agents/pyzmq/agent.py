"""zharness agent for pyzmq (drivers/remote/PROTOCOL.md, version 1).

Run as ``python3 -u agent.py --driver pyzmq``. It speaks the agent
protocol on stdin/stdout and drives pyzmq (and through it the libzmq the
binding was built against). Standard library and zmq only.

Design: ZeroMQ sockets are not thread-safe, so one I/O thread owns every
context and socket. The main thread parses request frames from stdin and
hands them over through a queue, waking the I/O thread through a pipe that
the I/O thread polls beside the sockets. The I/O thread tries each send and
receive once without blocking; what cannot complete waits in a zmq.Poller
loop (POLLIN for a pending receive, POLLOUT for a pending send) whose
timeout is the nearest deadline. A message is taken from a socket only
while a receive for it is pending, so nothing is read ahead: a message that
arrives after a receive timed out stays in libzmq for the next one.

The ``bulk`` op (measurement loops) is the exception: each loop runs in a
thread of its own with a context and socket of its own that nothing else
touches, blocking in libzmq (which releases the GIL) with short timeouts,
so the I/O thread keeps serving other requests meanwhile.
"""

import base64
import errno
import json
import math
import os
import queue
import struct
import sys
import threading
import time

import zmq

PROTOCOL = 1
DRIVER = "pyzmq"
AGENT = "zharness-python 0.1 (Python %d.%d.%d)" % sys.version_info[:3]
MAX_FRAME = 256 << 20
DEFAULT_DEADLINE_MS = 5000
# Exit within the protocol's 5 s after stdin ends, whatever libzmq does.
SHUTDOWN_BOUND = 4.0

# Every socket type the harness knows; pyzmq exposes each as a constant.
SOCKET_NAMES = ("REQ", "REP", "DEALER", "ROUTER", "PUB", "SUB",
                "XPUB", "XSUB", "PUSH", "PULL", "PAIR")
SOCKET_TYPES = {n: getattr(zmq, n) for n in SOCKET_NAMES if hasattr(zmq, n)}

INT, BOOL, BYTES = "int", "bool", "bytes"
# The protocol's options and their value kinds. Each maps to the pyzmq
# constant of the same name passed to Socket.setsockopt; an option this
# pyzmq lacks a constant for is left out of the capabilities.
OPTION_KINDS = {
    "SNDHWM": INT, "RCVHWM": INT, "SNDTIMEO": INT, "RCVTIMEO": INT,
    "LINGER": INT, "RECONNECT_IVL": INT,
    "SUBSCRIBE": BYTES, "UNSUBSCRIBE": BYTES, "ROUTING_ID": BYTES,
    "ROUTER_MANDATORY": BOOL, "CONFLATE": BOOL, "IMMEDIATE": BOOL,
    "XPUB_VERBOSE": BOOL, "REQ_RELAXED": BOOL, "REQ_CORRELATE": BOOL,
    # Security (zmq_setsockopt(3)); libzmq lets the last one set decide
    # the mechanism and the role. CURVE keys are 32 raw bytes or 40 Z85
    # characters, passed on as they come.
    "PLAIN_SERVER": BOOL, "PLAIN_USERNAME": BYTES, "PLAIN_PASSWORD": BYTES,
    "CURVE_SERVER": BOOL, "CURVE_PUBLICKEY": BYTES, "CURVE_SECRETKEY": BYTES,
    "CURVE_SERVERKEY": BYTES, "ZAP_DOMAIN": BYTES,
}
# libzmq handles the CURVE options only when built with CURVE (options.cpp,
# under ZMQ_HAVE_CURVE; EINVAL otherwise): zmq.has("curve") says so.
HAS_CURVE = zmq.has("curve")
OPTIONS = {n: (getattr(zmq, n), k) for n, k in OPTION_KINDS.items()
           if hasattr(zmq, n) and (HAS_CURVE or not n.startswith("CURVE_"))}

# Options that only some socket types accept (libzmq 4.3: sub.cpp,
# router.cpp, xpub.cpp, req.cpp; REP is a ROUTER and PUB an XPUB
# underneath). libzmq refuses them on other types with EINVAL, the errno
# of a bad value too: this table tells the two apart, so that the refusal
# by a socket type reads as not-allowed (behaviour) and not as a bad value.
TYPE_SPECIFIC = {
    "SUBSCRIBE": ("SUB",), "UNSUBSCRIBE": ("SUB",),
    "ROUTER_MANDATORY": ("ROUTER", "REP"),
    "XPUB_VERBOSE": ("XPUB", "PUB"),
    "REQ_RELAXED": ("REQ",), "REQ_CORRELATE": ("REQ",),
}

EVENT_NAMES = (("in", zmq.POLLIN), ("out", zmq.POLLOUT))


def log(msg):
    """Diagnostics go to stderr; stdout carries protocol frames only."""
    try:
        sys.stderr.write("pyzmq agent: %s\n" % msg)
        sys.stderr.flush()
    except OSError:
        pass


def transports():
    ts = ["tcp"]
    if zmq.has("ipc"):
        ts.append("ipc")
    ts.append("inproc")
    return ts


def features():
    # poll is served by zmq.Poller (zmq_poll underneath). PLAIN and ZAP are
    # in every libzmq 4 (plain_server.cpp; zap_client.cpp sends a server's
    # ZAP requests to a REP bound at inproc://zeromq.zap.01 in its
    # context, which an agent's client can create); CURVE when built in.
    # metadata: Frame.get, which is zmq_msg_gets.
    # bulk: the measurement loops below (PROTOCOL.md, "Measurement loops").
    fs = ["poller", "metadata", "bulk"]
    if zmq.zmq_version_info()[0] >= 4:
        fs += ["plain", "zap"]
    if HAS_CURVE:
        fs.append("curve")
    return fs


def hello():
    return {
        "type": "hello", "protocol": PROTOCOL, "driver": DRIVER,
        "version": "pyzmq %s (libzmq %s)" % (zmq.__version__, zmq.zmq_version()),
        "agent": AGENT,
        "capabilities": {
            "sockets": [n for n in SOCKET_NAMES if n in SOCKET_TYPES],
            "transports": transports(),
            "options": sorted(OPTIONS),
            "features": features(),
        },
    }


class AgentError(Exception):
    """A classified failure, answered as {"kind", "op", "message"}."""

    def __init__(self, kind, op, message):
        Exception.__init__(self, message)
        self.kind, self.op, self.message = kind, op, message


def classify(op, e):
    """Maps a ZMQError to the protocol's error kinds by its errno."""
    n = e.errno
    kind = "other"
    if n == zmq.EAGAIN:
        kind = "timeout"
    elif n == zmq.EFSM:
        kind = "invalid-state"
    elif n == zmq.EHOSTUNREACH:
        kind = "host-unreachable"
    elif n in (zmq.ETERM, zmq.ENOTSOCK):
        kind = "closed"
    elif n == zmq.ENOTSUP:
        # The socket type refuses the operation (recv on PUB): behaviour.
        kind = "not-allowed"
    elif n == zmq.EPROTONOSUPPORT:
        # A transport this libzmq was built without.
        kind = "unsupported"
    return AgentError(kind, op, e.strerror or str(e))


class Writer:
    """Writes frames to the private protocol descriptor, one unit at a time."""

    def __init__(self, fd):
        self.f = os.fdopen(fd, "wb", buffering=1 << 16)
        self.lock = threading.Lock()
        self.broken = False

    def write(self, obj, parts=()):
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        with self.lock:
            if self.broken:
                return
            try:
                self.f.write(struct.pack(">I", len(body)))
                self.f.write(body)
                for p in parts:
                    self.f.write(struct.pack(">I", len(p)))
                    self.f.write(p)
                self.f.flush()
            except OSError as e:
                # The client is gone; stdin will end too.
                self.broken = True
                log("write failed: %s" % e)


class Ctx:
    def __init__(self, cid, zctx):
        self.id, self.z, self.socks, self.closed = cid, zctx, set(), False


class Sock:
    def __init__(self, sid, ctx, typ, zsock):
        self.id, self.ctx, self.type, self.z = sid, ctx, typ, zsock
        self.closed = False
        self.user_linger = False
        # The scenario's RCVTIMEO/SNDTIMEO (-1: libzmq's default, none).
        self.rcvtimeo = -1
        self.sndtimeo = -1
        self.recv = None  # the pending receive, at most one
        self.send = None  # the pending send, at most one


class Pending:
    """A send or receive waiting for its socket, or a poll for its items."""

    def __init__(self, rid, op, deadline, sock=None, frames=None, items=None):
        self.id, self.op, self.deadline = rid, op, deadline
        self.sock, self.frames, self.next = sock, frames, 0
        self.items = items  # poll: [(Sock, mask)]
        self.backoff = 0.0  # send: skip POLLOUT until then (see progress_send)
        self.meta = None  # recv: message property names asked for (zmq_msg_gets)


def ceil_ms(seconds):
    return max(0, int(math.ceil(seconds * 1000.0)))


class Engine:
    """The I/O thread: owns every ZeroMQ object and answers every request."""

    def __init__(self, writer):
        self.w = writer
        self.q = queue.SimpleQueue()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        self.wake_lock = threading.Lock()
        self.wake_armed = False
        self.next_id = 0
        self.ctxs = {}
        self.socks = {}
        self.polls = []
        self.active = set()  # sockets with a pending send or receive
        self.stopping = False
        # Set at shutdown: running bulk loops stop at their next check.
        self.bulk_stop = threading.Event()

    # Called by the reader thread.
    def submit(self, item):
        self.q.put(item)
        # One byte per batch is enough: the I/O thread clears the flag
        # before it drains the queue, so an item put after that drain
        # started sets it again.
        with self.wake_lock:
            if self.wake_armed:
                return
            self.wake_armed = True
        try:
            os.write(self.wake_w, b"x")
        except OSError:
            pass

    # Responses.
    def ok(self, rid, result=None, parts=()):
        resp = {"id": rid, "ok": True}
        if result is not None:
            resp["result"] = result
        self.w.write(resp, parts)

    def fail(self, rid, err):
        self.w.write({"id": rid, "ok": False,
                      "error": {"kind": err.kind, "op": err.op, "message": err.message}})

    def track(self, s):
        if s.recv is None and s.send is None:
            self.active.discard(s)
        else:
            self.active.add(s)

    def timeout(self, p):
        self.fail(p.id, AgentError("timeout", p.op, zmq.strerror(zmq.EAGAIN)))

    # The loop.
    def run(self):
        try:
            while not self.stopping:
                self.drain()
                if self.stopping:
                    break
                self.wait()
        except Exception as e:
            # A bug of the agent. Requests would go unanswered and the
            # client would wait for them to hang: exit instead, so it sees
            # a crash with this on stderr as the evidence.
            log("I/O thread failed: %r" % (e,))
            import traceback
            traceback.print_exc(file=sys.stderr)
            self.shutdown()
            os._exit(3)
        self.shutdown()

    def drain(self):
        try:
            while os.read(self.wake_r, 4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        with self.wake_lock:
            self.wake_armed = False
        while True:
            try:
                item = self.q.get_nowait()
            except queue.Empty:
                return
            if item is None:
                self.stopping = True
                return
            req, frames, t_read = item
            self.handle(req, frames, t_read)

    def wait(self):
        """Polls the wake pipe and every socket with something pending,
        until the nearest deadline, then progresses what became ready."""
        poller = zmq.Poller()
        poller.register(self.wake_r, zmq.POLLIN)
        masks = {}
        now = time.monotonic()
        nearest = None

        def want(s, m):
            masks[s] = masks.get(s, 0) | m

        def until(t):
            nonlocal nearest
            nearest = t if nearest is None else min(nearest, t)

        for s in self.active:
            if s.recv is not None:
                want(s, zmq.POLLIN)
                until(s.recv.deadline)
            if s.send is not None:
                if s.send.backoff > now:
                    until(s.send.backoff)
                else:
                    want(s, zmq.POLLOUT)
                until(s.send.deadline)
        for p in self.polls:
            for s, m in p.items:
                want(s, m)
            until(p.deadline)
        for s, m in masks.items():
            poller.register(s.z, m)
        timeout = None if nearest is None else ceil_ms(nearest - now)
        events = dict(poller.poll(timeout))
        now = time.monotonic()
        # Polls first: their answer reports readiness as zmq_poll saw it,
        # before a pending receive takes the message.
        for p in list(self.polls):
            ready = [[n for n, f in EVENT_NAMES if m & f & events.get(s.z, 0)] for s, m in p.items]
            if any(ready):
                self.polls.remove(p)
                self.ok(p.id, {"ready": ready})
        for s in list(self.active):
            ev = events.get(s.z, 0)
            if s.recv is not None and ev & zmq.POLLIN:
                self.progress_recv(s, now)
            if s.send is not None and ev & zmq.POLLOUT:
                self.progress_send(s, now, after_ready=True)
        self.expire(time.monotonic())

    def expire(self, now):
        for s in list(self.active):
            if s.recv is not None and s.recv.deadline <= now:
                p, s.recv = s.recv, None
                self.timeout(p)
            if s.send is not None and s.send.deadline <= now:
                p, s.send = s.send, None
                self.timeout(p)
            self.track(s)
        for p in list(self.polls):
            if p.deadline <= now:
                self.polls.remove(p)
                self.ok(p.id, {"ready": [[] for _ in p.items]})

    # Requests.
    def handle(self, req, frames, t_read):
        rid = req.get("id", 0)
        op = req.get("op", "")
        try:
            fn = OPS.get(op)
            if fn is None:
                raise AgentError("unsupported", op,
                                 "operation %s is not supported by this implementation" % op)
            res = fn(self, req, frames, t_read)
        except AgentError as e:
            self.fail(rid, e)
            return
        except zmq.ZMQError as e:
            self.fail(rid, classify(op, e))
            return
        except Exception as e:  # a request the agent cannot make sense of
            self.fail(rid, AgentError("other", op, "%s: %s" % (type(e).__name__, e)))
            return
        if res is not PENDING:
            self.ok(rid, res)

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def socket(self, req, op):
        sid = req.get("socket", 0)
        s = self.socks.get(sid)
        if s is None:
            raise AgentError("other", op, "no socket %s was created by this agent" % sid)
        if s.closed:
            raise AgentError("closed", op, "socket %d is closed" % sid)
        return s

    def op_new_context(self, req, frames, t_read):
        cid = self.new_id()
        self.ctxs[cid] = Ctx(cid, zmq.Context())
        return {"context": cid}

    def op_close_context(self, req, frames, t_read):
        c = self.ctxs.get(req.get("context", 0))
        if c is None or c.closed:
            raise AgentError("closed", "close_context", "no open context %s" % req.get("context", 0))
        self.close_context(c)
        return None

    def op_new_socket(self, req, frames, t_read):
        c = self.ctxs.get(req.get("context", 0))
        if c is None or c.closed:
            raise AgentError("closed", "new_socket", "no open context %s" % req.get("context", 0))
        typ = req.get("type", "")
        if typ not in SOCKET_TYPES:
            raise AgentError("unsupported", "socket",
                             "socket type %s is not supported by this implementation" % typ)
        try:
            z = c.z.socket(SOCKET_TYPES[typ])
        except zmq.ZMQError as e:
            raise classify("socket", e)
        sid = self.new_id()
        s = Sock(sid, c, typ, z)
        self.socks[sid] = s
        c.socks.add(s)
        return {"socket": sid}

    def op_bind(self, req, frames, t_read):
        s = self.socket(req, "bind")
        ep = req.get("endpoint", "")
        try:
            s.z.bind(ep)
        except zmq.ZMQError as e:
            raise classify("bind " + ep, e)

    def op_connect(self, req, frames, t_read):
        s = self.socket(req, "connect")
        ep = req.get("endpoint", "")
        try:
            s.z.connect(ep)
        except zmq.ZMQError as e:
            raise classify("connect " + ep, e)

    def op_set_option(self, req, frames, t_read):
        name = req.get("name", "")
        op = "setsockopt " + name
        s = self.socket(req, op)
        if name not in OPTIONS:
            raise AgentError("unsupported", op,
                             "option %s is not supported by this implementation" % name)
        const, kind = OPTIONS[name]
        v = option_value(op, kind, req.get("value"))
        try:
            s.z.setsockopt(const, v)
        except zmq.ZMQError as e:
            if e.errno == errno.EINVAL and name in TYPE_SPECIFIC and s.type not in TYPE_SPECIFIC[name]:
                raise AgentError("not-allowed", op, "%s has no option %s: %s" % (s.type, name, e.strerror))
            raise classify(op, e)
        if name == "LINGER":
            s.user_linger = True
        elif name == "RCVTIMEO":
            s.rcvtimeo = v
        elif name == "SNDTIMEO":
            s.sndtimeo = v

    def op_send(self, req, frames, t_read):
        s = self.socket(req, "send")
        if not frames:
            raise AgentError("other", "send", "a message needs at least one frame")
        if s.send is not None:
            # The client keeps one send in flight per socket; a second
            # would leave the first unanswered.
            raise AgentError("other", "send", "a send is already in flight on socket %d" % s.id)
        p = Pending(req.get("id", 0), "send", call_deadline(req, t_read, s.sndtimeo), sock=s, frames=frames)
        s.send = p
        self.progress_send(s, time.monotonic())
        return PENDING

    def op_recv(self, req, frames, t_read):
        s = self.socket(req, "recv")
        if s.recv is not None:
            raise AgentError("other", "recv", "a recv is already in flight on socket %d" % s.id)
        s.recv = Pending(req.get("id", 0), "recv", call_deadline(req, t_read, s.rcvtimeo), sock=s)
        s.recv.meta = req.get("metadata") or None
        self.progress_recv(s, time.monotonic())
        return PENDING

    def op_close(self, req, frames, t_read):
        s = self.socket(req, "close")
        self.close_socket(s, force_linger=False)

    def op_bulk(self, req, frames, t_read):
        loop = req.get("loop", "")
        op = "bulk " + loop
        spec = BULK_LOOPS.get(loop)
        if spec is None:
            raise AgentError("other", op, "unknown loop %r" % (loop,))
        fn, types = spec
        typ = req.get("socket_type", "")
        if typ not in types or typ not in SOCKET_TYPES:
            raise AgentError("unsupported", op, "socket type %s for loop %s (want one of %s)" % (typ, loop, ", ".join(types)))
        size, count, warmup = (req.get(k) or 0 for k in ("size", "count", "warmup"))
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (size, count, warmup)):
            raise AgentError("other", op, "size, count and warmup must be integers >= 0")
        b = BulkRun(op, SOCKET_TYPES[typ], req.get("endpoint", ""), bool(req.get("bind")),
                    size, count, warmup, call_deadline(req, t_read, -1), self.bulk_stop)
        rid = req.get("id", 0)
        threading.Thread(target=self.run_bulk, args=(rid, fn, b), name="zmq-bulk-%s" % rid, daemon=True).start()
        return PENDING

    def run_bulk(self, rid, fn, b):
        """Runs one loop in its own thread and answers it from there (the
        Writer serialises frames)."""
        try:
            res = fn(b)
        except AgentError as e:
            self.fail(rid, e)
        except Exception as e:  # a bug of the loop: answer rather than hang
            log("bulk loop failed: %r" % (e,))
            self.fail(rid, AgentError("other", b.op, "%s: %s" % (type(e).__name__, e)))
        else:
            self.ok(rid, res)

    def op_poll(self, req, frames, t_read):
        items = []
        for it in req.get("items") or []:
            s = self.socket(it, "poll")
            mask = 0
            for ev in it.get("events") or []:
                f = dict(EVENT_NAMES).get(ev)
                if f is None:
                    raise AgentError("other", "poll", "unknown poll event %r (in, out)" % (ev,))
                mask |= f
            items.append((s, mask))
        self.polls.append(Pending(req.get("id", 0), "poll", call_deadline(req, t_read, -1), items=items))
        return PENDING  # answered by wait(), after at least one zmq_poll

    # Progress of pending calls; each answers and clears itself when done.
    def progress_recv(self, s, now):
        try:
            self.try_recv(s, now)
        finally:
            self.track(s)

    def progress_send(self, s, now, after_ready=False):
        try:
            self.try_send(s, now, after_ready)
        finally:
            self.track(s)

    def try_recv(self, s, now):
        p = s.recv
        try:
            if p.meta:
                # Frame objects, for Frame.get (zmq_msg_gets) on the first.
                fr = s.z.recv_multipart(zmq.NOBLOCK, copy=False)
            else:
                msg = s.z.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            if p.deadline <= now:
                s.recv = None
                self.timeout(p)
            return
        except zmq.ZMQError as e:
            s.recv = None
            self.fail(p.id, classify("recv", e))
            return
        s.recv = None
        if p.meta:
            meta = {}
            for k in p.meta:
                try:
                    v = fr[0].get(k)
                except (zmq.ZMQError, UnicodeDecodeError):
                    continue  # the message has no such property
                meta[k] = v if isinstance(v, str) else str(v)
            msg = [f.bytes for f in fr]
            self.ok(p.id, {"parts": len(msg), "metadata": meta}, msg)
            return
        self.ok(p.id, {"parts": len(msg)}, msg)

    def try_send(self, s, now, after_ready):
        p = s.send
        n = len(p.frames)
        try:
            while p.next < n:
                flags = zmq.NOBLOCK | (zmq.SNDMORE if p.next < n - 1 else 0)
                s.z.send(p.frames[p.next], flags)
                p.next += 1
        except zmq.Again:
            if p.deadline <= now:
                s.send = None
                self.timeout(p)
            elif after_ready:
                # POLLOUT said yes but the send would block: a ROUTER with
                # ROUTER_MANDATORY reports POLLOUT when any peer has room,
                # not the one addressed. Leave POLLOUT out for a moment
                # rather than spin on it.
                p.backoff = now + 0.001
            return
        except zmq.ZMQError as e:
            s.send = None
            self.fail(p.id, classify("send", e))
            return
        s.send = None
        self.ok(p.id)

    # Closing.
    def close_socket(self, s, force_linger):
        err = AgentError("closed", "close", "socket %d was closed" % s.id)
        for p in (s.recv, s.send):
            if p is not None:
                self.fail(p.id, AgentError("closed", p.op, err.message))
        s.recv = s.send = None
        self.track(s)
        for p in list(self.polls):
            if any(it[0] is s for it in p.items):
                self.polls.remove(p)
                self.fail(p.id, AgentError("closed", "poll", err.message))
        try:
            if force_linger or not s.user_linger:
                s.z.setsockopt(zmq.LINGER, 0)
        except zmq.ZMQError:
            pass  # only means close may linger
        s.z.close()
        s.z = None
        s.closed = True
        s.ctx.socks.discard(s)

    def close_context(self, c):
        for s in list(c.socks):
            self.close_socket(s, force_linger=True)
        c.closed = True
        c.z.term()

    def shutdown(self):
        self.bulk_stop.set()
        for c in list(self.ctxs.values()):
            if not c.closed:
                try:
                    self.close_context(c)
                except Exception as e:
                    log("closing context %d: %r" % (c.id, e))


PENDING = object()

OPS = {
    "new_context": Engine.op_new_context,
    "close_context": Engine.op_close_context,
    "new_socket": Engine.op_new_socket,
    "bind": Engine.op_bind,
    "connect": Engine.op_connect,
    "send": Engine.op_send,
    "recv": Engine.op_recv,
    "set_option": Engine.op_set_option,
    "close": Engine.op_close,
    "poll": Engine.op_poll,
    "bulk": Engine.op_bulk,
}

# Measurement loops (PROTOCOL.md, "Measurement loops"), after the C loops
# of drivers/libzmq/native/zhloops.h: the same steps in the same order, so
# that the difference between the two is the binding's cost.

# How long one blocking libzmq call may wait before a loop looks at its
# deadline; it bounds how far past the deadline a loop can run.
BULK_POLL_MS = 100
COPY_THRESHOLD = getattr(zmq, "COPY_THRESHOLD", 65536)


class BulkRun:
    """One loop's parameters and its own context and socket."""

    def __init__(self, op, typ, endpoint, bind, size, count, warmup, deadline, stop):
        self.op, self.typ, self.endpoint, self.bind = op, typ, endpoint, bind
        self.size, self.count, self.warmup = size, count, warmup
        # As zh_warm: at least one untimed message absorbs connection set-up.
        self.warm = max(warmup, 1)
        self.deadline, self.stop = deadline, stop
        self.done = 0  # timed messages or round trips completed
        # Zero-copy (a Frame over libzmq's buffer) only where it is cheap:
        # below pyzmq's COPY_THRESHOLD (64 KiB) building the Frame costs
        # more than copying into bytes (measured on 64 B over tcp: copy=True
        # received 4-8x more messages per second than copy=False).
        self.copy = size < COPY_THRESHOLD
        self.ctx = self.sock = None

    def open(self):
        self.ctx = zmq.Context()
        s = self.sock = self.ctx.socket(self.typ)
        s.setsockopt(zmq.RCVTIMEO, BULK_POLL_MS)
        s.setsockopt(zmq.SNDTIMEO, BULK_POLL_MS)
        if self.typ == zmq.SUB:
            s.setsockopt(zmq.SUBSCRIBE, b"")
        try:
            if self.bind:
                s.bind(self.endpoint)
            else:
                s.connect(self.endpoint)
        except zmq.ZMQError as e:
            raise classify(("bind " if self.bind else "connect ") + self.endpoint, e)

    def close(self, ok):
        """Lets a finished loop's queue drain until the deadline (a
        sender's last messages are still queued when its loop ends), and
        drops it at once after a failure; then terminates the context."""
        if self.sock is not None:
            left = ceil_ms(self.deadline - time.monotonic()) if ok else 0
            try:
                self.sock.setsockopt(zmq.LINGER, min(left, 1000000))
            except zmq.ZMQError:
                pass
            self.sock.close()
        if self.ctx is not None:
            self.ctx.term()
        self.sock = self.ctx = None

    def waited(self, what):
        """Called after a call timed out (EAGAIN): fails once the deadline
        has passed, with what was measured so far."""
        if self.stop.is_set():
            raise AgentError("closed", self.op, "agent shutting down while waiting to %s (after %d of %d)" % (what, self.done, self.count))
        if time.monotonic() > self.deadline:
            raise AgentError("timeout", self.op, "deadline passed waiting to %s (after %d of %d)" % (what, self.done, self.count))

    def wrong_size(self, n):
        return AgentError("other", self.op, "message of %d bytes, want %d (after %d of %d)" % (n, self.size, self.done, self.count))

    def failed(self, call, e):
        err = classify(call, e)
        err.message = "%s (after %d of %d)" % (err.message, self.done, self.count)
        return err


def bulk_run(body):
    """Wraps a loop body: opens the socket, runs body, closes everything
    (draining on success) whatever happened."""
    def run(b):
        ok = False
        try:
            b.open()
            res = body(b)
            ok = True
            return res
        finally:
            b.close(ok)
    run.__doc__ = body.__doc__
    return run


@bulk_run
def bulk_thr_recv(b):
    """zh_thr_recv: the receiving (measuring) end of a throughput run."""
    recv, size, now, cp = b.sock.recv, b.size, time.perf_counter_ns, b.copy
    Again = zmq.Again
    for _ in range(b.warm):
        while True:
            try:
                f = recv(copy=cp)
                break
            except Again:
                b.waited("receive")
            except zmq.ZMQError as e:
                raise b.failed("recv", e)
        if len(f) != size:
            raise b.wrong_size(len(f))
    start = now()
    for _ in range(b.count):
        while True:
            try:
                f = recv(copy=cp)
                break
            except Again:
                b.waited("receive")
            except zmq.ZMQError as e:
                raise b.failed("recv", e)
        if len(f) != size:
            raise b.wrong_size(len(f))
        b.done += 1
    return {"elapsed_ns": now() - start, "count": b.done}


@bulk_run
def bulk_thr_send(b):
    """zh_thr_send: the sending end of a throughput run. One bytes object
    serves every send; pyzmq copies a small one into the message, which is
    what libzmq's zmq_send does too."""
    send, buf, now = b.sock.send, bytes(b.size), time.perf_counter_ns
    Again = zmq.Again
    start = now()
    for _ in range(b.warm + b.count):
        while True:
            try:
                send(buf)
                break
            except Again:
                b.waited("send")
            except zmq.ZMQError as e:
                raise b.failed("send", e)
    return {"elapsed_ns": now() - start, "count": b.count}


@bulk_run
def bulk_lat_serve(b):
    """zh_lat_serve: echoes every message back; a large one as the
    received Frame itself, so its bytes are never copied into Python."""
    recv, send, size, cp = b.sock.recv, b.sock.send, b.size, b.copy
    Again = zmq.Again
    for i in range(b.warm + b.count):
        while True:
            try:
                f = recv(copy=cp)
                break
            except Again:
                b.waited("receive")
            except zmq.ZMQError as e:
                raise b.failed("recv", e)
        if len(f) != size:
            raise b.wrong_size(len(f))
        while True:
            try:
                send(f, copy=cp)
                break
            except Again:
                b.waited("send")
            except zmq.ZMQError as e:
                raise b.failed("send", e)
        if i >= b.warm:
            b.done += 1
    return {"count": b.count}


@bulk_run
def bulk_lat_client(b):
    """zh_lat_client: times each round trip, remote_lat's side."""
    recv, send, size, cp = b.sock.recv, b.sock.send, b.size, b.copy
    buf, now = bytes(size), time.perf_counter_ns
    Again = zmq.Again
    samples = []

    def trip():
        while True:
            try:
                send(buf)
                break
            except Again:
                b.waited("send")
            except zmq.ZMQError as e:
                raise b.failed("send", e)
        while True:
            try:
                f = recv(copy=cp)
                break
            except Again:
                b.waited("receive")
            except zmq.ZMQError as e:
                raise b.failed("recv", e)
        if len(f) != size:
            raise b.wrong_size(len(f))

    for _ in range(b.warm):
        trip()
    start = t0 = now()
    for _ in range(b.count):
        trip()
        t1 = now()
        samples.append(t1 - t0)
        t0 = t1
        b.done += 1
    return {"elapsed_ns": now() - start, "count": b.done, "samples_ns": samples}


# Each loop and the socket types it takes (PROTOCOL.md's table).
BULK_LOOPS = {
    "throughput_recv": (bulk_thr_recv, ("PULL", "SUB")),
    "throughput_send": (bulk_thr_send, ("PUSH", "PUB")),
    "latency_serve": (bulk_lat_serve, ("REP", "PAIR")),
    "latency_client": (bulk_lat_client, ("REQ", "PAIR")),
}


def call_deadline(req, t_read, user_timeo):
    """The monotonic time a call gives up: deadline_ms after the request
    was read, or earlier if the scenario's RCVTIMEO/SNDTIMEO is shorter
    (libzmq's own bound on a blocking call)."""
    ms = req.get("deadline_ms")
    if ms is None:
        ms = DEFAULT_DEADLINE_MS
    d = t_read + max(0, ms) / 1000.0
    if user_timeo is not None and user_timeo >= 0:
        d = min(d, t_read + user_timeo / 1000.0)
    return d


def option_value(op, kind, value):
    """Decodes a tagged value for an option of kind; a value of the wrong
    type is a bad request (other)."""
    if not isinstance(value, dict) or len(value) != 1:
        raise AgentError("other", op, "value must name exactly one type: %r" % (value,))
    tag, v = next(iter(value.items()))
    if kind == BYTES:
        if tag == "bytes" and isinstance(v, str):
            return base64.b64decode(v, validate=True)
        if tag == "string" and isinstance(v, str):
            return v.encode("utf-8")
        raise AgentError("other", op, "want bytes or string, got %s" % tag)
    if tag == "bool" and isinstance(v, bool):
        return int(v)
    if tag == "int" and isinstance(v, int) and not isinstance(v, bool):
        return v
    raise AgentError("other", op, "want int, got %s" % tag)


def read_exact(f, n):
    b = f.read(n)
    if b is None or len(b) < n:
        raise EOFError(len(b or b""))
    return b


def read_frame(f, first):
    """Reads one frame; None at a clean end of input (before a JSON frame)."""
    hdr = f.read(4)
    if not hdr and first:
        return None
    if hdr is None or len(hdr) < 4:
        raise EOFError("input ended inside a frame header")
    (n,) = struct.unpack(">I", hdr)
    if n > MAX_FRAME:
        raise ValueError("frame of %d bytes is over the %d limit" % (n, MAX_FRAME))
    return read_exact(f, n)


def main(argv):
    args = argv[1:]
    if args and not (len(args) == 2 and args[0] == "--driver" and args[1] == DRIVER):
        log("expected --driver %s, got %r" % (DRIVER, args))
        return 2
    # Keep the protocol on a private descriptor and point fd 1 at stderr,
    # so that anything printed by a library cannot corrupt the frames.
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    w = Writer(proto_fd)
    w.write(hello())

    eng = Engine(w)
    io_thread = threading.Thread(target=eng.run, name="zmq-io", daemon=True)
    io_thread.start()
    stdin = os.fdopen(0, "rb", buffering=1 << 16)
    status = 0
    try:
        while True:
            body = read_frame(stdin, True)
            if body is None:
                break
            req = json.loads(body)
            if not isinstance(req, dict):
                raise ValueError("request is not an object: %.200r" % body)
            parts = req.get("parts") or 0
            frames = [read_frame(stdin, False) for _ in range(parts)]
            eng.submit((req, frames, time.monotonic()))
    except (EOFError, ValueError) as e:
        log("malformed input: %s" % (e,))
        status = 2
    eng.submit(None)
    io_thread.join(SHUTDOWN_BOUND)
    if io_thread.is_alive():
        log("I/O thread still busy %.1fs after the end of input; exiting anyway" % SHUTDOWN_BOUND)
    try:
        w.f.flush()
    except OSError:
        pass
    # Skip interpreter teardown: every context is closed already, and a
    # stuck one must not keep the process alive.
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
