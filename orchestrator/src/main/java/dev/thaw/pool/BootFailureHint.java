package dev.thaw.pool;

/**
 * The fix to name when a worker's boot failure has a well-known cause. The commonest in a new setup:
 * the app's server binds its port without SO_REUSEPORT, so the first worker holds it and every other
 * worker's afterRestore fails with "already in use".
 */
final class BootFailureHint {
    private BootFailureHint() {
    }

    /** A parenthesised hint to append to the failure reason, or "" when there is none. */
    static String forReason(String why) {
        if (why != null && why.contains("already in use")) {
            return " (workers share a port only if the app's server sets SO_REUSEPORT: add -Dthaw.reuse-port=true"
                    + " to the java command given to 'thaw checkpoint' (Tomcat, JDK HttpServer, Netty NIO) or use"
                    + " crac-resources' JettyConnectors; if it is set, another process holds the port)";
        }
        return "";
    }
}
