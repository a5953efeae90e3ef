import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Floors for the read benchmarks: the Vert.x/Netty HTTP server Standings runs on (same jars, native epoll
 * transport, as many event loops as Quarkus starts by default), doing nothing but answering.
 * <ul>
 *   <li>any GET: a fixed JSON body the size of an entry lookup's answer (for wrk);</li>
 *   <li>{@code GET /sse}: a {@code text/event-stream} that gets, every {@code interval} ms, a top-10 frame of
 *       the size Standings sends whose first score is the current time in ms (for {@code SseFanout} with a
 *       rate of 0: its push delay is then the fan-out alone). Like Standings, a write has no completion
 *       listener and a client whose connection holds more than 16 KiB unsent skips a round.</li>
 * </ul>
 * What the load tools measure against it is the best any service on this stack can do on this machine;
 * the gap to Standings is Standings' own work.
 *
 * java -cp 'target/quarkus-app/lib/main/*' deploy/bench/floor/HttpFloor.java port [event loops] [interval ms]
 */
public class HttpFloor {
    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int loops = args.length > 1 ? Integer.parseInt(args[1]) : 2 * Runtime.getRuntime().availableProcessors();
        long interval = args.length > 2 ? Long.parseLong(args[2]) : 50;
        Buffer body = Buffer.buffer(("{\"board\":\"big0\",\"entity\":\"e000000000123456\",\"score\":123456.0,"
                + "\"rank\":876544,\"ordinalRank\":876544,\"total\":1000000,\"percentile\":12.3456,"
                + "\"updatedAt\":\"2026-12-02T03:00:00.000Z\",\"asOf\":1000006}").getBytes(StandardCharsets.UTF_8));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        for (int i = 0; i < loops; i++) { // one server instance per loop, as Quarkus deploys its HTTP server
            Context context = vertx.getOrCreateContext();
            List<HttpServerResponse> streams = new ArrayList<>();
            long[] nextId = {1};
            context.runOnContext(ignored -> {
                vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1")).requestHandler(req -> {
                    if (req.path().equals("/sse") || req.path().endsWith("/stream")) {
                        HttpServerResponse response = req.response().setWriteQueueMaxSize(16 * 1024).setChunked(true)
                                .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
                        response.writeHead();
                        streams.add(response);
                        response.closeHandler(closed -> streams.remove(response));
                    } else {
                        req.response().putHeader("Content-Type", "application/json;charset=UTF-8").end(body);
                    }
                }).listen().onFailure(e -> { e.printStackTrace(); System.exit(1); });
                vertx.setPeriodic(interval, timer -> {
                    if (streams.isEmpty()) {
                        return;
                    }
                    byte[] json = top10(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
                    for (HttpServerResponse stream : streams) {
                        if (!stream.writeQueueFull()) {
                            Buffer frame = Buffer.buffer(json.length + 40).appendString("id:" + nextId[0]++)
                                    .appendString("\nevent:top\ndata:").appendBytes(json).appendString("\n\n");
                            stream.write(frame, null);
                        }
                    }
                });
            });
        }
        System.out.printf("HTTP floor on 127.0.0.1:%d, %d event loops, SSE every %d ms, native transport %s%n", port,
                loops, interval, vertx.isNativeTransportEnabled());
    }

    /** A top-10 list as Standings writes it (≈ 780 bytes), the first score being {@code now}. */
    static String top10(long now) {
        StringBuilder s = new StringBuilder("{\"board\":\"fan\",\"limit\":10,\"total\":1000000,\"entries\":[");
        for (int i = 0; i < 10; i++) {
            s.append(i == 0 ? "" : ",").append("{\"entity\":\"e00000000012345").append(i).append("\",\"score\":")
                    .append(i == 0 ? now + ".0" : "99999.0").append(",\"rank\":").append(i + 1)
                    .append(",\"ordinalRank\":").append(i + 1).append('}');
        }
        return s.append("],\"asOf\":1000000}").toString();
    }
}
