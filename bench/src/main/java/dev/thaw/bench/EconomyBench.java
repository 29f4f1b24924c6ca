package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.ThawException;
import dev.thaw.bench.BenchResult.Economy;
import dev.thaw.bench.BenchResult.Generation;
import dev.thaw.bench.BenchResult.ImageVariant;
import dev.thaw.bench.BenchResult.Sharing;
import dev.thaw.criu.Criu;
import dev.thaw.criu.RestoreMode;
import dev.thaw.criu.Restorer;
import dev.thaw.host.PageMerging;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What makes an image cheaper to restore and to keep (issue 8), each measured against the bench's
 * own image in the same run:
 *
 * <pre>
 *   1. image economy: an image of a leader with -Dthaw.heap-shrink=false, its size, and restore to
 *      first 200 of both images, interleaved
 *   2. reforking: thaw run --refork-after on a copy of the image until a worker that served load is
 *      dumped as generation 2; then a fresh worker of each generation, interleaved: restore to first
 *      200 and its first second of load
 *   3. page sharing: N workers with page merging from the default image and from the image of a leader
 *      with the JVM's own young-generation sizing (--young-gen-max 0), PSS per worker once merging settled and
 *      after the same fixed load
 * </pre>
 *
 * Kept small (a few runs, 2 workers), so that the whole of scripts/bench stays within 15 minutes.
 */
final class EconomyBench {
    static final String NO_SHRINK_FLAG = "-Dthaw.heap-shrink=false";
    /** thaw checkpoint's options for a leader with the JVM's own young-generation sizing, against thaw's bound by default. */
    static final List<String> JVM_YOUNG_GEN = List.of("--young-gen-max", "0");
    static final int REFORK_WORKERS = 2;
    /** Requests per worker before the one refork; the second threshold is never reached. */
    static final int REFORK_AFTER = 1000;
    static final int SHARING_WORKERS = 2;
    private static final long REFORK_TIMEOUT_MILLIS = 120_000;

    /** Makes an image of a command in a directory, warmed like the bench's own. */
    interface ImageMaker {
        /** {@code thawOptions}: thaw checkpoint's own options for this image, beside the bench's. */
        ImageManifest checkpoint(Path dir, List<String> command, List<String> thawOptions) throws IOException, InterruptedException;

        default ImageManifest checkpoint(Path dir, List<String> command) throws IOException, InterruptedException {
            return checkpoint(dir, command, List.of());
        }
    }

    private final BenchSettings settings;
    private final Criu criu;
    private final Probe probe;
    private final Progress progress;
    private final List<String> notes;
    private final ImageMaker images;

    EconomyBench(BenchSettings settings, Criu criu, Probe probe, Progress progress, List<String> notes, ImageMaker images) {
        this.settings = settings;
        this.criu = criu;
        this.probe = probe;
        this.progress = progress;
        this.notes = notes;
        this.images = images;
    }

    Economy run(Jvms jvms, Restorer standard) throws IOException, InterruptedException {
        List<ImageVariant> variants = imageEconomy(jvms, standard);
        List<Generation> generations = generations(jvms, standard);
        List<Sharing> sharing = sharing(jvms, standard);
        return new Economy(settings.economyRuns(), variants, generations, sharing);
    }

    // ---- 1. image economy ------------------------------------------------------------------------

    private List<ImageVariant> imageEconomy(Jvms jvms, Restorer standard) throws IOException, InterruptedException {
        Restorer unshrunk = makeImage("image-no-shrink", NO_SHRINK_FLAG);
        try {
            List<List<Long>> firstOk = List.of(new ArrayList<>(), new ArrayList<>());
            List<Restorer> both = List.of(standard, unshrunk);
            for (int run = 1; run <= settings.economyRuns(); run++) {
                for (int i = 0; i < both.size(); i++) {
                    Jvms.Running jvm = jvms.restore(both.get(i));
                    firstOk.get(i).add(probe.awaitFirst200(jvm.startedNanos(), jvm::isAlive, "a worker restored from " + imageName(i)));
                    stop(jvms);
                }
                progress.say(String.format("bench: image economy run %d/%d: first 200 after %d ms (heap shrunk) vs %d ms (not shrunk)",
                        run, settings.economyRuns(), firstOk.get(0).get(run - 1), firstOk.get(1).get(run - 1)));
            }
            return List.of(variant("heap shrunk before the dump (default)", "", standard, firstOk.get(0)),
                    variant("heap not shrunk", NO_SHRINK_FLAG, unshrunk, firstOk.get(1)));
        } finally {
            ImageDirectory.deleteRecursively(unshrunk.image()); // as large as the committed heap: not kept longer than needed
        }
    }

    private static String imageName(int i) {
        return i == 0 ? "the image" : "the image made with " + NO_SHRINK_FLAG;
    }

