package dev.thaw.it.apps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * What a restored worker does to memory that a copy would never notice and a mapping might: the leader
 * fills warmed data (a pristine part, checksummed, and a part every worker overwrites), then each
 * restored worker, for {@code seconds}:
 * <ul>
 *   <li>overwrites the shared part with its own id, later checks it sees only its own id (a worker's
 *       writes are private, even to pages another worker maps too);</li>
 *   <li>allocates many times its heap with System.gc() (full GCs) in between, and checks the pristine
 *       part byte for byte;</li>
 *   <li>churns native memory: Deflater/Inflater round trips, direct ByteBuffers, short-lived threads.</li>
 * </ul>
 * It prints one line per check, {@code churn worker=N <check> ok|FAILED ...}, then {@code churn worker=N done}.
 * {@code java -cp ... MemoryChurnApp PORT SECONDS}; the port only serves the warm-up's readiness probe.
 */
public final class MemoryChurnApp {
    // 128 KiB chunks (not humongous for G1 at this heap size): 64 MiB pristine, 64 MiB shared
    private static final int CHUNKS = 512;
    private static final int CHUNK_LONGS = 16 * 1024;
    private static final CountDownLatch RESTORED = new CountDownLatch(1);

    private MemoryChurnApp() {
    }

    public static void main(String[] args) throws Exception {
        long[][] pristine = fill(1);
        long[][] shared = fill(2);
        long expected = checksum(pristine);
        Readiness.serveUntilCheckpoint(Integer.parseInt(args[0]), RESTORED::countDown);
        RESTORED.await();

        String me = "churn worker=" + System.getProperty("thaw.worker.id");
        long id = Long.parseLong(System.getProperty("thaw.worker.id")) + 1000;
        long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
        report(me, "pristine-at-restore", checksum(pristine) == expected, "");
        for (long[] chunk : shared) {
            Arrays.fill(chunk, id);
        }
        int rounds = 0;
        long allocated = 0;
        while (System.nanoTime() < deadline) {
            allocated += churnHeap();
            System.gc();
            churnNative();
            rounds++;
        }
        long foreign = Arrays.stream(shared).flatMapToLong(Arrays::stream).filter(v -> v != id).count();
        report(me, "own-writes-only", foreign == 0, foreign + " foreign values");
        report(me, "pristine-after-churn", checksum(pristine) == expected,
                rounds + " rounds, " + (allocated >> 20) + " MiB allocated, heap max " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        System.out.println(me + " done");
        Thread.sleep(Long.MAX_VALUE);
    }

    private static long[][] fill(long seed) {
        long[][] data = new long[CHUNKS][CHUNK_LONGS];
        long x = seed;
        for (long[] chunk : data) {
            for (int i = 0; i < chunk.length; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                chunk[i] = x;
            }
        }
        return data;
    }

    private static long checksum(long[][] data) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = ByteBuffer.allocate(CHUNK_LONGS * 8);
        for (long[] chunk : data) {
            b.clear();
            b.asLongBuffer().put(chunk);
            crc.update(b.array());
        }
        return crc.getValue();
    }

    /** Allocates about 256 MiB of short- and medium-lived objects. */
    private static long churnHeap() {
        List<byte[]> keep = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < 4096; i++) {
            byte[] b = new byte[64 * 1024];
            b[i % b.length] = (byte) i;
            bytes += b.length;
            if (i % 16 == 0) {
                keep.add(b);
            }
            if (keep.size() > 64) {
                keep.clear();
            }
        }
        return bytes;
    }

    private static final AtomicLong THREAD_SUM = new AtomicLong();

    private static void churnNative() throws Exception {
        byte[] input = new byte[1 << 20];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) ((i * 31) ^ (i >>> 7));
        }
        Deflater deflater = new Deflater();
        deflater.setInput(input);
        deflater.finish();
        byte[] packed = new byte[2 << 20];
        int n = deflater.deflate(packed);
        deflater.end();
        Inflater inflater = new Inflater();
        inflater.setInput(packed, 0, n);
        byte[] unpacked = new byte[input.length];
        try {
            inflater.inflate(unpacked);
        } catch (DataFormatException e) {
            throw new IllegalStateException(e);
        } finally {
            inflater.end();
        }
        if (!Arrays.equals(input, unpacked)) {
            throw new IllegalStateException("zlib round trip differs");
        }
        for (int i = 0; i < 8; i++) {
            ByteBuffer direct = ByteBuffer.allocateDirect((1 + i) << 20);
            for (int p = 0; p < direct.capacity(); p += 4096) {
                direct.put(p, (byte) (p >>> 12));
            }
            for (int p = 0; p < direct.capacity(); p += 4096) {
                if (direct.get(p) != (byte) (p >>> 12)) {
                    throw new IllegalStateException("direct buffer lost a write");
                }
            }
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int k = i;
            threads.add(Thread.ofPlatform().start(() -> THREAD_SUM.addAndGet(Arrays.stream(new long[4096]).map(v -> k).sum())));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void report(String me, String check, boolean ok, String detail) {
        System.out.println(me + " " + check + " " + (ok ? "ok" : "FAILED") + (detail.isEmpty() ? "" : " (" + detail + ")"));
    }
}
