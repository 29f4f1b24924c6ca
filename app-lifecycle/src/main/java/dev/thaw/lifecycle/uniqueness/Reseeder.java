package dev.thaw.lifecycle.uniqueness;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gives a restored worker random state of its own, before any afterRestore runs. Every worker starts
 * from the same snapshot, so without this each one would draw the same "random" numbers: the same
 * session tokens, UUIDs, jitter and retry backoff.
 *
 * <p>Reseeded, with fresh bytes from the kernel:
 * <ul>
 *   <li>each {@link SecureRandom} created before the checkpoint ({@code setSeed} mixes into the state:
 *       SHA1PRNG and DRBG add it to their state, NativePRNG to its mixing generator);</li>
 *   <li>the JDK's hidden seeders that new SHA1PRNG and DRBG instances are seeded from, so that instances
 *       created after the restore differ too;</li>
 *   <li>the generator behind {@code UUID.randomUUID()};</li>
 *   <li>{@code ThreadLocalRandom}: the seed of every live thread that has used it, and the seeder of
 *       threads yet to use it;</li>
 *   <li>{@code Math.random()}, {@code StrictMath.random()}, and the seed uniquifiers of {@code new Random()}
 *       and {@code new SplittableRandom()}.</li>
 * </ul>
 * Not reseeded: {@code java.util.Random} and {@code SplittableRandom} instances the app holds (thaw cannot
 * find them; detective mode lists the Randoms). Each step is independent: one that fails on an unusual
 * JDK is reported and the others still run.
 */
public final class Reseeder {
    private final List<String> problems = new ArrayList<>();
    private int secureRandoms;
    private int threads;

    private Reseeder() {
    }

    /** Reseeds everything it can; {@link #problems()} says what it could not. */
    public static Reseeder run() {
        Reseeder r = new Reseeder();
        r.step("SecureRandom instances", r::secureRandoms);
        r.step("the SHA1PRNG seeder", () -> setSeed(staticField("sun.security.provider.SecureRandom$SeederHolder", "seeder"), "engineSetSeed"));
        r.step("the DRBG seeder", Reseeder::drbgSeeder);
        r.step("UUID.randomUUID", () -> ((SecureRandom) staticField("java.util.UUID$Holder", "numberGenerator")).setSeed(Entropy.bytes(32)));
        r.step("ThreadLocalRandom", r::threadLocalRandom);
        r.step("Math.random", () -> ((Random) staticField("java.lang.Math$RandomNumberGeneratorHolder", "randomNumberGenerator")).setSeed(Entropy.nextLong()));
        r.step("StrictMath.random", () -> ((Random) staticField("java.lang.StrictMath$RandomNumberGeneratorHolder", "randomNumberGenerator")).setSeed(Entropy.nextLong()));
        r.step("new Random()", () -> ((AtomicLong) staticField("java.util.Random", "seedUniquifier")).set(Entropy.nextLong()));
        r.step("new SplittableRandom()", () -> ((AtomicLong) staticField("java.util.SplittableRandom", "defaultGen")).set(Entropy.nextLong()));
        return r;
    }

    /** What could not be reseeded, one line each; empty when everything was. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** How many SecureRandoms and threads the last run reseeded, for the worker's log line. */
    public String summary() {
        return secureRandoms + " SecureRandom, " + threads + " thread seeds";
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String what, Step step) {
        try {
            step.run();
        } catch (Exception | LinkageError e) {
            problems.add("could not reseed " + what + ": " + e);
        }
    }

    private void secureRandoms() {
        if (!SecureRandoms.enabled()) {
            throw new IllegalStateException("the agent did not hook SecureRandom (see its first lines of output)");
        }
        for (SecureRandom random : SecureRandoms.live()) {
            random.setSeed(Entropy.bytes(32));
            secureRandoms++;
        }
    }

    /** The DRBG seeder is a lambda around a HashDrbg ("first"); reseeding that draws fresh entropy from the OS. */
    private static void drbgSeeder() throws ReflectiveOperationException {
        Object seeder = staticField("sun.security.provider.AbstractDrbg$SeederHolder", "seeder");
        Class<?> drbg = Class.forName("sun.security.provider.AbstractDrbg");
        for (Field f : seeder.getClass().getDeclaredFields()) {
            if (drbg.isAssignableFrom(f.getType())) {
                f.setAccessible(true);
                Method reseed = drbg.getDeclaredMethod("engineReseed", java.security.SecureRandomParameters.class);
                reseed.setAccessible(true);
                reseed.invoke(f.get(seeder), (Object) null);
                return;
            }
        }
        throw new NoSuchFieldException("no DRBG captured by " + seeder.getClass().getName());
    }

    /**
     * A thread's ThreadLocalRandom state lives in three fields of {@link Thread}. A thread that never used
     * it (probe 0) initialises it on first use from the seeder, which is reseeded too.
     */
    private void threadLocalRandom() throws ReflectiveOperationException {
        ((AtomicLong) staticField("java.util.concurrent.ThreadLocalRandom", "seeder")).set(Entropy.nextLong());
        ((AtomicInteger) staticField("java.util.concurrent.ThreadLocalRandom", "probeGenerator")).set((int) Entropy.nextLong());
        Field seed = field(Thread.class, "threadLocalRandomSeed");
        Field probe = field(Thread.class, "threadLocalRandomProbe");
        Field secondary = field(Thread.class, "threadLocalRandomSecondarySeed");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (probe.getInt(t) != 0) {
                seed.setLong(t, Entropy.nextLong());
                secondary.setInt(t, (int) Entropy.nextLong() | 1);
                threads++;
            }
        }
    }

    private static void setSeed(Object spi, String method) throws ReflectiveOperationException {
        Method m = spi.getClass().getDeclaredMethod(method, byte[].class);
        m.setAccessible(true);
        m.invoke(spi, (Object) Entropy.bytes(32));
    }

    private static Object staticField(String className, String name) throws ReflectiveOperationException {
        return field(Class.forName(className), name).get(null);
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
