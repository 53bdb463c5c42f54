import java.util.Map;

import org.zeromq.ZMQ;

import zmq.Msg;
import zmq.SocketBase;
import zmq.ZError;

/**
 * Bulk runs one measurement loop (PROTOCOL.md, "Measurement loops") in
 * Java, on a thread, context and socket of its own, so that the Engine
 * thread keeps serving other requests and a benchmark measures JeroMQ
 * rather than one protocol round trip per message. The loops follow
 * drivers/libzmq/native/zhloops.h: blocking calls with receive and send
 * timeouts of POLL_MS, the deadline checked whenever one expires.
 */
final class Bulk implements Runnable {
    /**
     * POLL_MS bounds one blocking JeroMQ call, and so how far past its
     * deadline a loop can run before it notices.
     */
    static final int POLL_MS = 100;

    /** LOOPS maps each loop to the socket types it may use. */
    private static final Map<String, String[]> LOOPS = Map.of(
            "throughput_recv", new String[] {"PULL", "SUB"},
            "throughput_send", new String[] {"PUSH", "PUB"},
            "latency_serve", new String[] {"REP", "PAIR"},
            "latency_client", new String[] {"REQ", "PAIR"});

    private final Request r;
    private final Agent.Out out;
    private final long deadline; // System.nanoTime() by which the loop gives up
    private final String op;

    private ZMQ.Context ctx;
    private ZMQ.Socket sock;
    private SocketBase b;
    private long count;      // timed messages or round trips done
    private long elapsed;    // timed part, ns
    private long[] samples;  // latency_client only

    private Bulk(Request r, Agent.Out out) {
        this.r = r;
        this.out = out;
        this.deadline = r.deadline(r.deadlineMs);
        this.op = "bulk " + r.loop;
    }

    /**
     * start checks the request and runs its loop on a new daemon thread
     * (daemon: a loop still running when stdin ends must not keep the
     * JVM alive; the agent exits within its shutdown bound anyway).
     */
    static void start(Request r, Agent.Out out) throws Fail {
        String[] types = LOOPS.get(r.loop);
        String op = "bulk " + r.loop;
        if (types == null) {
            throw new Fail("unsupported", op, "bulk loop " + r.loop + " is not supported (valid: " + LOOPS.keySet() + ")");
        }
        boolean typeOK = false;
        for (String t : types) {
            typeOK |= t.equals(r.socketType);
        }
        if (!typeOK) {
            throw new Fail("unsupported", op, "socket type " + r.socketType + " cannot run " + r.loop);
        }
        if (r.size < 0 || r.size > Agent.MAX_FRAME || r.count < 0 || r.warmup < 0 || r.count > Integer.MAX_VALUE - 8) {
            throw new Fail("other", op, "bad size " + r.size + ", count " + r.count + " or warmup " + r.warmup);
        }
        if (!r.endpoint.startsWith("tcp://") && !r.endpoint.startsWith("inproc://")) {
            // See Caps.TRANSPORTS for why ipc:// is refused although JeroMQ parses it.
            throw new Fail("unsupported", op, "endpoint " + r.endpoint + ": JeroMQ 0.3.6 offers tcp and inproc only");
        }
        Thread t = new Thread(new Bulk(r, out), "zharness-jeromq-bulk-" + r.id);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        Fail f = null;
        try {
            open();
            switch (r.loop) {
                case "throughput_recv":
                    throughputRecv();
                    break;
                case "throughput_send":
                    throughputSend();
                    break;
                case "latency_serve":
                    latencyServe();
                    break;
                default:
                    latencyClient();
            }
        } catch (Fail e) {
            f = e;
        } catch (RuntimeException e) {
            f = Fail.of(op, e);
        }
        // A sender's last messages are still queued when its loop ends:
        // let them drain until the deadline, as zh_close does; after a
        // failure there is nothing worth waiting for.
        closeAll(f == null);
        if (f == null) {
            out.frame("{\"id\":" + r.id + ",\"ok\":true,\"result\":" + result() + "}", null);
        } else {
            StringBuilder m = new StringBuilder(128);
            m.append("{\"id\":").append(r.id).append(",\"ok\":false,\"error\":{\"kind\":\"").append(f.kind)
                    .append("\",\"op\":");
            Json.quote(m, f.op);
            m.append(",\"message\":");
            Json.quote(m, f.getMessage() + " (after " + count + " of " + r.count + " timed)");
            m.append("}}");
            out.frame(m.toString(), null);
        }
    }

