package io.standings.testing;

/** Reads values out of the Prometheus text format that {@code /q/metrics} answers. */
public final class Prometheus {

    private Prometheus() {
    }

    /** The sum of every sample of {@code metric} (all label sets), 0 when it has none. */
    public static double sum(String text, String metric) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
