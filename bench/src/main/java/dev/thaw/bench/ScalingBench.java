package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.bench.BenchResult.RestoreFigures;
import dev.thaw.bench.BenchResult.ScaledImage;
import dev.thaw.bench.BenchResult.ScaledRestore;
import dev.thaw.bench.BenchResult.Scaling;
import dev.thaw.criu.Criu;
import dev.thaw.criu.Restorer;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a restore's time grows with the image: the app checkpointed a second time with a leader flag
 * that makes its image larger (a bigger dataset), then one worker at a time restored from each image
 * in each mode, interleaved (small map, large map, small copy, large copy, then again), timed to its
 * first 200, with CRIU's own restore time and what it mapped and copied. A copy grows with the image;
 * a map should not.
 */
final class ScalingBench {
    private final BenchSettings settings;
    private final Criu criu;
    private final Probe probe;
    private final Progress progress;
    private final List<String> notes;
    private final EconomyBench.ImageMaker images;

    ScalingBench(BenchSettings settings, Criu criu, Probe probe, Progress progress, List<String> notes, EconomyBench.ImageMaker images) {
        this.settings = settings;
        this.criu = criu;
        this.probe = probe;
        this.progress = progress;
        this.notes = notes;
        this.images = images;
    }

    /** {@code small}: the bench's own image, one restorer per mode to measure (map first when it can). */
    Scaling run(Jvms jvms, ImageManifest smallManifest, List<Restorer> small) throws IOException, InterruptedException {
        String flag = settings.largeImageFlag();
        Path dir = settings.workDir().resolve("image-large");
        ImageManifest largeManifest = images.checkpoint(dir, withFlag(settings.command(), flag));
        try {
            double ratio = Summary.ratio(largeManifest.imageBytes(), smallManifest.imageBytes());
            progress.say(String.format("bench: large image (%s): %s, %.2fx the bench's image", flag, Bytes.human(largeManifest.imageBytes()), ratio));
            if (ratio < 2) {
                notes.add(String.format("The larger image (%s) is only %.2fx the size of the bench's own, not the 2x its comparison asks for:"
                        + " give a larger setting (scripts/bench: BENCH_LARGE_DATASET_MB).", flag, ratio));
            }
            Path restores = Files.createDirectories(settings.workDir().resolve("restores"));
            List<Restorer> large = small.stream().map(r -> new Restorer(criu, dir, largeManifest, restores, r.mode())).toList();
            int modes = small.size();
            // [image][mode]: first 200 and CRIU's stats of every run
            List<List<List<Long>>> firstOk = new ArrayList<>();
            List<List<List<Jvms.Running>>> restored = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                firstOk.add(new ArrayList<>());
                restored.add(new ArrayList<>());
                for (int m = 0; m < modes; m++) {
                    firstOk.get(i).add(new ArrayList<>());
                    restored.get(i).add(new ArrayList<>());
                }
            }
            for (int run = 1; run <= settings.largeImageRuns(); run++) {
                StringBuilder line = new StringBuilder(String.format("bench: image size run %d/%d:", run, settings.largeImageRuns()));
                for (int m = 0; m < modes; m++) {
                    for (int i = 0; i < 2; i++) {
                        Restorer from = i == 0 ? small.get(m) : large.get(m);
                        Jvms.Running jvm = jvms.restore(from);
                        long ok = probe.awaitFirst200(jvm.startedNanos(), jvm::isAlive,
                                "a worker restored (" + from.mode().label() + ") from the " + (i == 0 ? "bench's" : "larger") + " image");
                        jvms.awaitReady(List.of(jvm), Duration.ofSeconds(5)); // its READY may follow its first 200: for its figures
                        restored.get(i).get(m).add(jvm);
                        firstOk.get(i).get(m).add(ok);
                        jvms.killAll();
                        probe.awaitFree();
                        line.append(String.format(" %s %s %d ms;", i == 0 ? "small" : "large", from.mode().label(), ok));
                    }
                }
                progress.say(line.toString());
            }
            List<ScaledImage> result = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ImageManifest manifest = i == 0 ? smallManifest : largeManifest;
                List<ScaledRestore> restoresOf = new ArrayList<>();
                for (int m = 0; m < modes; m++) {
                    String mode = small.get(m).mode().label();
                    restoresOf.add(new ScaledRestore(mode, Summary.of(firstOk.get(i).get(m)), Jvms.figures(mode, restored.get(i).get(m))));
                }
                result.add(new ScaledImage(i == 0 ? "the bench's image" : "larger image", i == 0 ? "" : flag, manifest.imageBytes(),
                        manifest.dumpMillis(), restoresOf));
            }
            return new Scaling(settings.largeImageRuns(), result);
        } finally {
            ImageDirectory.deleteRecursively(dir);
        }
    }

    /**
     * The app's command with a JVM flag: it replaces the command's own setting of the same name before the main class or
     * {@code -jar} ({@code -Dname=}, {@code -Xmx}, {@code -Xms}, {@code -XX:name=}, {@code -XX:±name}), else it is added
     * right after the java executable. The JVM would take the last of two settings, but which is last should not depend
     * on where the flag went.
     */
    static List<String> withFlag(List<String> command, String flag) {
        List<String> c = new ArrayList<>(command);
        String key = key(flag);
        for (int i = 1; i < c.size(); i++) {
            String arg = c.get(i);
            if (arg.equals("-jar") || !arg.startsWith("-")) {
                break; // the app's own arguments follow
            }
            if (key.equals(key(arg))) {
                c.set(i, flag);
                return c;
            }
        }
        c.add(1, flag);
        return c;
    }

    private static String key(String flag) {
        if (flag.startsWith("-D") || flag.startsWith("-XX:")) {
            int eq = flag.indexOf('=');
            String name = eq < 0 ? flag : flag.substring(0, eq);
            return name.startsWith("-XX:+") || name.startsWith("-XX:-") ? "-XX:" + name.substring(5) : name;
        }
        for (String prefix : List.of("-Xmx", "-Xms", "-Xss", "-Xmn")) {
            if (flag.startsWith(prefix)) {
                return prefix;
            }
        }
        return flag;
    }
}
