package dev.thaw.leader;

import dev.thaw.ThawException;
import dev.thaw.host.ListeningPorts;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The leader's warm-up, as {@code thaw checkpoint} and {@code thaw check} run it: wait for the first warm-up URL
 * to answer 200, send the warm-up requests, then go on while the JIT is busy ({@code --warmup-jit-wait}). A
 * rehearsed checkpoint ({@code --checkpoint-rehearsal}) runs it twice: once from the leader's cold start, and
 * again after the rehearsal's afterRestore, when the leader must serve again within {@link #AFTER_REHEARSAL_TIMEOUT}.
 */
final class LeaderWarmup {
    /** One round of {@link #warmUntilJitSettles}: long enough for the JIT's work to show in its threads' CPU time. */
    static final Duration JIT_ROUND = Duration.ofSeconds(1);
    /** How long the leader may take, after the rehearsal's afterRestore, to answer the first warm-up URL again. */
    static final Duration AFTER_REHEARSAL_TIMEOUT = Duration.ofSeconds(60);
    /**
     * With a JIT wait, the warm-up after the rehearsal goes on until at least this many requests were sent since the
     * rehearsal, settled or not. The rehearsal throws some of the request path's compiled code away (the server
     * stopping and starting: Tomcat's ThreadPoolExecutor.getTask, AbstractQueuedSynchronizer.acquire), and HotSpot
     * compiles a method with C2 again only after ~5,000 calls at its profiling tier (Tier4InvocationThreshold; 15,000
     * calls and loops, Tier4CompileThreshold). Meanwhile the compilers are idle, so the JIT looks settled: the Spring
     * sample's second warm-up stopped after 4,800 requests in one bench run, those methods were dumped at the
     * profiling tier, and every worker compiled them in its first second (p99 2.97x its steady state's, against
     * 1.19x in a run whose second warm-up happened to send 9,600).
     */
    static final long AFTER_REHEARSAL_MIN_REQUESTS = 15_000;

    private final Progress progress;

    LeaderWarmup(Progress progress) {
        this.progress = progress;
    }

    /**
     * What the warm-up did: how long the leader took to answer its first 200, how many requests were answered 200,
     * and whether the leader listened on the warm-up's port right after (before beforeCheckpoint may close it;
     * empty when /proc cannot tell).
     */
    record Warmed(long coldStartMillis, long answered200, Optional<Boolean> leaderListens) {
        /** This warm-up followed by {@code next}, in the same leader: its cold start, both answers, next's listening. */
        Warmed then(Warmed next) {
            return new Warmed(coldStartMillis, answered200 + next.answered200(), next.leaderListens());
        }
    }

    /** The warm-up from the leader's start ({@code started}): its first 200 is the cold start. */
    Warmed first(CheckpointRequest request, Process leader, long started) throws InterruptedException {
        return warmUp(request, leader, started, false);
    }

    /** The warm-up again, after the rehearsal's afterRestore. */
    Warmed afterRehearsal(CheckpointRequest request, Process leader) throws InterruptedException {
        return warmUp(request, leader, System.nanoTime(), true);
    }

    /** {@code thaw check}: the leader answers the first warm-up URL again after its afterRestore, as the rehearsal needs. */
    void awaitServingAgain(CheckpointRequest request, Process leader) throws InterruptedException {
        try (Warmup warmup = new Warmup(request.warmupUrls())) {
            Duration bound = afterRehearsalBound(request);
            if (!warmup.awaitFirst200(bound, leader::isAlive)) {
                Checkpointer.failIfExited(leader, "after its afterRestore");
                throw notServingAgain(request, bound);
            }
        }
        progress.say("the leader served again after its afterRestore: the checkpoint's rehearsal (--checkpoint-rehearsal) will work");
    }

    private static Duration afterRehearsalBound(CheckpointRequest request) {
        return request.readyTimeout().compareTo(AFTER_REHEARSAL_TIMEOUT) <= 0 ? request.readyTimeout() : AFTER_REHEARSAL_TIMEOUT;
    }

    private static ThawException notServingAgain(CheckpointRequest request, Duration bound) {
        return new ThawException(request.warmupUrls().get(0) + " did not answer 200 within " + bound.toSeconds() + " s of the"
                + " leader's afterRestore after the checkpoint's rehearsal: the app does not reopen what its beforeCheckpoint closed"
                + " in the same JVM (CRaC asks it to); fix that, or give --checkpoint-rehearsal false");
    }

