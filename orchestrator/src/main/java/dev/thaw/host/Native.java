package dev.thaw.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** The few Linux calls the JDK has no API for, through the FFM API (Java 22+). */
public final class Native {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 1 << 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private Native() {
    }

    /**
     * Atomically swaps two paths ({@code renameat2(RENAME_EXCHANGE)}): a replaced image is never
     * missing, not even for an instant, and never half-written.
     *
     * @return false when the kernel or the file system does not support the exchange
     */
    public static boolean exchange(Path a, Path b) {
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle renameat2 = LINKER.downcallHandle(LIBC.find("renameat2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MemorySegment pa = arena.allocateFrom(a.toString());
            MemorySegment pb = arena.allocateFrom(b.toString());
            return (int) renameat2.invokeExact(AT_FDCWD, pa, AT_FDCWD, pb, RENAME_EXCHANGE) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
