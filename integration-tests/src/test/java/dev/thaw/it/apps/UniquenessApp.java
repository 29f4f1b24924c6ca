package dev.thaw.it.apps;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A leader that uses every kind of randomness thaw must make unique per worker before the checkpoint,
 * then, in each restored worker, prints one line of fresh draws from each and the environment it sees:
 *
 * <pre>unique worker=0 sha1=.. drbg=.. native=.. default=.. token=.. uuid=.. tlr=.. math=.. GREETING=..</pre>
 *
 * ThreadLocalRandom is drawn on the main thread, which existed (and drew) before the checkpoint.
 * {@code java -cp ... UniquenessApp PORT}; the port only serves the warm-up's readiness probe and is
 * closed in beforeCheckpoint.
 */
public final class UniquenessApp {
    private static final CountDownLatch RESTORED = new CountDownLatch(1);

    private UniquenessApp() {
    }

    public static void main(String[] args) throws Exception {
        SecureRandom sha1 = SecureRandom.getInstance("SHA1PRNG");
        SecureRandom drbg = SecureRandom.getInstance("DRBG");
        SecureRandom nativePrng = SecureRandom.getInstance("NativePRNG");
        SecureRandom tokens = new SecureRandom();
        for (SecureRandom r : new SecureRandom[] {sha1, drbg, nativePrng, tokens}) {
            r.nextBytes(new byte[16]); // seeded and used before the checkpoint
        }
        UUID.randomUUID();
        ThreadLocalRandom.current().nextLong();
        Math.random();

        Readiness.serveUntilCheckpoint(Integer.parseInt(args[0]), RESTORED::countDown);
        RESTORED.await();

        System.out.println("unique worker=" + System.getProperty("thaw.worker.id")
                + " sha1=" + hex(sha1) + " drbg=" + hex(drbg) + " native=" + hex(nativePrng)
                + " default=" + hex(new SecureRandom()) + " token=" + hex(tokens)
                + " uuid=" + UUID.randomUUID() + " tlr=" + ThreadLocalRandom.current().nextLong()
                + " math=" + Math.random() + " GREETING=" + System.getenv("GREETING")
                + " prop=" + System.getProperty("greeting.prop"));
        Thread.sleep(Long.MAX_VALUE);
    }

    private static String hex(SecureRandom r) {
        byte[] b = new byte[16];
        r.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
