package dev.thaw.bench;

import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.bench.BenchResult.Startup;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.style.Styler;

/** The report's PNG charts, drawn headless with XChart. */
public final class Charts {
    private static final Color[] COLORS = {new Color(0x9e9e9e), new Color(0x5b8def), new Color(0xef6c3a), new Color(0x2e9d5b),
        new Color(0x8e5bd0), new Color(0xc9a227)};

    private Charts() {
    }

    /** Writes startup.png, latency.png, timeline.png, memory.png and memory-per-worker.png into {@code dir}; returns their paths. */
    public static List<Path> write(BenchResult r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        // A run in progress (or one whose scenario failed) has no figures for some charts yet: those are not drawn.
        if (!r.startup().isEmpty()) {
            files.add(save(startup(r), dir.resolve("startup.png")));
            files.add(save(latency(r), dir.resolve("latency.png")));
            files.add(save(timeline(r), dir.resolve("timeline.png")));
        }
        if (!r.memory().isEmpty()) {
            files.add(save(memory(r), dir.resolve("memory.png")));
            files.add(save(memoryPerWorker(r), dir.resolve("memory-per-worker.png")));
        }
        return files;
    }

    /** p99 of each slice of the first seconds of load on a fresh JVM, one line per mode. */
    static XYChart timeline(BenchResult r) {
        XYChart chart = new XYChartBuilder().width(900).height(480)
                .title("p99 latency over the first " + BenchSettings.FRESH_LOAD_MILLIS / 1000 + " s on a fresh JVM (per "
                        + BenchSettings.SLICE_MILLIS + " ms)")
                .xAxisTitle("milliseconds after the first 200").yAxisTitle("p99, milliseconds").build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(true);
        int color = 0;
        for (Startup s : r.startup()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < s.timeline().size(); i++) {
                double p99 = s.timeline().get(i).p99Ms();
                if (!Double.isNaN(p99) && p99 > 0) {
                    x.add((double) i * BenchSettings.SLICE_MILLIS);
                    y.add(p99);
                }
            }
            if (!x.isEmpty()) {
                XYSeries series = chart.addSeries(s.mode().label, x, y);
                series.setMarker(SeriesMarkers.CIRCLE);
                series.setLineColor(COLORS[color % COLORS.length]);
                series.setMarkerColor(COLORS[color % COLORS.length]);
            }
            color++;
        }
        Startup restored = r.restored();
        if (restored != null && !Double.isNaN(restored.steady().p99Ms()) && restored.steady().p99Ms() > 0) {
            double steady = restored.steady().p99Ms();
            XYSeries line = chart.addSeries(restored.mode().label + ", steady state", List.of(0.0, (double) BenchSettings.FRESH_LOAD_MILLIS),
                    List.of(steady, steady));
            line.setMarker(SeriesMarkers.NONE);
            line.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            line.setLineColor(COLORS[3]);
        }
        return chart;
    }

    /** PSS per worker (total / N) for each setup, and the reference pre-fork server's when measured. */
    static CategoryChart memoryPerWorker(BenchResult r) {
        CategoryChart chart = chart("Memory per worker (total PSS / N)", "N workers", "MiB");
        List<String> ns = r.settings().workers().stream().map(String::valueOf).toList();
        for (Setup setup : Setup.values()) {
            List<Number> mib = new ArrayList<>();
            boolean any = false;
            for (int n : r.settings().workers()) {
                Memory m = r.memory(n, setup);
                long bytes = m == null ? 0 : m.perWorkerPssBytes();
                any |= bytes > 0;
                mib.add(bytes / (1024.0 * 1024.0));
            }
            if (any) {
                chart.addSeries(setup.label.replace("N ", ""), ns, mib);
            }
        }
        if (r.reference() != null) {
            List<Number> mib = new ArrayList<>();
            for (int n : r.settings().workers()) {
                BenchResult.ReferenceMemory m = r.reference().memory(n);
                mib.add(m == null ? 0.0 : m.perWorkerPssBytes() / (1024.0 * 1024.0));
            }
            chart.addSeries(r.reference().name() + " --preload", ns, mib);
        }
        return chart;
    }

    static CategoryChart startup(BenchResult r) {
        CategoryChart chart = chart("Time to first HTTP 200 (median of " + r.settings().runs() + " runs)", "", "milliseconds");
        List<String> modes = r.startup().stream().map(s -> s.mode().label).toList();
        chart.addSeries("process start to first 200", modes, r.startup().stream().map(s -> (Number) s.toFirstOk().median()).toList());
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    static CategoryChart latency(BenchResult r) {
        CategoryChart chart = chart("Latency on a fresh JVM (" + r.settings().connections() + " connections)", "", "milliseconds");
        List<String> modes = r.startup().stream().map(s -> s.mode().label).toList();
        chart.addSeries("first second p50", modes, values(r.startup(), s -> s.firstSecond().p50Ms()));
        chart.addSeries("first second p99", modes, values(r.startup(), s -> s.firstSecond().p99Ms()));
        chart.addSeries("steady state p99", modes, values(r.startup(), s -> s.steady().p99Ms()));
        return chart;
    }

    static CategoryChart memory(BenchResult r) {
        CategoryChart chart = chart("Total memory (PSS) of N workers", "N workers", "MiB");
        List<String> ns = r.settings().workers().stream().map(String::valueOf).toList();
        for (Setup setup : Setup.values()) {
            List<Number> mib = new ArrayList<>();
            boolean any = false;
            for (int n : r.settings().workers()) {
                Memory m = r.memory(n, setup);
                long bytes = m == null ? 0 : m.totalPssBytes();
                any |= bytes > 0;
                mib.add(bytes / (1024.0 * 1024.0));
            }
            if (any) {
                chart.addSeries(setup.label, ns, mib);
            }
        }
        return chart;
    }

    private static List<Number> values(List<Startup> startups, java.util.function.ToDoubleFunction<Startup> f) {
        return startups.stream().map(s -> {
            double v = f.applyAsDouble(s);
            return (Number) (Double.isNaN(v) ? 0.0 : v);
        }).toList();
    }

    private static CategoryChart chart(String title, String x, String y) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(480).title(title).xAxisTitle(x).yAxisTitle(y).build();
        style(chart.getStyler());
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        return chart;
    }

    private static void style(Styler styler) {
        styler.setSeriesColors(COLORS);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    }

    private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
