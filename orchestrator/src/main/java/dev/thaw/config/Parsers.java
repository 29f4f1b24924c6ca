package dev.thaw.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Value parsers shared by the settings (thaw bench's too); each error message says what is accepted. */
public final class Parsers {
    private Parsers() {
    }

    public static Function<String, Integer> intIn(int min, int max) {
        return s -> {
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a whole number");
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException("expected " + min + ".." + max);
            }
            return v;
        };
    }

    /** Seconds, with an optional unit: 30, 30s, 500ms, 2m. */
    public static Function<String, Duration> duration(Duration min) {
        return s -> {
            Duration d;
            try {
                if (s.endsWith("ms")) {
                    d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
                } else if (s.endsWith("s")) {
                    d = Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
                } else if (s.endsWith("m")) {
                    d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
                } else {
                    d = Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected seconds, e.g. 30, 30s, 500ms or 2m");
            }
            if (d.compareTo(min) < 0) {
                throw new IllegalArgumentException("must be at least " + min.toMillis() + " ms");
            }
            return d;
        };
    }

    /** A comma-separated list of positive whole numbers, or false (an empty list: off). */
    public static Function<String, List<Integer>> countsOrFalse() {
        return s -> {
            if (s.equalsIgnoreCase("false") || s.equalsIgnoreCase("off")) {
                return List.of();
            }
            List<Integer> counts = new ArrayList<>();
            for (String part : s.split(",")) {
                try {
                    int v = Integer.parseInt(part.strip());
                    if (v < 1) {
                        throw new NumberFormatException();
                    }
                    counts.add(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected request counts like 500,1000,2000 (each >= 1), or false");
                }
            }
            return List.copyOf(counts);
        };
    }

    /** Any text, trimmed; empty means not set. */
    public static Function<String, String> text() {
        return String::strip;
    }

    public static Function<String, Boolean> bool() {
        return s -> switch (s.toLowerCase()) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    public static Function<String, Long> mebibytes() {
        return s -> {
            try {
                long v = Long.parseLong(s);
                if (v < 0) {
                    throw new IllegalArgumentException("expected MiB >= 0 (0 = off)");
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected MiB, a whole number (0 = off)");
            }
        };
    }

    public static Function<String, String> oneOf(String... values) {
        return s -> {
            for (String v : values) {
                if (v.equals(s)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("expected one of " + String.join(", ", values));
        };
    }

    /** {@code HOST:PORT} ({@code [::1]:9191} for IPv6) or {@code off}; port 0 lets the kernel pick a free one. */
    public static Function<String, Optional<InetSocketAddress>> addressOrOff() {
        return s -> {
            if (s.equalsIgnoreCase("off")) {
                return Optional.empty();
            }
            int colon = s.lastIndexOf(':');
            String host = colon > 0 ? s.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("expected HOST:PORT (e.g. 127.0.0.1:9191, 0.0.0.0:9191) or off");
            }
            int port = intIn(0, 65535).apply(s.substring(colon + 1));
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("unknown host '" + host + "'");
            }
            return Optional.of(address);
        };
    }
}
