import java.util.List;
import java.util.Map;

/** Request is one client request as read from stdin. */
final class Request {
    /** DEFAULT_DEADLINE_MS applies when a send or recv carries no deadline_ms. */
    static final long DEFAULT_DEADLINE_MS = 5000;

    long id;
    String op = "";
    long context;
    long socket;
    String type = "";
    String endpoint = "";
    String name = "";
    int parts;
    long deadlineMs = DEFAULT_DEADLINE_MS;
    Map<String, Object> value;
    List<Object> items;
    // A bulk request's loop (Bulk.java).
    String loop = "";
    String socketType = "";
    boolean bind;
    long size;
    long count;
    long warmup;
    byte[][] frames;
    /** readAt is System.nanoTime() when the request had been read whole. */
    long readAt;

    @SuppressWarnings("unchecked")
    static Request from(Map<String, Object> m) {
        Request r = new Request();
        r.id = num(m, "id");
        r.op = str(m, "op");
        r.context = num(m, "context");
        r.socket = num(m, "socket");
        r.type = str(m, "type");
        r.endpoint = str(m, "endpoint");
        r.name = str(m, "name");
        r.parts = (int) num(m, "parts");
        if (m.get("deadline_ms") instanceof Number) {
            r.deadlineMs = Math.max(0, num(m, "deadline_ms"));
        }
        if (m.get("value") instanceof Map) {
            r.value = (Map<String, Object>) m.get("value");
        }
        r.loop = str(m, "loop");
        r.socketType = str(m, "socket_type");
        r.bind = Boolean.TRUE.equals(m.get("bind"));
        r.size = num(m, "size");
        r.count = num(m, "count");
        r.warmup = num(m, "warmup");
        if (m.get("items") instanceof List) {
            r.items = (List<Object>) m.get("items");
        }
        return r;
    }

    /** num reads an integer field; absent (or not a number) reads as 0, as the protocol says. */
    static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof Number ? ((Number) v).longValue() : 0;
    }

    static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof String ? (String) v : "";
    }

    /** deadline is the absolute System.nanoTime() by which a call with ms must end. */
    long deadline(long ms) {
        return readAt + ms * 1_000_000L;
    }
}
