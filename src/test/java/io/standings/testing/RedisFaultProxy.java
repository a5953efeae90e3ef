package io.standings.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder in front of Redis that understands just enough RESP to inject two faults into one
 * application's Redis path (the shared server keeps running for everybody else):
 *
 * <ul>
 *   <li>{@link #cut()} / {@link #restore()}: every open connection reset, new ones refused, as {@link TcpProxy};</li>
 *   <li>{@link #dropNextScriptReply()}: the next {@code EVALSHA} / {@code EVAL} request is forwarded to Redis, which
 *       runs it; when its reply comes back, the reply is <em>not</em> relayed and the connection is reset (client and
 *       server side): the script ran, the client never learns it.</li>
 * </ul>
 *
 * Each connection is parsed message by message in both directions: requests are RESP arrays of bulk strings
 * (what every client sends), replies any RESP2 or RESP3 value. Requests and replies are matched by their order on
 * the connection (Redis answers in order), so the dropped reply is exactly the script's, whatever was pipelined
 * around it. One daemon accept thread; two pump threads per connection.
 */
public final class RedisFaultProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean dropArmed = new AtomicBoolean();
    private final AtomicInteger repliesDropped = new AtomicInteger();
    private final AtomicInteger scriptsSeen = new AtomicInteger();
    private volatile ServerSocket server;
    private volatile int port;
    private volatile boolean closed;

    public RedisFaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** A proxy in front of the Redis of {@code redisUri} (redis://[user:pass@]host:port[/db]). */
    public static RedisFaultProxy forUri(String redisUri) {
        URI uri = URI.create(redisUri);
        return new RedisFaultProxy(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
    }

    /** {@code redisUri} with its host and port replaced by this proxy's (credentials and database kept). */
    public String uriFor(String redisUri) {
        URI uri = URI.create(redisUri);
        String userInfo = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@";
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + userInfo + "127.0.0.1:" + port + path;
    }

    public synchronized RedisFaultProxy start() {
        listen(0);
        return this;
    }

    public int port() {
        return port;
    }

    /** The next script request is run by Redis and its reply lost: the connection is reset before it is relayed. */
    public void dropNextScriptReply() {
        dropArmed.set(true);
    }

    /** Whether a {@link #dropNextScriptReply()} is still waiting for its script. */
    public boolean dropPending() {
        return dropArmed.get();
    }

    /** Script replies dropped so far (each one: the script ran in Redis, the client never got its answer). */
    public int repliesDropped() {
        return repliesDropped.get();
    }

    /** Script requests (EVALSHA/EVAL) forwarded so far. */
    public int scriptsSeen() {
        return scriptsSeen.get();
    }

    /** Resets every open connection and refuses new ones until {@link #restore()}. */
    public synchronized void cut() {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Socket socket : open) {
            reset(socket);
        }
        open.clear();
    }

    /** Accepts connections again, on the same port. */
    public synchronized void restore() {
        if (server == null && !closed) {
            listen(port);
        }
    }

    public boolean isCut() {
        return server == null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        cut();
    }

    private void listen(int onPort) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
            server = s;
            port = s.getLocalPort();
            Thread accept = new Thread(() -> acceptLoop(s), "redis-proxy-accept-" + port);
            accept.setDaemon(true);
            accept.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + onPort, e);
        }
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return; // cut or closed
            }
            Socket upstream = null;
            try {
                if (server != s) {
                    reset(client);
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream = new Socket();
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 5000);
                open.add(client);
                open.add(upstream);
                if (server != s) {
                    reset(client);
                    reset(upstream);
                    continue;
                }
                Connection c = new Connection(client, upstream);
                daemon(c::requests, "redis-proxy-up-" + client.getPort());
                daemon(c::replies, "redis-proxy-down-" + client.getPort());
            } catch (IOException e) {
                reset(client);
                if (upstream != null) {
                    reset(upstream);
                }
            }
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** One client connection and its upstream: requests counted as they go up, replies as they come down. */
    private final class Connection {
        final Socket client;
        final Socket upstream;
        /** Requests forwarded so far; the index (0-based) of the request whose reply is to be dropped, or -1. */
        long sent;
        volatile long dropAt = -1;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void requests() {
            try (InputStream in = new BufferedInputStream(client.getInputStream(), 65536);
                    OutputStream out = upstream.getOutputStream()) {
                while (true) {
                    ByteArrayOutputStream raw = new ByteArrayOutputStream(256);
                    String command = readRequest(in, raw);
                    if (command == null) {
                        return;
                    }
                    boolean script = command.equals("EVALSHA") || command.equals("EVAL");
                    if (script) {
                        scriptsSeen.incrementAndGet();
                        if (dropAt < 0 && dropArmed.compareAndSet(true, false)) {
                            dropAt = sent;
                        }
                    }
                    sent++;
                    raw.writeTo(out);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other side or a cut closed the connection
            } finally {
                reset(client);
                reset(upstream);
            }
        }

        void replies() {
            long received = 0;
            try (InputStream in = new BufferedInputStream(upstream.getInputStream(), 65536);
                    OutputStream out = client.getOutputStream()) {
                while (true) {
                    ByteArrayOutputStream raw = new ByteArrayOutputStream(256);
                    boolean reply = readValue(in, raw);
                    if (!reply) {
                        continue; // an attribute or a push: not the answer to a request
                    }
                    if (received++ == dropAt) {
                        if (raw.toByteArray()[0] == '-') {
                            // The script did not run (NOSCRIPT, an error): relay it and wait for the next one.
                            dropAt = -1;
                            dropArmed.set(true);
                        } else {
                            // The script ran (this is its reply); the client must not learn it.
                            repliesDropped.incrementAndGet();
                            return;
                        }
                    }
                    raw.writeTo(out);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other side or a cut closed the connection
            } finally {
                reset(client);
                reset(upstream);
            }
        }
    }

    /**
     * Reads one request (a RESP array of bulk strings, or an inline command) into {@code raw}; returns its command
     * name in upper case, or null at the end of the stream.
     */
    static String readRequest(InputStream in, ByteArrayOutputStream raw) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        raw.write(type);
        if (type != '*') {
            String line = ((char) type) + readLine(in, raw); // inline command
            String[] words = line.trim().split("\\s+");
            return words.length == 0 ? "" : words[0].toUpperCase(Locale.ROOT);
        }
        int n = Integer.parseInt(readLine(in, raw));
        String command = "";
        for (int i = 0; i < n; i++) {
            int t = in.read();
            if (t != '$') {
                throw new IOException("not a bulk string in a request: " + t);
            }
            raw.write(t);
            byte[] bulk = readBulk(in, raw, Integer.parseInt(readLine(in, raw)));
            if (i == 0) {
                command = new String(bulk, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
            }
        }
        return command;
    }

    /**
     * Reads one RESP2/RESP3 value into {@code raw}. Returns false for values that answer no request: an attribute
     * (which precedes the reply it describes) or an out-of-band push.
     */
    static boolean readValue(InputStream in, ByteArrayOutputStream raw) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException();
        }
        raw.write(type);
        String line = readLine(in, raw);
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(' -> {
                return true;
            }
            case '$', '!', '=' -> {
                int len = Integer.parseInt(line);
                if (len >= 0) {
                    readBulk(in, raw, len);
                }
                return true;
            }
            case '*', '~', '>' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < n; i++) {
                    readValue(in, raw);
                }
                return type != '>';
            }
            case '%', '|' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < 2 * n; i++) {
                    readValue(in, raw);
                }
                return type != '|';
            }
            default -> throw new IOException("unknown RESP type " + (char) type);
        }
    }

    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            raw.write(b);
            if (b == '\r') {
                int lf = in.read();
                if (lf < 0) {
                    throw new EOFException();
                }
                raw.write(lf);
                return line.toString();
            }
            line.append((char) b);
        }
    }

    private static byte[] readBulk(InputStream in, ByteArrayOutputStream raw, int len) throws IOException {
        byte[] data = in.readNBytes(len + 2); // the bytes and CRLF
        if (data.length < len + 2) {
            throw new EOFException();
        }
        raw.write(data);
        byte[] bulk = new byte[len];
        System.arraycopy(data, 0, bulk, 0, len);
        return bulk;
    }

    /** Closes with an RST (SO_LINGER 0), as a dead network path would look. */
    private void reset(Socket socket) {
        open.remove(socket);
        try {
            if (!socket.isClosed()) {
                socket.setSoLinger(true, 0);
            }
        } catch (SocketException ignored) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
