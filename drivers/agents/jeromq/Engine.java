import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.zeromq.ZMQ;

import zmq.Msg;
import zmq.SocketBase;
import zmq.ZError;

/**
 * Engine is the one thread that makes every JeroMQ call: JeroMQ sockets are
 * not thread-safe. It answers quick requests (bind, set_option, close, ...)
 * at once and keeps send, recv and poll pending: each turn it tries the
 * pending sends and receives without blocking, answers the expired ones with
 * "timeout", and then waits in one ZMQ.Poller over the sockets with
 * something pending (POLLIN for a recv, POLLOUT for a send, the items of a
 * poll request) plus a wake-up pipe the reader thread writes to, with the
 * nearest deadline as the poll timeout. A message is taken from JeroMQ only
 * for a recv in flight, so a late one stays queued for the next recv.
 */
final class Engine implements Runnable {
    /** EOF is the request the reader submits when stdin ends. */
    static final Request EOF = new Request();

    private final Agent.Out out;
    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeSent = new AtomicBoolean();
    private final Pipe wake;
    private final ByteBuffer drain = ByteBuffer.allocate(64);

    private final Map<Long, Ctx> ctxs = new HashMap<>();
    private final Map<Long, Sock> socks = new HashMap<>(); // kept after close: calls answer "closed"
    private long nextId;
    private final List<Op> ops = new ArrayList<>();      // pending send and recv
    private final List<PollOp> polls = new ArrayList<>(); // pending poll requests

    Engine(Agent.Out out) throws IOException {
        this.out = out;
        wake = Pipe.open();
        wake.source().configureBlocking(false); // the poller's selector needs it
    }

    /** submit queues r for the engine thread and wakes it if it is waiting. */
    void submit(Request r) {
        queue.add(r);
        if (wakeSent.compareAndSet(false, true)) {
            try {
                wake.sink().write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                System.err.println("zharness jeromq agent: wake-up pipe: " + e);
            }
        }
    }

    static final class Ctx {
        final long id;
        final ZMQ.Context z;
        final List<Sock> socks = new ArrayList<>();
        boolean closed;

        Ctx(long id, ZMQ.Context z) {
            this.id = id;
            this.z = z;
        }
    }

    static final class Sock {
        final long id;
        final ZMQ.Socket z;
        final SocketBase b;
        final Ctx ctx;
        boolean closed;
        boolean userLinger;
        int rcvtimeo = -1, sndtimeo = -1; // the scenario's RCVTIMEO/SNDTIMEO; -1: none
        Op recv, send;

        Sock(long id, ZMQ.Socket z, Ctx ctx) {
            this.id = id;
            this.z = z;
            this.b = z.base();
            this.ctx = ctx;
        }
    }

    /** Op is a pending send or recv. */
    static final class Op {
        final Request r;
        final Sock s;
        final boolean send;
        final long deadline;

        Op(Request r, Sock s, boolean send, long deadline) {
            this.r = r;
            this.s = s;
            this.send = send;
            this.deadline = deadline;
        }
    }

    /** PollOp is a pending poll request. */
    static final class PollOp {
        final Request r;
        final Sock[] socks;
        final int[] events;
        final long deadline;

        PollOp(Request r, Sock[] socks, int[] events, long deadline) {
            this.r = r;
            this.socks = socks;
            this.events = events;
            this.deadline = deadline;
        }
    }

    @Override
    public void run() {
        try {
            while (true) {
                // Drain, then re-arm: a submit after the re-arm writes a
                // byte this turn does not consume, so the poll below wakes.
                while (wake.source().read(drain) > 0) {
                    drain.clear();
                }
                wakeSent.set(false);
                Request r;
                while ((r = queue.poll()) != null) {
                    if (r == EOF) {
                        shutdown();
                        return;
                    }
                    handle(r);
                }
                attempt();
                expire(System.nanoTime());
                await();
            }
        } catch (Throwable t) {
            // A bug here would leave every call unanswered: die loudly instead,
            // so the client reports a crash with this as evidence.
            System.err.println("zharness jeromq agent: engine failed:");
            t.printStackTrace(System.err);
            Runtime.getRuntime().halt(4);
        }
    }

