package dev.thaw.lifecycle.guardrail;

import java.util.regex.Pattern;

/**
 * One allowlist entry, {@code KIND:PATTERN=REASON}, e.g.
 * {@code connection:*:5432=pool is suspended, not closed} or {@code file:/var/log/app/*.log=reopened by logback}.
 * The pattern is a glob ({@code *} any characters, {@code ?} one) over what the report shows for that
 * kind: {@code host:port} of the remote end (connection), of the local end (listen, udp), a path
 * (unix, file) or a thread name. A reason is required: an allowlist entry is a decision someone made.
 */
public record AllowRule(Kind kind, String pattern, String reason) {

    public AllowRule {
        if (pattern.isBlank()) {
            throw new IllegalArgumentException("empty pattern");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("no reason given: write KIND:PATTERN=REASON, e.g. 'listen:*:9090=admin port, closed by the agent'");
        }
    }

    public static AllowRule parse(String text) {
        String s = text.strip();
        int colon = s.indexOf(':');
        int equals = s.indexOf('=', Math.max(colon, 0));
        if (colon <= 0 || equals < 0) {
            throw new IllegalArgumentException("allowlist entry '" + text + "' is not KIND:PATTERN=REASON"
                    + " (e.g. 'connection:127.0.0.1:5432=suspended pool, evicted on restore')");
        }
        try {
            return new AllowRule(Kind.ofKeyword(s.substring(0, colon).strip()), s.substring(colon + 1, equals).strip(),
                    s.substring(equals + 1).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("allowlist entry '" + text + "': " + e.getMessage(), e);
        }
    }

    public boolean matches(Offender o) {
        return o.kind() == kind && glob(pattern).matcher(o.target()).matches();
    }

    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
        return kind.keyword() + ":" + pattern + "=" + reason;
    }
}
