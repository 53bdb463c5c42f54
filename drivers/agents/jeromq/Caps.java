import java.util.LinkedHashMap;
import java.util.Map;

import org.zeromq.ZMQ;

/**
 * Caps is what JeroMQ 0.3.6's API offers, each entry mapped to the call
 * that provides it (decisions.md, ruling 3: leave out only what the API
 * truly lacks).
 */
final class Caps {
    private Caps() {
    }

    /** SOCKETS maps RFC socket type names to ZMQ.Context.socket's type codes. */
    static final Map<String, Integer> SOCKETS = new LinkedHashMap<>();

    static {
        SOCKETS.put("REQ", ZMQ.REQ);
        SOCKETS.put("REP", ZMQ.REP);
        SOCKETS.put("DEALER", ZMQ.DEALER);
        SOCKETS.put("ROUTER", ZMQ.ROUTER);
        SOCKETS.put("PUB", ZMQ.PUB);
        SOCKETS.put("SUB", ZMQ.SUB);
        SOCKETS.put("XPUB", ZMQ.XPUB);
        SOCKETS.put("XSUB", ZMQ.XSUB);
        SOCKETS.put("PUSH", ZMQ.PUSH);
        SOCKETS.put("PULL", ZMQ.PULL);
        SOCKETS.put("PAIR", ZMQ.PAIR);
    }

    /**
     * TRANSPORTS: tcp and inproc. ipc is left out: JeroMQ 0.3.6 accepts
     * "ipc://" but zmq.IpcAddress resolves it to a TCP port on the loopback
     * interface derived from the path's hash, not a Unix-domain socket, so
     * it is not the ipc transport (it cannot meet a libzmq ipc peer).
     */
    static final String[] TRANSPORTS = {"tcp", "inproc"};

    /**
     * FEATURES: poller (the poll op, on ZMQ.Poller: Engine.await) and bulk
     * (the measurement loops, run in Java on JeroMQ: Bulk.java).
     */
    static final String[] FEATURES = {"poller", "bulk"};

    /** Option value kinds. */
    static final int INT = 0, BOOL = 1, BYTES = 2;

    /** Opt is one option: its zmq.ZMQ code and value kind. */
    static final class Opt {
        final int code;
        final int kind;

        Opt(int code, int kind) {
            this.code = code;
            this.kind = kind;
        }
    }

    /**
     * OPTIONS are the protocol's options that zmq.SocketBase.setSocketOpt
     * handles in 0.3.6 (zmq.Options, and xsetsockopt of zmq.Sub, zmq.Router
     * and zmq.XPub). Absent, because 0.3.6 has no such option code at all:
     * CONFLATE (ZMQ_CONFLATE 54), REQ_RELAXED (53) and REQ_CORRELATE (52);
     * zmq.Req has no xsetsockopt and zmq.Options rejects unknown codes.
     */
    static final Map<String, Opt> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("SNDHWM", new Opt(zmq.ZMQ.ZMQ_SNDHWM, INT));
        OPTIONS.put("RCVHWM", new Opt(zmq.ZMQ.ZMQ_RCVHWM, INT));
        OPTIONS.put("SNDTIMEO", new Opt(zmq.ZMQ.ZMQ_SNDTIMEO, INT));
        OPTIONS.put("RCVTIMEO", new Opt(zmq.ZMQ.ZMQ_RCVTIMEO, INT));
        OPTIONS.put("LINGER", new Opt(zmq.ZMQ.ZMQ_LINGER, INT));
        OPTIONS.put("SUBSCRIBE", new Opt(zmq.ZMQ.ZMQ_SUBSCRIBE, BYTES));
        OPTIONS.put("UNSUBSCRIBE", new Opt(zmq.ZMQ.ZMQ_UNSUBSCRIBE, BYTES));
        // ZMQ_IDENTITY, which libzmq 4 renamed ZMQ_ROUTING_ID (same code 5).
        OPTIONS.put("ROUTING_ID", new Opt(zmq.ZMQ.ZMQ_IDENTITY, BYTES));
        OPTIONS.put("ROUTER_MANDATORY", new Opt(zmq.ZMQ.ZMQ_ROUTER_MANDATORY, BOOL));
        // ZMQ_DELAY_ATTACH_ON_CONNECT, which libzmq 4 renamed ZMQ_IMMEDIATE (same code 39).
        OPTIONS.put("IMMEDIATE", new Opt(zmq.ZMQ.ZMQ_DELAY_ATTACH_ON_CONNECT, BOOL));
        OPTIONS.put("RECONNECT_IVL", new Opt(zmq.ZMQ.ZMQ_RECONNECT_IVL, INT));
        OPTIONS.put("XPUB_VERBOSE", new Opt(zmq.ZMQ.ZMQ_XPUB_VERBOSE, BOOL));
    }
}
