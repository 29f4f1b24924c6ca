package dev.thaw.bench;

import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.bench.BenchResult.Startup;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The report's PNG charts, drawn headless with XChart. */
public final class Charts {
    private static final Color[] COLORS = {new Color(0x9e9e9e), new Color(0x5b8def), new Color(0xef6c3a), new Color(0x2e9d5b)};

    private Charts() {
    }

    /** Writes startup.png, latency.png and memory.png into {@code dir}; returns their paths. */
    public static List<Path> write(BenchResult r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        files.add(save(startup(r), dir.resolve("startup.png")));
        files.add(save(latency(r), dir.resolve("latency.png")));
        files.add(save(memory(r), dir.resolve("memory.png")));
        return files;
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
        Styler styler = chart.getStyler();
        styler.setSeriesColors(COLORS);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        return chart;
    }

    private static Path save(CategoryChart chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
