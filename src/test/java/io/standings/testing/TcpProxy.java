package io.standings.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on a free loopback port, so that a test can make one server unreachable for its own
 * application only (the shared server keeps running for everybody else): {@link #cut()} resets every open
 * connection and refuses new ones (the listening socket is closed, so connects get "connection refused"),
 * {@link #restore()} listens on the same port again. One daemon accept thread; two pump threads per
 * connection.
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile int port;
    private volatile boolean closed;

    public TcpProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** Listens on a free port of 127.0.0.1. */
    public synchronized TcpProxy start() {
        listen(0);
        return this;
    }

    public int port() {
        return port;
    }

    /** Closes every open connection (with a reset) and refuses new connections until {@link #restore()}. */
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
            Thread accept = new Thread(() -> acceptLoop(s), "tcp-proxy-accept-" + port);
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
                    reset(client); // cut meanwhile
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream = new Socket();
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 5000);
                open.add(client);
                open.add(upstream);
                if (server != s) { // a cut raced with this accept: do not let the pair outlive it
                    reset(client);
                    reset(upstream);
                    continue;
                }
                pump(client, upstream, "up");
                pump(upstream, client, "down");
            } catch (IOException e) {
                reset(client);
                if (upstream != null) {
                    reset(upstream);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other side or a cut closed the connection
            } finally {
                reset(from);
                reset(to);
            }
        }, "tcp-proxy-" + direction + "-" + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    /** Closes with an RST (SO_LINGER 0), as a dead network path or a killed server would look. */
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