    private void handle(Request r) {
        try {
            switch (r.op) {
                case "new_context":
                    newContext(r);
                    return;
                case "close_context":
                    closeContext(r);
                    return;
                case "new_socket":
                    newSocket(r);
                    return;
                case "bind":
                case "connect":
                    bindOrConnect(r);
                    return;
                case "set_option":
                    setOption(r);
                    return;
                case "close":
                    close(r);
                    return;
                case "send":
                case "recv":
                    startIO(r);
                    return;
                case "poll":
                    startPoll(r);
                    return;
                case "bulk":
                    // On a thread of its own, with its own context and
                    // socket: this thread keeps serving meanwhile.
                    Bulk.start(r, out);
                    return;
                default:
                    // Unknown operations are "unsupported", so newer clients can probe.
                    throw new Fail("unsupported", r.op, "operation " + r.op + " is not supported by this implementation");
            }
        } catch (Fail f) {
            fail(r, f);
        }
    }

    private void newContext(Request r) throws Fail {
        ZMQ.Context z;
        try {
            z = ZMQ.context(1);
        } catch (RuntimeException e) {
            throw Fail.of("context", e);
        }
        Ctx c = new Ctx(++nextId, z);
        ctxs.put(c.id, c);
        ok(r, "{\"context\":" + c.id + "}");
    }

    private Ctx openContext(long id, String op) throws Fail {
        Ctx c = ctxs.get(id);
        if (c == null || c.closed) {
            throw new Fail("closed", op, "no open context " + id);
        }
        return c;
    }

    private void closeContext(Request r) throws Fail {
        Ctx c = openContext(r.context, "close_context");
        terminate(c);
        ok(r, null);
    }

    /** terminate closes every socket of c still open with linger 0, then terminates c. */
    private void terminate(Ctx c) {
        for (Sock s : c.socks) {
            if (!s.closed) {
                closeSocket(s, true);
            }
        }
        c.closed = true;
        try {
            c.z.term();
        } catch (RuntimeException e) {
            System.err.println("zharness jeromq agent: term of context " + c.id + ": " + e);
        }
    }

    private void newSocket(Request r) throws Fail {
        Ctx c = openContext(r.context, "new_socket");
        Integer t = Caps.SOCKETS.get(r.type);
        if (t == null) {
            throw new Fail("unsupported", "socket", "socket type " + r.type + " is not supported by this implementation");
        }
        ZMQ.Socket z;
        try {
            z = c.z.socket(t);
        } catch (RuntimeException e) {
            throw Fail.of("socket", e);
        }
        Sock s = new Sock(++nextId, z, c);
        socks.put(s.id, s);
        c.socks.add(s);
        ok(r, "{\"socket\":" + s.id + "}");
    }

    /** socket finds an open socket, or answers why not. */
    private Sock socket(long id, String op) throws Fail {
        Sock s = socks.get(id);
        if (s == null) {
            throw new Fail("other", op, "no socket " + id + " was created by this agent");
        }
        if (s.closed) {
            throw new Fail("closed", op, "socket " + id + " is closed");
        }
        return s;
    }

    private void bindOrConnect(Request r) throws Fail {
        Sock s = socket(r.socket, r.op);
        int sep = r.endpoint.indexOf("://");
        if (sep < 0) {
            throw new Fail("other", r.op, "malformed endpoint " + r.endpoint + " (want transport://address)");
        }
        String transport = r.endpoint.substring(0, sep);
        if (!transport.equals("tcp") && !transport.equals("inproc")) {
            // See Caps.TRANSPORTS for why ipc:// is refused although JeroMQ parses it.
            throw new Fail("unsupported", r.op, "transport " + transport
                    + " is not supported by this implementation (JeroMQ 0.3.6 offers tcp and inproc)");
        }
        try {
            if (r.op.equals("bind")) {
                s.z.bind(r.endpoint);
            } else {
                s.z.connect(r.endpoint);
            }
        } catch (RuntimeException e) {
            throw Fail.of(r.op, e);
        }
        ok(r, null);
    }

    private void setOption(Request r) throws Fail {
        String op = "setsockopt " + r.name;
        Sock s = socket(r.socket, op);
        Caps.Opt o = Caps.OPTIONS.get(r.name);
        if (o == null) {
            throw new Fail("unsupported", op, "option " + r.name + " is not supported by this implementation");
        }
        Object v = optionValue(o, r.value, op);
        try {
            s.b.setSocketOpt(o.code, v);
        } catch (RuntimeException e) {
            throw Fail.of(op, e);
        }
        switch (r.name) {
            case "LINGER":
                s.userLinger = true;
                break;
            case "RCVTIMEO":
                s.rcvtimeo = (Integer) v;
                break;
            case "SNDTIMEO":
                s.sndtimeo = (Integer) v;
                break;
            default:
        }
        ok(r, null);
    }