    private static ImageVariant variant(String label, String flag, Restorer from, List<Long> firstOk) {
        ImageManifest m = from.manifest();
        return new ImageVariant(label, flag, m.imageBytes(), m.dumpMillis(), Summary.of(firstOk));
    }

    // ---- 2. reforking ----------------------------------------------------------------------------

    private List<Generation> generations(Jvms jvms, Restorer generation1) throws IOException, InterruptedException {
        Path dir = settings.workDir().resolve("image-refork");
        copy(generation1.image(), dir);
        try {
            if (!refork(dir)) {
                return List.of();
            }
            Restorer generation2 = new Restorer(criu, dir, ImageManifest.read(dir),
                    Files.createDirectories(settings.workDir().resolve("restores")), generation1.mode());
            List<Restorer> both = List.of(generation1, generation2);
            List<List<Long>> firstOk = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<LoadGenerator.Window>> firstSecond = List.of(new ArrayList<>(), new ArrayList<>());
            for (int run = 1; run <= settings.economyRuns(); run++) {
                for (int i = 0; i < both.size(); i++) {
                    Jvms.Running jvm = jvms.restore(both.get(i));
                    firstOk.get(i).add(probe.awaitFirst200(jvm.startedNanos(), jvm::isAlive, "a generation-" + (i + 1) + " worker"));
                    LoadGenerator.Recording load = LoadGenerator.run(settings.load(), settings.connections(),
                            BenchSettings.FIRST_SECOND_MILLIS);
                    firstSecond.get(i).add(load.window(0, BenchSettings.FIRST_SECOND_MILLIS));
                    stop(jvms);
                    Traffic t = load.window(0, BenchSettings.FIRST_SECOND_MILLIS).traffic();
                    progress.say(String.format("bench: refork run %d/%d: generation %d: first 200 after %d ms; first second: %.0f req/s, "
                            + "p50 %.1f ms, p99 %.1f ms", run, settings.economyRuns(), i + 1, firstOk.get(i).get(run - 1),
                            t.requestsPerSecond(), t.p50Ms(), t.p99Ms()));
                }
            }
            List<Generation> result = new ArrayList<>();
            for (int i = 0; i < both.size(); i++) {
                ImageManifest m = both.get(i).manifest();
                result.add(new Generation(m.generation(), m.madeFrom(), m.imageBytes(), Summary.of(firstOk.get(i)),
                        Traffic.pool(firstSecond.get(i))));
            }
            return result;
        } finally {
            ImageDirectory.deleteRecursively(dir);
        }
    }