    /** {@code rehearsed}: the second warm-up, after the rehearsal's afterRestore (its first 200 is not a cold start). */
    private Warmed warmUp(CheckpointRequest request, Process leader, long started, boolean rehearsed) throws InterruptedException {
        if (request.warmupUrls().isEmpty()) {
            return new Warmed(0, 0, Optional.empty());
        }
        try (Warmup warmup = new Warmup(request.warmupUrls())) {
            progress.say("waiting for " + request.warmupUrls().get(0) + " to answer 200");
            Duration bound = rehearsed ? afterRehearsalBound(request) : request.readyTimeout();
            if (!warmup.awaitFirst200(bound, leader::isAlive)) {
                Checkpointer.failIfExited(leader, "before answering " + request.warmupUrls().get(0));
                throw rehearsed ? notServingAgain(request, bound) : new ThawException(request.warmupUrls().get(0) + " did not answer 200"
                        + " within " + bound.toSeconds() + " s: check the URL and port, or raise --ready-timeout");
            }
            long coldStart = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            progress.say("leader answered 200 after " + coldStart + " ms" + (rehearsed ? " (its afterRestore after the rehearsal)" : " (cold start)"));
            long answered = 1; // the readiness probe
            if (request.warmupRequests() > 0) {
                Warmup.Sent sent = warmup.send(request.warmupRequests(), progress);
                Checkpointer.failIfExited(leader, "during warm-up");
                if (sent.failed() == request.warmupRequests()) {
                    throw new ThawException("no warm-up request answered 200: check --warmup-url");
                }
                answered += sent.answered200();
            }
            answered += warmUntilJitSettles(warmup, leader, request.warmupJitWait(),
                    rehearsed ? AFTER_REHEARSAL_MIN_REQUESTS - request.warmupRequests() : 0);
            return new Warmed(coldStart, answered, ListeningPorts.holds(leader.pid(), SharedPort.portsOf(request.warmupUrls())));
        }
    }

    /**
     * After the warm-up requests, goes on warming in rounds while the leader's JIT compilers used more than a tenth
     * of a core in the last round, for at most {@code max}. A JIT that has not settled at the dump leaves its work to
     * every worker: measured on the sample app after 2000 warm-up requests, a restored worker's compiler threads used
     * 300-400 ms of CPU in each of its first 10 seconds of load, against under 400 ms in all after 60,000.
     * Rounds go on, settled or not, until {@code minRequests} were sent (see {@link #AFTER_REHEARSAL_MIN_REQUESTS}).
     * Returns how many of its requests were answered 200.
     */
    private long warmUntilJitSettles(Warmup warmup, Process leader, Duration max, long minRequests) {
        if (max.isZero()) {
            return 0;
        }
        JitActivity jit = new JitActivity(leader.pid());
        long deadline = System.nanoTime() + max.toNanos();
        long requests = 0;
        long answered200 = 0;
        for (int round = 1; ; round++) {
            long cpuBefore = jit.compilerCpuMillis();
            long roundStart = System.nanoTime();
            Warmup.Sent sent = warmup.sendFor(JIT_ROUND);
            long wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - roundStart);
            long compilerMillis = Math.max(0, jit.compilerCpuMillis() - cpuBefore);
            requests += sent.requests();
            answered200 += sent.answered200();
            Checkpointer.failIfExited(leader, "during warm-up");
            if (sent.requests() > 0 && sent.failed() == sent.requests()) {
                throw new ThawException("no warm-up request answered 200 while waiting for the JIT to settle: check --warmup-url");
            }
            String figures = round + " round(s), " + requests + " more requests; the JIT's compilers used " + compilerMillis
                    + " ms of CPU in the last " + wallMillis + " ms";
            if (compilerMillis * 10 <= wallMillis && requests >= minRequests) {
                progress.say("warm-up: the JIT has settled after " + figures);
                return answered200;
            }
            if (System.nanoTime() >= deadline) {
                String state = compilerMillis * 10 <= wallMillis
                        ? "has sent fewer than " + minRequests + " requests since the checkpoint's rehearsal"
                        : "the JIT is still compiling";
                progress.say("warm-up: " + state + " after --warmup-jit-wait " + max.toSeconds() + " s (" + figures
                        + "): workers compile the rest on their first requests; a longer --warmup-jit-wait warms them further");
                return answered200;
            }
        }
    }
}
