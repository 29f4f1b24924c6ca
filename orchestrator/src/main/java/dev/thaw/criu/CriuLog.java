package dev.thaw.criu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads the reason out of a CRIU log: its first "Error" line, without the timestamp. */
public final class CriuLog {
    private CriuLog() {
    }

    public static Optional<String> firstError(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            // CRIU cannot raise RLIMIT_NOFILE inside a PID namespace and says so as an error; it is harmless.
            return lines.stream().filter(l -> l.contains("Error (") && !l.contains("RLIMIT_NOFILE")).findFirst()
                    .map(l -> l.replaceFirst("^\\([0-9. ]+\\)\\s*", "").strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