    /**
     * thaw run with one refork: load until a worker reaches {@link #REFORK_AFTER} requests and is
     * dumped as generation 2, and until a worker restored from it is ready. False (with a note)
     * when that did not happen in time: the report then says so instead of comparing.
     */
    private boolean refork(Path image) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(settings.thawCommand());
        command.addAll(List.of("run", "--image", image.toString(), "--workers", Integer.toString(REFORK_WORKERS), "--ksm", "false",
                "--refork-after", REFORK_AFTER + ",1000000000", "--restore-mode", settings.restoreMode(), "--socket", settings.workDir().resolve("refork.sock").toString(),
                "--http-address", "off"));
        progress.say("bench: refork: thaw run --workers " + REFORK_WORKERS + " --refork-after " + REFORK_AFTER + " under load");
        try (LoggedProcess pool = LoggedProcess.start(command, settings.workDir().resolve("thaw-run-refork.log"))) {
            if (pool.await(Pattern.compile("all " + REFORK_WORKERS + " workers ready"), 0,
                    TimeUnit.SECONDS.toMillis(settings.readyTimeoutSeconds())).isEmpty()) {
                throw new ThawException("thaw run --refork-after did not get its workers ready in time; its last lines:" + pool.tail(15));
            }
            LoadGenerator.Running load = LoadGenerator.start(settings.load(), settings.connections() * REFORK_WORKERS,
                    REFORK_TIMEOUT_MILLIS, LoadGenerator.Reuse.NEW_CONNECTION_PER_REQUEST);
            Optional<LoggedProcess.Found> made = pool.await(Pattern.compile("refork: generation 2 made from (.*?) \\("), 0,
                    REFORK_TIMEOUT_MILLIS);
            Optional<LoggedProcess.Found> rolled = made.isEmpty() ? Optional.empty()
                    : pool.await(Pattern.compile("gen=2 .*ready in"), made.get().index(), REFORK_TIMEOUT_MILLIS);
            load.stop();
            pool.stop(30);
            if (rolled.isEmpty()) {
                notes.add("The refork did not complete within " + REFORK_TIMEOUT_MILLIS / 1000 + " s (see thaw-run-refork.log in the"
                        + " work directory, --keep-work): generations 1 and 2 were not compared. Last lines:"
                        + pool.tail(5).replace('\n', ' '));
                return false;
            }
            progress.say("bench: refork: generation 2 made from " + made.get().group(1));
            return true;
        }
    }

    private static void copy(Path from, Path to) throws IOException, InterruptedException {
        ImageDirectory.deleteRecursively(to);
        Criu.ProcessResult r = Criu.ProcessResult.run(List.of("cp", "-a", from.toString(), to.toString()), 120);
        if (r.exitCode() != 0) {
            throw new ThawException("could not copy the image to " + to + ": " + r.firstLine());
        }
    }

    // ---- 3. page sharing -------------------------------------------------------------------------

    private List<Sharing> sharing(Jvms jvms, Restorer standard) throws IOException, InterruptedException {
        if (!PageMerging.status().kernelSupport()) {
            notes.add("The kernel has no KSM: per-worker PSS of the default leader and the one with the JVM's young generation was not measured.");
            return List.of();
        }
        Restorer jvmSized = makeImage("image-jvm-young-gen", List.of(), JVM_YOUNG_GEN);
        try {
            return List.of(sharing(jvms, standard, "default", ""),
                    sharing(jvms, jvmSized, "the JVM's young generation", "thaw checkpoint " + String.join(" ", JVM_YOUNG_GEN)));
        } finally {
            ImageDirectory.deleteRecursively(jvmSized.image());
        }
    }

    private Sharing sharing(Jvms jvms, Restorer from, String label, String flag) throws IOException, InterruptedException {
        PageMerging.Status status = PageMerging.enableForChildren();
        try {
            if (!status.active()) {
                throw new ThawException("page merging could not be turned on for the sharing comparison: " + status.describe());
            }
            List<Jvms.Running> workers = new ArrayList<>();
            for (int i = 0; i < SHARING_WORKERS; i++) {
                workers.add(jvms.restore(from));
            }
            if (!jvms.awaitReady(workers, Duration.ofSeconds(settings.readyTimeoutSeconds()))) {
                throw new ThawException("not all of " + SHARING_WORKERS + " workers restored from the " + label + " image became ready:"
                        + " see the restore logs in " + settings.workDir().resolve("restores"));
            }
            if (!new MemoryBench(settings, probe, progress, notes).awaitMergingSettled(workers, SHARING_WORKERS)) {
                notes.add("Page merging of the " + label + " image's workers had not settled after " + settings.ksmWaitSeconds()
                        + " s (--ksm-wait): their idle PSS was measured as it was.");
            }
            long idle = perWorkerPss(workers);
            LoadGenerator.Recording load = LoadGenerator.run(settings.load(), settings.connections() * SHARING_WORKERS,
                    settings.sharingSeconds() * 1000L);
            long loaded = perWorkerPss(workers);
            double rps = load.window(0, settings.sharingSeconds() * 1000L).traffic().requestsPerSecond();
            stop(jvms);
            progress.say(String.format("bench: sharing: %s%s: PSS per worker %s merged, %s after %d s of load (%.0f req/s)", label,
                    flag.isEmpty() ? "" : " (" + flag + ")", Bytes.human(idle), Bytes.human(loaded), settings.sharingSeconds(), rps));
            return new Sharing(label, flag, SHARING_WORKERS, settings.sharingSeconds(), rps, idle, loaded);
        } finally {
            PageMerging.disableForChildren();
            status.previous().ifPresent(PageMerging::restore);
        }
    }

    private static long perWorkerPss(List<Jvms.Running> workers) {
        return ProcessMemory.sum(workers.stream().flatMap(w -> w.pids().stream()).toList()).pssBytes() / workers.size();
    }

    // ---------------------------------------------------------------------------------------------

    /** An image of the app with one JVM flag added to the leader's command line. */
    private Restorer makeImage(String name, String flag) throws IOException, InterruptedException {
        return makeImage(name, List.of(flag), List.of());
    }

    /** An image of the app with JVM flags added to the leader's command line and thaw checkpoint's own options. */
    private Restorer makeImage(String name, List<String> flags, List<String> thawOptions) throws IOException, InterruptedException {
        Path dir = settings.workDir().resolve(name);
        List<String> command = new ArrayList<>(settings.command());
        command.addAll(1, flags);
        ImageManifest manifest = images.checkpoint(dir, command, thawOptions);
        List<String> made = new ArrayList<>(flags);
        made.addAll(thawOptions);
        progress.say("bench: image with " + String.join(" ", made) + ": " + Bytes.human(manifest.imageBytes()));
        return new Restorer(criu, dir, manifest, Files.createDirectories(settings.workDir().resolve("restores")),
                RestoreMode.choose(settings.restoreMode(), criu).mode());
    }

    private void stop(Jvms jvms) throws InterruptedException {
        jvms.killAll();
        probe.awaitFree();
    }
}
