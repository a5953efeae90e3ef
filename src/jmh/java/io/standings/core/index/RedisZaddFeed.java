package io.standings.core.index;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@code ZADD key score member ...} commands (RESP, 1000 members each) for the same
 * entries {@link IndexMemory} loads, to pipe into {@code redis-cli --pipe}.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.standings.core.index.RedisZaddFeed 10000000 KEY | redis-cli -n 9 --pipe}
 */
public final class RedisZaddFeed {
    private static final int PER_COMMAND = 1000;

    private RedisZaddFeed() {
    }

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]);
        byte[] key = args[1].getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new BufferedOutputStream(System.out, 1 << 20)) {
            for (int from = 0; from < n; from += PER_COMMAND) {
                int count = Math.min(PER_COMMAND, n - from);
                ascii(out, "*" + (2 + 2 * count) + "\r\n$4\r\nZADD\r\n");
                bulk(out, key);
                for (int i = from; i < from + count; i++) {
                    bulk(out, Long.toString((long) BenchData.score(i)).getBytes(StandardCharsets.US_ASCII));
                    bulk(out, BenchData.id(i).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static void bulk(OutputStream out, byte[] value) throws IOException {
        ascii(out, "$" + value.length + "\r\n");
        out.write(value);
        ascii(out, "\r\n");
    }

    private static void ascii(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
    }
}
