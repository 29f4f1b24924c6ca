package dev.thaw.control;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;

/**
 * Who is at the other end of an accepted control connection, as the kernel says it ({@code
 * SO_PEERCRED}): the process that connected, its PID translated by the kernel into thaw's own PID
 * namespace, and its user and group. A peer can claim any role or slot in HELLO; it cannot forge
 * these. They are how thaw learns a restored worker's host PID: every worker sees the leader's PID
 * inside its own namespace, and walking the restore's process tree only guesses.
 *
 * <p>The JDK exposes only the user and group ({@code ExtendedSocketOptions.SO_PEERCRED}), so the
 * call is made through the FFM API on the channel's file descriptor, which the JDK keeps in {@code
 * sun.nio.ch} (thaw's jar exports it to itself with {@code Add-Exports: java.base/sun.nio.ch}).
 */
public record PeerCredentials(long pid, int uid, int gid) {
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final MemoryLayout UCRED = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("pid"), ValueLayout.JAVA_INT.withName("uid"), ValueLayout.JAVA_INT.withName("gid"));
    private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /** Whether the peer runs as root or as the user this process runs as: who may steer a pool (thaw status, scale, reload). */
    public boolean isRootOrSelf() {
        return uid == 0 || uid == dev.thaw.host.HostProcess.selfUid();
    }

    /**
     * Whether the peer still exists and runs in thaw's own PID namespace (its /proc/PID/ns/pid is
     * thaw's). Workers run in namespaces of their own; a process that is gone proves nothing.
     */
    public boolean sharesPidNamespaceWithThaw() {
        try {
            java.nio.file.Path theirs = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc", Long.toString(pid), "ns", "pid"));
            return theirs.equals(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")));
        } catch (java.io.IOException | UnsupportedOperationException gone) {
            return false;
        }
    }

    /**
     * The peer's PID namespace ({@code pid:[4026532123]}) when it is not thaw's own: a worker's, shared by
     * everything the worker forks. Empty for a process of thaw's own namespace, or one that is gone.
     */
    public java.util.Optional<String> foreignPidNamespace() {
        try {
            java.nio.file.Path theirs = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc", Long.toString(pid), "ns", "pid"));
            return theirs.equals(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")))
                    ? java.util.Optional.empty() : java.util.Optional.of(theirs.toString());
        } catch (java.io.IOException | UnsupportedOperationException gone) {
            return java.util.Optional.empty();
        }
    }

    /** The credentials of {@code channel}'s peer, fixed by the kernel when it connected. */
    public static PeerCredentials of(SocketChannel channel) throws UnavailableException {
        int fd = fileDescriptor(channel);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ucred = arena.allocate(UCRED);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, (int) UCRED.byteSize());
            int rc = (int) GETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_PEERCRED, ucred, length);
            if (rc != 0) {
                throw new UnavailableException("getsockopt(SO_PEERCRED) failed on the control connection");
            }
            return new PeerCredentials(ucred.get(ValueLayout.JAVA_INT, 0), ucred.get(ValueLayout.JAVA_INT, 4),
                    ucred.get(ValueLayout.JAVA_INT, 8));
        } catch (UnavailableException e) {
            throw e;
        } catch (Throwable t) {
            throw new UnavailableException("getsockopt(SO_PEERCRED) failed: " + t);
        }
    }

    /**
     * Fails at start-up, with the fix, when this JVM cannot read a channel's file descriptor: better
     * than a pool whose workers are all refused one by one.
     */
    public static void requireSupported() throws UnavailableException {
        try (SocketChannel probe = SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            fileDescriptor(probe);
        } catch (java.io.IOException e) {
            throw new UnavailableException("cannot open a Unix socket: " + e.getMessage());
        }
    }

    private static int fileDescriptor(SocketChannel channel) throws UnavailableException {
        try {
            Method getFdVal = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
            return (int) getFdVal.invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new UnavailableException("cannot read the control connection's file descriptor (" + e
                    + "): run thaw through scripts/thaw or 'java -jar thaw.jar', or add --add-exports java.base/sun.nio.ch=ALL-UNNAMED");
        }
    }

    /** The kernel could not say who the peer is: such a peer is refused, never trusted. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }
}
