package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    @Test
    void every_chart_is_written_as_a_png_headless(@TempDir Path dir) throws Exception {
        List<Path> files = Charts.write(Fixtures.allTargetsMet(), dir);
        assertEquals(List.of("startup.png", "latency.png", "timeline.png", "memory.png", "memory-per-worker.png"),
                files.stream().map(f -> f.getFileName().toString()).toList());
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            assertTrue(bytes.length > 5_000, f + " is only " + bytes.length + " bytes");
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 4), f.toString());
        }
    }

    @Test
    void the_memory_per_worker_chart_has_a_series_per_setup_and_one_for_the_reference_server() {
        var chart = Charts.memoryPerWorker(Fixtures.allTargetsMet());
        assertEquals(5, chart.getSeriesMap().size(), chart.getSeriesMap().keySet().toString());
        assertTrue(chart.getSeriesMap().containsKey("gunicorn --preload"));
    }

    @Test
    void the_timeline_has_a_line_per_mode_and_the_restored_steady_state_for_reference() {
        var chart = Charts.timeline(Fixtures.allTargetsMet());
        assertEquals(4, chart.getSeriesMap().size(), chart.getSeriesMap().keySet().toString());
    }
}
