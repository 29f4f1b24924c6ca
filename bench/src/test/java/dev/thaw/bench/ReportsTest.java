package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportsTest {
    @Test
    void a_written_bench_json_renders_again_into_the_same_markdown(@TempDir Path dir) throws Exception {
        BenchResult result = Fixtures.allTargetsMet();
        Reports.write(result, dir.resolve("first"));
        BenchResult read = Reports.read(dir.resolve("first/bench.json"));
        assertEquals(MarkdownReport.render(result, "img"), MarkdownReport.render(read, "img"));
        Reports.write(read, dir.resolve("again"));
        assertEquals(Files.readString(dir.resolve("first/bench.md")), Files.readString(dir.resolve("again/bench.md")));
        assertTrue(Files.size(dir.resolve("again/img/memory.png")) > 5_000);
    }
}
