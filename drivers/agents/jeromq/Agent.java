import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.Manifest;

import org.zeromq.ZMQ;

/**
 * Agent is the zharness agent for JeroMQ (drivers/remote/PROTOCOL.md): it
 * writes the hello, then reads requests from stdin on the main thread and
 * hands them to the Engine thread, which owns every JeroMQ socket and
 * writes the responses. stdout carries protocol frames only; System.out is
 * pointed at stderr so that nothing else can reach the real stdout.
 */
public final class Agent {
    /** PROTOCOL is the agent protocol version spoken. */
    static final int PROTOCOL = 1;
    /** MAX_FRAME is the protocol's frame size limit (256 MiB). */
    static final int MAX_FRAME = 256 << 20;
    /** MAX_PARTS bounds the frames of one message, as the Go side does. */
    static final int MAX_PARTS = 1 << 16;
    /** SHUTDOWN_MS bounds the clean-up after stdin ends (the client kills at 5 s). */
    static final long SHUTDOWN_MS = 4000;

    private Agent() {
    }

    public static void main(String[] args) throws Exception {
        for (int k = 0; k < args.length; k++) {
            if (args[k].equals("--driver") && k + 1 < args.length && !args[k + 1].equals("jeromq")) {
                System.err.println("zharness jeromq agent: serves driver jeromq only, not " + args[k + 1]);
                System.exit(2);
            }
        }
        Out out = new Out(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        out.frame(hello(), null);

        Engine engine = new Engine(out);
        Thread io = new Thread(engine, "zharness-jeromq-io");
        io.start();
        int status = 0;
        try {
            readRequests(new DataInputStream(new BufferedInputStream(System.in, 1 << 16)), engine);
        } catch (IOException | RuntimeException e) {
            System.err.println("zharness jeromq agent: protocol error on stdin: " + e);
            status = 1;
        }
        engine.submit(Engine.EOF);
        io.join(SHUTDOWN_MS);
        if (io.isAlive()) {
            System.err.println("zharness jeromq agent: contexts did not close within " + SHUTDOWN_MS + " ms of the end of input");
            Runtime.getRuntime().halt(3);
        }
        System.exit(status);
    }

    /**
     * readRequests parses frames until a clean end of input: a JSON request,
     * then as many binary frames as its "parts" says.
     */
    static void readRequests(DataInputStream in, Engine engine) throws IOException {
        while (true) {
            byte[] body = readFrame(in, true);
            if (body == null) {
                return;
            }
            Object v = Json.parse(body);
            if (!(v instanceof Map)) {
                throw new IOException("request is not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Request r = Request.from((Map<String, Object>) v);
            if (r.parts < 0 || r.parts > MAX_PARTS) {
                throw new IOException("request " + r.id + ": bad parts " + r.parts);
            }
            r.frames = new byte[r.parts][];
            for (int k = 0; k < r.parts; k++) {
                r.frames[k] = readFrame(in, false);
            }
            // Deadlines count from here: the request has been read whole.
            r.readAt = System.nanoTime();
            engine.submit(r);
        }
    }

    /** readFrame reads one length-prefixed frame; null at a clean end when allowed. */
    static byte[] readFrame(DataInputStream in, boolean endOK) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            if (endOK) {
                return null;
            }
            throw new EOFException("input ended before a binary frame");
        }
        long n = ((long) b0 << 24) | ((long) in.readUnsignedByte() << 16)
                | ((long) in.readUnsignedByte() << 8) | in.readUnsignedByte();
        if (n > MAX_FRAME) {
            throw new IOException("frame of " + n + " bytes exceeds the 256 MiB limit");
        }
        byte[] b = new byte[(int) n];
        in.readFully(b);
        return b;
    }

    /** hello builds the first frame: JeroMQ's version and what its API offers. */
    static String hello() {
        StringBuilder b = new StringBuilder(512);
        b.append("{\"type\":\"hello\",\"protocol\":").append(PROTOCOL).append(",\"driver\":\"jeromq\",\"version\":");
        Json.quote(b, version());
        b.append(",\"agent\":\"zharness-java 0.1 (java ");
        b.append(System.getProperty("java.version")).append(")\",\"capabilities\":{\"sockets\":");
        list(b, Caps.SOCKETS.keySet());
        b.append(",\"transports\":");
        list(b, List.of(Caps.TRANSPORTS));
        b.append(",\"options\":");
        list(b, Caps.OPTIONS.keySet());
        b.append(",\"features\":");
        list(b, List.of(Caps.FEATURES));
        b.append("}}");
        return b.toString();
    }

    private static void list(StringBuilder b, Iterable<String> xs) {
        b.append('[');
        boolean first = true;
        for (String x : xs) {
            if (!first) {
                b.append(',');
            }
            first = false;
            Json.quote(b, x);
        }
        b.append(']');
    }

    /**
     * version is the jar's own version with the libzmq API level it
     * follows, e.g. "jeromq 0.3.6 (libzmq API 3.2.5)". JeroMQ 0.3.6's
     * manifest has no Implementation-Version (Package.getImplementationVersion
     * is null), so the version is read from the jar's Maven pom.properties,
     * then its OSGi Bundle-Version; ZMQ.getVersionString() is the libzmq
     * release whose API JeroMQ mirrors, not JeroMQ's own version.
     */
    static String version() {
        String v = ZMQ.class.getPackage().getImplementationVersion();
        if (v == null) {
            v = resourceProperty("META-INF/maven/org.zeromq/jeromq/pom.properties", "version");
        }
        if (v == null) {
            v = bundleVersion();
        }
        if (v == null) {
            v = "unknown";
        }
        return "jeromq " + v + " (libzmq API " + ZMQ.getVersionString() + ")";
    }

    private static String resourceProperty(String path, String key) {
        try (InputStream in = ZMQ.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key);
        } catch (IOException e) {
            return null;
        }
    }

    private static String bundleVersion() {
        try (InputStream in = ZMQ.class.getClassLoader().getResourceAsStream("META-INF/MANIFEST.MF")) {
            return in == null ? null : new Manifest(in).getMainAttributes().getValue("Bundle-Version");
        } catch (IOException e) {
            return null;
        }
    }

    /** Out writes frames to the real stdout, one response and its parts at a time. */
    static final class Out {
        private final OutputStream o;
        private boolean broken;

        Out(OutputStream o) {
            this.o = o;
        }

        /**
         * frame writes json and then each part as a binary frame. A write
         * error means the client is gone; the reader will see the end of
         * input, so later frames are dropped quietly.
         */
        synchronized void frame(String json, byte[][] parts) {
            if (broken) {
                return;
            }
            try {
                byte[] b = json.getBytes(StandardCharsets.UTF_8);
                writeLen(b.length);
                o.write(b);
                if (parts != null) {
                    for (byte[] p : parts) {
                        writeLen(p.length);
                        o.write(p);
                    }
                }
                o.flush();
            } catch (IOException e) {
                broken = true;
                System.err.println("zharness jeromq agent: stdout: " + e);
            }
        }

        private void writeLen(int n) throws IOException {
            o.write(n >>> 24);
            o.write(n >>> 16);
            o.write(n >>> 8);
            o.write(n);
        }
    }
}
