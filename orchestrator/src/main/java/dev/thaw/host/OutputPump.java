package dev.thaw.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Copies a child's output, line by line, to a sink that prefixes it (e.g. {@code worker=2 | }). */
public final class OutputPump {
    private OutputPump() {
    }

    public static Thread start(InputStream stream, String prefix, Consumer<String> sink) {
        return Thread.ofVirtual().name("thaw-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(prefix + line);
                }
            } catch (IOException e) {
                // the child is gone; nothing more to copy
            }
        });
    }
}
