import org.zeromq.ZMQException;

import zmq.ZError;

/**
 * Fail is a classified error, answered as {"ok":false,"error":{...}}. Its
 * kind is one of the driver contract's kinds (PROTOCOL.md, Responses).
 */
final class Fail extends Exception {
    private static final long serialVersionUID = 1L;

    final String kind;
    final String op;

    Fail(String kind, String op, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.op = op;
    }

    /**
     * errno classifies a JeroMQ error code (zmq.ZError, the codes
     * SocketBase.errno() and ZMQException.getErrorCode() carry; JeroMQ uses
     * its own values, e.g. EAGAIN is 35, not Linux's 11).
     */
    static Fail errno(String op, int code, String message) {
        String kind;
        switch (code) {
            case ZError.EAGAIN:
                kind = "timeout";
                break;
            case ZError.ENOTSUP:
                kind = "not-allowed";
                break;
            case ZError.EFSM:
                kind = "invalid-state";
                break;
            case ZError.EHOSTUNREACH:
                kind = "host-unreachable";
                break;
            case ZError.ETERM:
            case ZError.ENOTSOCK:
                kind = "closed";
                break;
            case ZError.EPROTONOSUPPORT:
                // A transport JeroMQ does not know (zmq.SocketBase.checkProtocol).
                kind = "unsupported";
                break;
            default:
                kind = "other";
        }
        if (message == null || message.isEmpty()) {
            message = ZError.toString(code);
        }
        if (message == null || message.isEmpty()) {
            message = "JeroMQ error code " + code;
        }
        return new Fail(kind, op, message);
    }

    /** of classifies an exception thrown by a JeroMQ call. */
    static Fail of(String op, Throwable t) {
        if (t instanceof ZMQException) {
            ZMQException z = (ZMQException) t;
            return errno(op, z.getErrorCode(), z.getMessage());
        }
        if (t instanceof UnsupportedOperationException && (op.equals("send") || op.equals("recv"))) {
            // JeroMQ's ENOTSUP for a socket type without this operation:
            // zmq.Pub.xrecv, zmq.Sub.xsend and SocketBase's default
            // xsend/xrecv ("Must Override") throw it instead of setting errno.
            return new Fail("not-allowed", op, op + " is not allowed on this socket type (" + t + ")");
        }
        if (t instanceof ZError.CtxTerminatedException) {
            return new Fail("closed", op, "context was terminated (" + t + ")");
        }
        // ZError.IOException, IllegalArgumentException (a value zmq.Options
        // refuses), ClassCastException (a value of the wrong type) ...
        return new Fail("other", op, t.toString());
    }
}
