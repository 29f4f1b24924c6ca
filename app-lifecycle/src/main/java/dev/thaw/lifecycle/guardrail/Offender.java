package dev.thaw.lifecycle.guardrail;

import java.util.List;

/**
 * Something open in the leader when the guardrail ran.
 *
 * @param target what allowlist patterns match: {@code host:port} (remote end of a connection, local
 *     end otherwise), a path, or a thread name
 * @param detail the rest of the line: local end, state, fd, thread state and top of stack
 * @param origin where the app created it (app frames, innermost first); empty outside detective mode
 */
public record Offender(Kind kind, String target, String detail, List<String> origin) {

    public Offender {
        origin = List.copyOf(origin);
    }

    Offender withOrigin(List<String> frames) {
        return new Offender(kind, target, detail, frames);
    }

    /** One line: {@code listening TCP socket 0.0.0.0:8080 (fd 12) created at com.example.App.main(App.java:20)}. */
    public String line() {
        String line = kind.label() + " " + target + (detail.isEmpty() ? "" : " " + detail);
        return origin.isEmpty() ? line : line + " created at " + origin.get(0);
    }
}