    /**
     * optionValue converts a tagged protocol value into what
     * SocketBase.setSocketOpt expects: an Integer, or a byte[]. Range and
     * 0/1 checks are left to JeroMQ, whose answer is what is under test.
     */
    private static Object optionValue(Caps.Opt o, Map<String, Object> v, String op) throws Fail {
        if (v == null) {
            throw new Fail("other", op, "set_option without a value");
        }
        if (o.kind == Caps.BYTES) {
            if (v.get("bytes") instanceof String) {
                try {
                    return Base64.getDecoder().decode((String) v.get("bytes"));
                } catch (IllegalArgumentException e) {
                    throw new Fail("other", op, "bad base64 value: " + e.getMessage());
                }
            }
            if (v.get("string") instanceof String) {
                return ((String) v.get("string")).getBytes(StandardCharsets.UTF_8);
            }
            throw new Fail("other", op, "option " + op.substring(11) + " takes bytes, got " + v.keySet());
        }
        long n;
        if (v.get("int") instanceof Long) {
            n = (Long) v.get("int");
        } else if (v.get("bool") instanceof Boolean) {
            n = ((Boolean) v.get("bool")) ? 1 : 0;
        } else {
            throw new Fail("other", op, "option " + op.substring(11) + " takes an integer, got " + v.keySet());
        }
        if (n != (int) n) {
            throw new Fail("other", op, "value " + n + " does not fit JeroMQ's int option");
        }
        return (int) n;
    }

    private void close(Request r) throws Fail {
        Sock s = socks.get(r.socket);
        if (s == null) {
            throw new Fail("other", "close", "no socket " + r.socket + " was created by this agent");
        }
        if (!s.closed) { // closing a closed socket is a no-op, as in the Go drivers
            closeSocket(s, false);
        }
        ok(r, null);
    }

    /**
     * closeSocket answers the calls pending on s with "closed" and closes
     * it, with linger 0 unless the scenario set LINGER (always 0 when its
     * context closes).
     */
    private void closeSocket(Sock s, boolean forceLinger0) {
        Fail closed = new Fail("closed", "", "socket " + s.id + " was closed");
        for (Iterator<Op> it = ops.iterator(); it.hasNext();) {
            Op op = it.next();
            if (op.s == s) {
                it.remove();
                fail(op.r, new Fail("closed", op.r.op, closed.getMessage()));
            }
        }
        s.recv = s.send = null;
        for (Iterator<PollOp> it = polls.iterator(); it.hasNext();) {
            PollOp p = it.next();
            for (Sock x : p.socks) {
                if (x == s) {
                    it.remove();
                    fail(p.r, new Fail("closed", "poll", closed.getMessage()));
                    break;
                }
            }
        }
        s.closed = true;
        try {
            if (forceLinger0 || !s.userLinger) {
                s.b.setSocketOpt(zmq.ZMQ.ZMQ_LINGER, 0);
            }
            s.z.close();
        } catch (RuntimeException e) {
            System.err.println("zharness jeromq agent: close of socket " + s.id + ": " + e);
        }
    }

    private void startIO(Request r) throws Fail {
        boolean send = r.op.equals("send");
        Sock s = socket(r.socket, r.op);
        if (send && r.frames.length == 0) {
            throw new Fail("other", "send", "a message has at least one frame");
        }
        if ((send ? s.send : s.recv) != null) {
            throw new Fail("other", r.op, "a " + r.op + " on socket " + s.id + " is already in flight");
        }
        // The scenario's RCVTIMEO/SNDTIMEO bounds the call as it would a
        // blocking JeroMQ call: the smaller of it and the request's deadline.
        long ms = r.deadlineMs;
        int timeo = send ? s.sndtimeo : s.rcvtimeo;
        if (timeo >= 0) {
            ms = Math.min(ms, timeo);
        }
        Op op = new Op(r, s, send, r.deadline(ms));
        if (send) {
            s.send = op;
        } else {
            s.recv = op;
        }
        ops.add(op);
    }

