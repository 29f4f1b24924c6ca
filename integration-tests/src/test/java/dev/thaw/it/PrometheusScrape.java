package dev.thaw.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.skywalking.oap.server.library.util.prometheus.Parser;
import org.apache.skywalking.oap.server.library.util.prometheus.Parsers;
import org.apache.skywalking.oap.server.library.util.prometheus.metrics.Histogram;
import org.apache.skywalking.oap.server.library.util.prometheus.metrics.Metric;
import org.apache.skywalking.oap.server.library.util.prometheus.metrics.MetricFamily;
import org.apache.skywalking.oap.server.library.util.prometheus.metrics.MetricType;

/**
 * A /metrics response read by a Prometheus text-format parser (Apache SkyWalking's), the way a scraper
 * reads it. That parser skips lines it cannot read, so {@link #parse} also checks that every family
 * declared by a TYPE line came out with that type and, for counters and gauges, with every sample line:
 * a malformed line fails the test instead of vanishing.
 */
final class PrometheusScrape {
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);

    private final Map<String, MetricFamily> families;

    private PrometheusScrape(Map<String, MetricFamily> families) {
        this.families = families;
    }

    static PrometheusScrape parse(String text) throws IOException {
        Parser parser = Parsers.text(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        Map<String, MetricFamily> families = new HashMap<>();
        for (MetricFamily f = parser.parse(System.currentTimeMillis()); f != null; f = parser.parse(System.currentTimeMillis())) {
            families.put(f.getName(), f);
        }
        Matcher m = TYPE.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            MetricFamily f = families.get(name);
            if (f == null || f.getType() != MetricType.valueOf(m.group(2).toUpperCase())) {
                throw new AssertionError("family " + name + " (" + m.group(2) + ") did not parse as declared: " + f + "\n" + text);
            }
            if (f.getType() == MetricType.COUNTER || f.getType() == MetricType.GAUGE) {
                long lines = text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).count();
                if (lines != f.getMetrics().size()) {
                    throw new AssertionError(name + ": " + lines + " sample lines but " + f.getMetrics().size() + " parsed\n" + text);
                }
            }
        }
        return new PrometheusScrape(families);
    }

    List<Metric> metrics(String family) {
        return Optional.ofNullable(families.get(family)).map(MetricFamily::getMetrics).orElse(List.of());
    }

    /** The value of the one sample of {@code family} whose labels include {@code labels}. */
    double value(String family, Map<String, String> labels) {
        List<Metric> matching = metrics(family).stream().filter(x -> x.getLabels().entrySet().containsAll(labels.entrySet())).toList();
        if (matching.size() != 1) {
            throw new AssertionError(matching.size() + " samples of " + family + " with " + labels + ": " + metrics(family));
        }
        return matching.get(0).value();
    }

    double sum(String family) {
        return metrics(family).stream().mapToDouble(Metric::value).sum();
    }

    /** The observation count of an unlabelled histogram. */
    long histogramCount(String family) {
        List<Metric> h = metrics(family);
        if (h.size() != 1 || !(h.get(0) instanceof Histogram histogram)) {
            throw new AssertionError(family + " is not one histogram: " + h);
        }
        return histogram.getSampleCount();
    }

    /** Observations of a histogram over all its label sets. */
    long histogramCounts(String family) {
        return metrics(family).stream().mapToLong(m -> ((Histogram) m).getSampleCount()).sum();
    }
}
