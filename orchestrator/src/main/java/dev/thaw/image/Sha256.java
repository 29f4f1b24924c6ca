package dev.thaw.image;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * SHA-256 of a file, by OpenSSL's libcrypto when the host has it, by the JDK otherwise; both give the
 * same digest.
 *
 * <p>Why not always the JDK's: thaw's CLI runs with C1 only ({@code -XX:TieredStopAtLevel=1}, for its
 * start-up), and only C2 compiles the JDK's SHA-256 to the CPU's SHA instructions. Measured on the
 * project's 2 shared cores (load average 7), 400 MiB in the page cache: the JDK under C1 8-15 s, under
 * C2 1.3-1.7 s; libcrypto ({@code EVP_sha256}, SHA-NI) 0.5-0.8 s through this class (about 0.3 s on a
 * quiet machine, by {@code openssl speed}). An image is hashed whenever a pool pins it, so that is the
 * difference between a pool start of a second and one of ten (docs/images.md).
 */
public final class Sha256 {
    static final int BUFFER = 1 << 20;

    /** Loaded on first use: the manifest's seal, hashed in memory, needs no native access. */
    private static final class Holder {
        static final Optional<LibCrypto> LIBCRYPTO = LibCrypto.load();
    }

    private Sha256() {
    }

    /** Size and lowercase hex SHA-256 of one file's content. */
    public record Result(long size, String hex) {
    }

