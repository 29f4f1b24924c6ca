package dev.thaw.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a result as {@code bench.json}, {@code bench.md} and {@code img/*.png} into one directory. */
public final class Reports {
    private Reports() {
    }

    public static ObjectMapper json() {
        return new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.INDENT_OUTPUT)
                // derived figures (Summary.isEmpty, per-worker bytes) are written for readers and recomputed on reading
                .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** A result written by {@link #write}, to render again. */
    public static BenchResult read(Path json) throws IOException {
        return json().readValue(json.toFile(), BenchResult.class);
    }

    public static List<Path> write(BenchResult result, Path dir) throws IOException {
        return write(result, dir, List.of());
    }

    /** The same, with the first second of other apps measured in the same run in bench.md (their own bench.json stays theirs). */
    public static List<Path> write(BenchResult result, Path dir, List<OtherApp> others) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        Path json = dir.resolve("bench.json");
        json().writeValue(json.toFile(), result);
        files.add(json);
        Path md = dir.resolve("bench.md");
        Files.writeString(md, MarkdownReport.render(result, "img", others));
        files.add(md);
        files.addAll(Charts.write(result, dir.resolve("img")));
        return files;
    }
}