    private void startPoll(Request r) throws Fail {
        if (r.items == null || r.items.isEmpty()) {
            throw new Fail("other", "poll", "poll without items");
        }
        Sock[] ss = new Sock[r.items.size()];
        int[] ev = new int[ss.length];
        for (int k = 0; k < ss.length; k++) {
            if (!(r.items.get(k) instanceof Map)) {
                throw new Fail("other", "poll", "item " + k + " is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) r.items.get(k);
            ss[k] = socket(Request.num(item, "socket"), "poll");
            if (ss[k].ctx != ss[0].ctx) {
                throw new Fail("other", "poll", "the items' sockets belong to different contexts");
            }
            if (item.get("events") instanceof List) {
                for (Object e : (List<?>) item.get("events")) {
                    if ("in".equals(e)) {
                        ev[k] |= ZMQ.Poller.POLLIN;
                    } else if ("out".equals(e)) {
                        ev[k] |= ZMQ.Poller.POLLOUT;
                    } else {
                        throw new Fail("other", "poll", "unknown poll event " + e + " (valid: in, out)");
                    }
                }
            }
        }
        polls.add(new PollOp(r, ss, ev, r.deadline(r.deadlineMs)));
    }

    /** attempt tries every pending send and recv once, without blocking. */
    private void attempt() {
        for (Iterator<Op> it = ops.iterator(); it.hasNext();) {
            Op op = it.next();
            boolean done;
            try {
                done = op.send ? trySend(op) : tryRecv(op);
            } catch (Fail f) {
                fail(op.r, f);
                done = true;
            }
            if (done) {
                it.remove();
                if (op.send) {
                    op.s.send = null;
                } else {
                    op.s.recv = null;
                }
            }
        }
    }

    /**
     * trySend offers the whole message to JeroMQ without blocking: false when
     * the first frame is refused with EAGAIN (nothing was queued). Once the
     * first frame is taken the rest of the message cannot block in
     * ZeroMQ's model (the high-water mark counts whole messages); if JeroMQ
     * refused one anyway, that is reported rather than waited for.
     */
    private boolean trySend(Op op) throws Fail {
        byte[][] f = op.r.frames;
        for (int k = 0; k < f.length; k++) {
            int flags = ZMQ.DONTWAIT | (k < f.length - 1 ? ZMQ.SNDMORE : 0);
            boolean sent;
            try {
                sent = op.s.b.send(new Msg(f[k]), flags);
            } catch (RuntimeException e) {
                throw Fail.of("send", e);
            }
            if (sent) {
                continue;
            }
            int code = op.s.b.errno();
            if (k == 0 && code == ZError.EAGAIN) {
                return false;
            }
            if (k > 0) {
                throw new Fail("other", "send", "JeroMQ refused frame " + (k + 1) + " of " + f.length
                        + " after taking the first (" + ZError.toString(code) + ", error code " + code + ")");
            }
            throw Fail.errno("send", code, null);
        }
        ok(op.r, null);
        return true;
    }

    /** tryRecv takes a whole message if one is queued; false on EAGAIN. */
    private boolean tryRecv(Op op) throws Fail {
        List<byte[]> parts = new ArrayList<>(2);
        try {
            Msg m = op.s.b.recv(ZMQ.DONTWAIT);
            if (m == null) {
                int code = op.s.b.errno();
                if (code == ZError.EAGAIN) {
                    return false;
                }
                throw Fail.errno("recv", code, null);
            }
            parts.add(m.data());
            while (m.hasMore()) {
                // The rest of a message arrives with its first frame.
                m = op.s.b.recv(ZMQ.DONTWAIT);
                if (m == null) {
                    throw new Fail("other", "recv", "JeroMQ had no frame " + (parts.size() + 1)
                            + " of a message whose frame " + parts.size() + " said more follow (error code " + op.s.b.errno() + ")");
                }
                parts.add(m.data());
            }
        } catch (RuntimeException e) {
            throw Fail.of("recv", e);
        }
        out.frame("{\"id\":" + op.r.id + ",\"ok\":true,\"result\":{\"parts\":" + parts.size() + "}}",
                parts.toArray(new byte[0][]));
        return true;
    }

    /** expire answers "timeout" for every send and recv whose deadline has passed. */
    private void expire(long now) {
        for (Iterator<Op> it = ops.iterator(); it.hasNext();) {
            Op op = it.next();
            if (now - op.deadline >= 0) {
                it.remove();
                if (op.send) {
                    op.s.send = null;
                } else {
                    op.s.recv = null;
                }
                fail(op.r, Fail.errno(op.r.op, ZError.EAGAIN, "Resource temporarily unavailable"));
            }
        }
    }

    /**
     * await waits in ZMQ.Poller until a pending socket may make progress,
     * a request arrives or the nearest deadline passes, then answers the
     * poll requests that are ready or expired. One poll item per socket:
     * JeroMQ's poll keys its selector by channel, so a socket listed twice
     * would lose one item's result.
     */
    private void await() {
        Map<Sock, Integer> interest = new LinkedHashMap<>();
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        boolean any = false;
        for (Op op : ops) {
            interest.merge(op.s, op.send ? ZMQ.Poller.POLLOUT : ZMQ.Poller.POLLIN, (a, b) -> a | b);
            next = any ? earlier(next, op.deadline) : op.deadline;
            any = true;
        }
        for (PollOp p : polls) {
            for (int k = 0; k < p.socks.length; k++) {
                interest.merge(p.socks[k], p.events[k], (a, b) -> a | b);
            }
            next = any ? earlier(next, p.deadline) : p.deadline;
            any = true;
        }
        long timeoutMs = -1; // nothing pending: wait for the next request
        if (any) {
            // Rounded up, so the poll never ends before the deadline.
            timeoutMs = Math.max(0, (next - now + 999_999) / 1_000_000);
        }
        ZMQ.Poller poller = new ZMQ.Poller(interest.size() + 1);
        poller.register(wake.source(), ZMQ.Poller.POLLIN);
        Map<Sock, Integer> index = new HashMap<>();
        for (Map.Entry<Sock, Integer> e : interest.entrySet()) {
            index.put(e.getKey(), poller.register(e.getKey().z, e.getValue()));
        }
        Fail pollFail = null;
        try {
            if (poller.poll(timeoutMs) < 0) {
                pollFail = new Fail("other", "poll", "ZMQ.Poller.poll returned -1");
            }
        } catch (RuntimeException e) {
            pollFail = Fail.of("poll", e);
        }
        now = System.nanoTime();
        for (Iterator<PollOp> it = polls.iterator(); it.hasNext();) {
            PollOp p = it.next();
            if (pollFail != null) {
                it.remove();
                fail(p.r, pollFail);
                continue;
            }
            StringBuilder b = new StringBuilder("{\"ready\":[");
            boolean ready = false;
            for (int k = 0; k < p.socks.length; k++) {
                int i = index.get(p.socks[k]);
                boolean in = (p.events[k] & ZMQ.Poller.POLLIN) != 0 && poller.pollin(i);
                boolean o = (p.events[k] & ZMQ.Poller.POLLOUT) != 0 && poller.pollout(i);
                ready |= in || o;
                b.append(k == 0 ? "[" : ",[").append(in ? "\"in\"" : "")
                        .append(in && o ? "," : "").append(o ? "\"out\"" : "").append(']');
            }
            b.append("]}");
            if (ready) {
                it.remove();
                ok(p.r, b.toString());
            } else if (now - p.deadline >= 0) {
                it.remove();
                ok(p.r, b.toString()); // every list empty: the deadline passed, not an error
            }
        }
        if (pollFail != null) {
            System.err.println("zharness jeromq agent: " + pollFail.getMessage());
        }
    }

    private static long earlier(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    /** shutdown closes every context still open (linger 0) once stdin has ended. */
    private void shutdown() {
        for (Ctx c : ctxs.values()) {
            if (!c.closed) {
                terminate(c);
            }
        }
    }

    private void ok(Request r, String result) {
        out.frame(result == null ? "{\"id\":" + r.id + ",\"ok\":true}"
                : "{\"id\":" + r.id + ",\"ok\":true,\"result\":" + result + "}", null);
    }

    private void fail(Request r, Fail f) {
        StringBuilder b = new StringBuilder(128);
        b.append("{\"id\":").append(r.id).append(",\"ok\":false,\"error\":{\"kind\":\"").append(f.kind).append('"');
        if (!f.op.isEmpty()) {
            b.append(",\"op\":");
            Json.quote(b, f.op);
        }
        b.append(",\"message\":");
        Json.quote(b, f.getMessage() == null ? "" : f.getMessage());
        b.append("}}");
        out.frame(b.toString(), null);
    }
}