    /** Reads {@code file} once, to its end. */
    public static Result of(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER, 64);
            try (Hasher hasher = Holder.LIBCRYPTO.isPresent() ? Holder.LIBCRYPTO.get().hasher(arena) : new JdkHasher()) {
                return hash(channel, buffer, hasher);
            }
        }
    }

    private static Result hash(FileChannel channel, MemorySegment buffer, Hasher hasher) throws IOException {
        long size = 0;
        ByteBuffer view = buffer.asByteBuffer();
        int n;
        while ((n = channel.read(view.clear())) >= 0) {
            hasher.update(buffer, n);
            size += n;
        }
        return new Result(size, HexFormat.of().formatHex(hasher.finish()));
    }

    /**
     * SHA-256 of files whose bytes pass through here one piece at a time, as an archive is unpacked: the bytes are
     * hashed on their way to the file, so that a file is written and checked in one pass ({@link ImageArchive#unpack}).
     * One native buffer for all the files; confined to the thread that made it.
     */
    public static final class Streaming implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment segment = arena.allocate(BUFFER, 64);
        private final ByteBuffer buffer = segment.asByteBuffer();
        private Hasher hasher;
        private long size;

        /** The buffer to fill (from position 0) before {@link #update}: direct, so that it is also written without a copy. */
        public ByteBuffer buffer() {
            return buffer;
        }

        /** Starts the digest of the next file. */
        public void begin() throws IOException {
            endHasher();
            hasher = Holder.LIBCRYPTO.isPresent() ? Holder.LIBCRYPTO.get().hasher(arena) : new JdkHasher();
            size = 0;
        }

        /** Hashes the buffer's first {@code n} bytes. */
        public void update(int n) throws IOException {
            hasher.update(segment, n);
            size += n;
        }

        /** The digest of everything given since {@link #begin}. */
        public Result finish() throws IOException {
            Result r = new Result(size, HexFormat.of().formatHex(hasher.finish()));
            endHasher();
            return r;
        }

        private void endHasher() {
            if (hasher != null) {
                hasher.close();
                hasher = null;
            }
        }

        @Override
        public void close() {
            endHasher();
            arena.close();
        }
    }

    /** SHA-256 of bytes in memory (a manifest's canonical content): small, the JDK's is fine. */
    public static byte[] of(byte[] bytes) {
        return jdk().digest(bytes);
    }

    /** Which implementation hashes files here, for 'thaw doctor' and the tests. */
    public static String implementation() {
        return Holder.LIBCRYPTO.isPresent() ? "libcrypto (OpenSSL)" : "the JDK";
    }

    /** The JDK's, whatever the host has: the tests compare both. */
    static Result ofWithJdk(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            JdkHasher hasher = new JdkHasher();
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            long size = 0;
            int n;
            while ((n = channel.read(buffer.clear())) >= 0) {
                hasher.digest.update(buffer.flip());
                size += n;
            }
            return new Result(size, HexFormat.of().formatHex(hasher.finish()));
        }
    }

    private static MessageDigest jdk() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private interface Hasher extends AutoCloseable {
        void update(MemorySegment buffer, int length) throws IOException;

        byte[] finish() throws IOException;

        @Override
        default void close() {
        }
    }

    private static final class JdkHasher implements Hasher {
        private final MessageDigest digest = jdk();

        @Override
        public void update(MemorySegment buffer, int length) {
            digest.update(buffer.asSlice(0, length).asByteBuffer());
        }

        @Override
        public byte[] finish() {
            return digest.digest();
        }
    }

    /** OpenSSL's EVP digest API (stable since 1.1), looked up once; absent when the host has no libcrypto.so.3 or .so.1.1. */
    private record LibCrypto(MethodHandle ctxNew, MethodHandle ctxFree, MethodHandle sha256, MethodHandle init,
                             MethodHandle update, MethodHandle digestFinal) {
        static Optional<LibCrypto> load() {
            for (String name : new String[] {"libcrypto.so.3", "libcrypto.so.1.1"}) {
                try {
                    SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
                    Linker linker = Linker.nativeLinker();
                    ValueLayout.OfInt i = ValueLayout.JAVA_INT;
                    var a = ValueLayout.ADDRESS;
                    return Optional.of(new LibCrypto(
                            linker.downcallHandle(lib.find("EVP_MD_CTX_new").orElseThrow(), FunctionDescriptor.of(a)),
                            linker.downcallHandle(lib.find("EVP_MD_CTX_free").orElseThrow(), FunctionDescriptor.ofVoid(a)),
                            linker.downcallHandle(lib.find("EVP_sha256").orElseThrow(), FunctionDescriptor.of(a)),
                            linker.downcallHandle(lib.find("EVP_DigestInit_ex").orElseThrow(), FunctionDescriptor.of(i, a, a, a)),
                            linker.downcallHandle(lib.find("EVP_DigestUpdate").orElseThrow(),
                                    FunctionDescriptor.of(i, a, a, ValueLayout.JAVA_LONG)),
                            linker.downcallHandle(lib.find("EVP_DigestFinal_ex").orElseThrow(), FunctionDescriptor.of(i, a, a, a))));
                } catch (IllegalArgumentException | IllegalCallerException | java.util.NoSuchElementException e) {
                    // not this one (or native access not enabled): try the next, then the JDK
                }
            }
            return Optional.empty();
        }

        /** A context of its own, freed by the hasher's close. */
        Hasher hasher(Arena arena) throws IOException {
            MemorySegment ctx;
            try {
                ctx = (MemorySegment) ctxNew.invokeExact();
                if (ctx.equals(MemorySegment.NULL)) {
                    throw new IOException("EVP_MD_CTX_new failed");
                }
                check((int) init.invokeExact(ctx, (MemorySegment) sha256.invokeExact(), MemorySegment.NULL), "EVP_DigestInit_ex");
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException("libcrypto: " + t, t);
            }
            MemorySegment digest = arena.allocate(32);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            return new Hasher() {
                @Override
                public void update(MemorySegment buffer, int n) throws IOException {
                    try {
                        check((int) update.invokeExact(ctx, buffer, (long) n), "EVP_DigestUpdate");
                    } catch (IOException e) {
                        throw e;
                    } catch (Throwable t) {
                        throw new IOException("libcrypto: " + t, t);
                    }
                }

                @Override
                public byte[] finish() throws IOException {
                    try {
                        check((int) digestFinal.invokeExact(ctx, digest, length), "EVP_DigestFinal_ex");
                    } catch (IOException e) {
                        throw e;
                    } catch (Throwable t) {
                        throw new IOException("libcrypto: " + t, t);
                    }
                    return digest.toArray(ValueLayout.JAVA_BYTE);
                }

                @Override
                public void close() {
                    free(ctx);
                }
            };
        }

        private void free(MemorySegment ctx) {
            try {
                ctxFree.invokeExact(ctx);
            } catch (Throwable ignored) {
                // freeing a context cannot fail
            }
        }

        private static void check(int ok, String call) throws IOException {
            if (ok != 1) {
                throw new IOException(call + " failed");
            }
        }
    }
}
