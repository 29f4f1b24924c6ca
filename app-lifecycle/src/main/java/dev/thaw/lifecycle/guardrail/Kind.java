package dev.thaw.lifecycle.guardrail;

/** What the guardrail found, and the allowlist keyword that matches it. */
public enum Kind {
    /** A TCP socket in any connected state (ESTABLISHED, CLOSE_WAIT, ...): the peer will not follow a restore. */
    CONNECTION("connection", "TCP connection"),
    /** A listening TCP socket: every worker would own the same listener. */
    LISTEN("listen", "listening TCP socket"),
    /** A bound UDP socket. */
    UDP("udp", "UDP socket"),
    /** A Unix domain socket other than thaw's own control connection. */
    UNIX("unix", "Unix socket"),
    /** A socket of another family (netlink, packet, ...). */
    SOCKET("socket", "socket"),
    /** A regular file open for writing: CRIU refuses to restore it once its size changed, and workers would share its offset. */
    FILE("file", "file open for writing"),
    /** A thread the app started: reported, refused only with strict threads. */
    THREAD("thread", "thread");

    private final String keyword;
    private final String label;

    Kind(String keyword, String label) {
        this.keyword = keyword;
        this.label = label;
    }

    /** The allowlist keyword: {@code listen:127.0.0.1:9090=reason}. */
    public String keyword() {
        return keyword;
    }

    public String label() {
        return label;
    }

    public static Kind ofKeyword(String keyword) {
        for (Kind k : values()) {
            if (k.keyword.equals(keyword)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown kind '" + keyword + "': expected one of connection, listen, udp, unix, socket, file, thread");
    }
}