    private String result() {
        StringBuilder m = new StringBuilder(32 + (samples == null ? 0 : (int) count * 8));
        m.append("{\"count\":").append(count);
        if (!r.loop.equals("latency_serve")) {
            m.append(",\"elapsed_ns\":").append(elapsed);
        }
        if (samples != null) {
            m.append(",\"samples_ns\":[");
            for (int k = 0; k < count; k++) {
                if (k > 0) {
                    m.append(',');
                }
                m.append(samples[k]);
            }
            m.append(']');
        }
        return m.append('}').toString();
    }

    private void open() throws Fail {
        ctx = ZMQ.context(1);
        sock = ctx.socket(Caps.SOCKETS.get(r.socketType));
        b = sock.base();
        sock.setReceiveTimeOut(POLL_MS);
        sock.setSendTimeOut(POLL_MS);
        if (r.socketType.equals("SUB")) {
            sock.subscribe(new byte[0]);
        }
        try {
            if (r.bind) {
                sock.bind(r.endpoint);
            } else {
                sock.connect(r.endpoint);
            }
        } catch (RuntimeException e) {
            throw Fail.of(r.bind ? "bind" : "connect", e);
        }
    }

    private void closeAll(boolean drain) {
        try {
            if (sock != null) {
                long left = drain ? (deadline - System.nanoTime()) / 1_000_000L : 0;
                sock.setLinger(Math.max(0, left));
                sock.close();
            }
            if (ctx != null) {
                ctx.term();
            }
        } catch (RuntimeException e) {
            System.err.println("zharness jeromq agent: " + op + ": close: " + e);
        }
    }

    private long warm() {
        return Math.max(r.warmup, 1);
    }

    /** recv takes one message, waiting in POLL_MS steps until the deadline; it checks the size. */
    private Msg recv() throws Fail {
        while (true) {
            Msg m = b.recv(0);
            if (m != null) {
                if (m.size() != r.size || m.hasMore()) {
                    throw new Fail("other", "recv", "message of " + m.size() + " bytes"
                            + (m.hasMore() ? " with more frames" : "") + ", want one of " + r.size);
                }
                return m;
            }
            check(b.errno(), "recv");
        }
    }

    /** send queues m, waiting in POLL_MS steps until the deadline. */
    private void send(Msg m) throws Fail {
        while (!b.send(m, 0)) {
            check(b.errno(), "send");
        }
    }

    /** check turns a failed call into a Fail, unless it was EAGAIN before the deadline. */
    private void check(int code, String what) throws Fail {
        if (code != ZError.EAGAIN) {
            throw Fail.errno(what, code, null);
        }
        if (System.nanoTime() - deadline > 0) {
            throw new Fail("timeout", op, "deadline passed waiting to " + what);
        }
    }

    private void throughputRecv() throws Fail {
        for (long k = 0; k < warm(); k++) {
            recv();
        }
        long start = System.nanoTime();
        for (long k = 0; k < r.count; k++) {
            recv();
            count++;
        }
        elapsed = System.nanoTime() - start;
    }

    private void throughputSend() throws Fail {
        // One zeroed buffer shared by every message: JeroMQ only reads it.
        byte[] buf = new byte[(int) r.size];
        long total = warm() + r.count;
        long start = System.nanoTime();
        for (long k = 0; k < total; k++) {
            send(new Msg(buf));
        }
        elapsed = System.nanoTime() - start;
        count = r.count;
    }

    private void latencyServe() throws Fail {
        long total = warm() + r.count;
        for (long k = 0; k < total; k++) {
            send(recv());
        }
        count = r.count;
    }

    private void latencyClient() throws Fail {
        byte[] buf = new byte[(int) r.size];
        samples = new long[(int) r.count];
        for (long k = 0; k < warm(); k++) {
            send(new Msg(buf));
            recv();
        }
        long start = System.nanoTime(), t0 = start;
        for (int k = 0; k < r.count; k++) {
            send(new Msg(buf));
            recv();
            long t1 = System.nanoTime();
            samples[k] = t1 - t0;
            t0 = t1;
            count++;
        }
        elapsed = System.nanoTime() - start;
    }
}
