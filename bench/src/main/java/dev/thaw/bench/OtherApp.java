package dev.thaw.bench;

import dev.thaw.ThawException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another app measured in the same run as the report's own (scripts/bench's Spring sample), by a {@code thaw bench} of its own:
 * its name in the report ("the Spring sample") and that run's result.
 */
public record OtherApp(String name, BenchResult result) {
    /**
     * From {@code --first-second-of NAME=BENCH_JSON}: the name before the first '=', the bench.json of that app's run after it.
     * A bad value is one line naming it and the fix (exit 2).
     */
    static OtherApp parse(String value) {
        int eq = value.indexOf('=');
        if (eq <= 0 || eq == value.length() - 1 || value.substring(0, eq).isBlank()) {
            throw new ThawException(ThawException.EXIT_USAGE, "--first-second-of '" + value
                    + "' is not NAME=BENCH_JSON; give the app's name in the report and its run's bench.json, e.g. 'the Spring sample=spring/bench.json'");
        }
        Path json = Path.of(value.substring(eq + 1));
        if (!Files.isRegularFile(json)) {
            throw new ThawException(ThawException.EXIT_USAGE, "--first-second-of " + value + ": no such file " + json
                    + "; give the bench.json of that app's run");
        }
        try {
            return new OtherApp(value.substring(0, eq).strip(), Reports.read(json));
        } catch (IOException e) {
            throw new ThawException(ThawException.EXIT_USAGE, "--first-second-of " + value + ": " + json + " is not a bench.json of this thaw: "
                    + e.getMessage());
        }
    }
}
