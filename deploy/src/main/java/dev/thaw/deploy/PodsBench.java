package dev.thaw.deploy;

import dev.thaw.testkit.FreePort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pods' part of the benchmark report ({@code sudo scripts/bench --pods}, or alone {@code sudo scripts/bench-pods}):
 * plays the three pods of docs/kubernetes.md with podman, one after the other, once each, and measures their time to
 * readiness the way PodmanPodTest does ({@link PodClock}): a pod whose init container fetches the image a Job made
 * (deploy/k8s/prebuilt), a pod that checkpoints for itself (deploy/k8s), a plain JVM. Writes pods.md (the report's
 * section, {@link PodReadiness#markdown}) and pods.json into {@code --out}.
 *
 * <p>Why here and not in {@code thaw bench}: thaw bench measures any app's command on the host and ships in thaw's
 * release; this plays the repository's own manifests and container image, with the Kubernetes model and podman that
 * only the deploy module has. It is a measurement, not a test: PodmanPodTest proves what these pods do (no leader in a
 * fetching pod, capabilities, refusals), and both share how the image is built and the times are taken.
 *
 * <p>Bounded: the image build (cached layers; a machine's first build, ~10 min, is the slow one) within 30 min, each
 * pod within 4 min to play and 3 min to its first 200; about 2-3 min in all once the image is built.
 */
public final class PodsBench {
    private static final Duration BUILD_BOUND = Duration.ofMinutes(30);
    private static final Duration POD_BOUND = Duration.ofMinutes(4);
    private static final Duration READY_BOUND = Duration.ofMinutes(3);
    private static final Duration SHORT = Duration.ofSeconds(60);
    private static final String APP_USER_ID = "10001";
    private static final Pattern FETCH_FIGURES = Pattern.compile("\\((unpacked and hashed in [0-9.]+ s, synced in [0-9.]+ s)\\)");

    private final Path repo;
    private final Podman podman;
    private final PodClock clock;
    private final List<Path> played = new ArrayList<>();

    private PodsBench(Path repo) {
        this.repo = repo;
        this.podman = new Podman(repo);
        this.clock = new PodClock(podman);
    }

    public static void main(String[] args) {
        Path out = null;
        Path repo = Path.of("").toAbsolutePath();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--repo" -> repo = Path.of(args[i + 1]).toAbsolutePath();
                default -> fail("unknown option " + args[i] + ": give --out DIR [--repo DIR]", 2);
            }
        }
        if (out == null) {
            fail("--out DIR is required: the directory to write pods.md and pods.json into", 2);
        }
        String problem = Podman.problem();
        if (problem != null) {
            fail(problem + ": the pods' figures need podman; install it with scripts/setup, or leave out --pods", 4);
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("the pods run thaw and CRIU as root under podman: run 'sudo scripts/bench --pods'", 4);
        }
        try {
            long start = System.nanoTime();
            PodsBench bench = new PodsBench(repo);
            PodReadiness r = bench.measure();
            long took = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            String podmanVersion = bench.podman.run(SHORT, "--version").output().strip();
            String intro = "One run of each pod, one after the other, played with `podman kube play` (" + podmanVersion + ", runc) from"
                    + " the repository's manifests and `deploy/Dockerfile`, as [docs/kubernetes.md](kubernetes.md#measured-time-to-readiness)"
                    + " describes (`sudo scripts/bench --pods`; this part took " + took + " s, the image's build included). Each pod"
                    + " runs the manifests' own commands: the sample app with a 64 MB dataset, `-Xmx512m`, 2000 warm-up requests,"
                    + " 2 workers. From `podman kube play` to the first 200, polled every 50 ms on the pod's published port; podman"
                    + " runs no probes, so the kubelet's probe period is not in these figures.";
            Files.createDirectories(out);
            Files.writeString(out.resolve("pods.md"), r.markdown(intro));
            Files.writeString(out.resolve("pods.json"), r.json() + "\n");
            r.lines().forEach(l -> System.out.println("pods: " + l));
        } catch (IllegalStateException | AssertionError | IOException e) {
            String message = String.valueOf(e.getMessage());
            fail("pods: " + message.lines().findFirst().orElse(""), 1, message);
        } catch (InterruptedException e) {
            fail("pods: interrupted", 1);
        }
    }

    private PodReadiness measure() throws IOException, InterruptedException {
        System.out.println("pods: building deploy/Dockerfile with podman (cached layers)");
        String image = PodImage.build(podman, repo, "localhost/thaw-sample:bench", BUILD_BOUND);
        PodManifests base = PodManifests.load(repo.resolve("deploy/k8s"));
        PodManifests prebuilt = PodManifests.load(repo.resolve("deploy/k8s/prebuilt"));
        String claim = prebuilt.store().orElseThrow().getMetadata().getName();
        Path store = Files.createTempDirectory("thaw-bench-store", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            // The Job, as it is: the manifests' own checkpoint, packed into the store.
            PodmanPod job = PodmanPod.of("thaw-bench-job", image, FreePort.pick(), FreePort.pick()).withClaim(claim, store);
            Path jobYaml = play(job.name(), job.jobYaml(prebuilt));
            String pack = job.name() + "-" + prebuilt.job().orElseThrow().getSpec().getContainers().get(0).getName();
            awaitExited(pack, Duration.ofMinutes(2));
            if (!"0".equals(inspect(pack, "{{.State.ExitCode}}"))) {
                throw new IllegalStateException("the Job's pack failed:\n" + PodImage.tail(clock.logs(pack), 30));
            }
            down(jobYaml);
            Path archive;
            try (var files = Files.list(store)) {
                archive = files.filter(p -> p.getFileName().toString().matches("thaw-image-[0-9a-f]{64}\\.tar")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("the Job packed no archive into the store"));
            }

            // A pod started afterwards: its init container fetches the Job's image.
            int appPort = FreePort.pick();
            int metricsPort = FreePort.pick();
            PodmanPod fetching = PodmanPod.of("thaw-bench-fetch", image, appPort, metricsPort).withClaim(claim, store);
            String main = fetching.container(prebuilt.runContainer());
            String init = fetching.container(prebuilt.checkpointContainer());
            long start = System.nanoTime();
            Path yaml = play(fetching.name(), fetching.yaml(prebuilt));
            long up = clock.awaitStatus(metricsPort, prebuilt.runContainer().getLivenessProbe().getHttpGet().getPath(), 200, start,
                    READY_BOUND, main);
            long ready = clock.awaitStatus(metricsPort, prebuilt.runContainer().getReadinessProbe().getHttpGet().getPath(), 200, start,
                    READY_BOUND, main);
            String initLog = clock.logs(init);
            if (!initLog.contains("thaw: image /var/lib/thaw/image installed") || initLog.contains("thaw-init: ")) {
                throw new IllegalStateException("the fetching pod did not install the Job's image (it would measure a checkpoint):\n"
                        + PodImage.tail(initLog, 20));
            }
            Matcher figures = FETCH_FIGURES.matcher(initLog);
            String fetchLine = figures.find() ? figures.group(1) : "";
            long fetch = clock.runMillis(init);
            long restore = clock.slowestRestoreMillis(main);
            down(yaml);

            // A pod of deploy/k8s: its init container checkpoints for itself (cold start, warm-up, dump).
            int selfApp = FreePort.pick();
            int selfMetrics = FreePort.pick();
            PodmanPod self = PodmanPod.of("thaw-bench-self", image, selfApp, selfMetrics);
            start = System.nanoTime();
            Path selfYaml = play(self.name(), self.yaml(base));
            long selfReady = clock.awaitStatus(selfMetrics, base.runContainer().getReadinessProbe().getHttpGet().getPath(), 200, start,
                    READY_BOUND, self.container(base.runContainer()));
            down(selfYaml);

            // A plain JVM: the leader's command without thaw, in the same image.
            List<String> checkpoint = PodManifests.commandLine(base.checkpointContainer());
            List<String> java = checkpoint.subList(checkpoint.indexOf("--") + 1, checkpoint.size());
            int port = Integer.parseInt(java.stream().filter(a -> a.startsWith("-Dsample.port=")).findFirst().orElseThrow().substring(14));
            int hostPort = FreePort.pick();
            start = System.nanoTime();
            Path plainYaml = play("thaw-bench-plain-jvm", PodClock.plainJvmPodYaml("thaw-bench-plain-jvm", image, java, port, hostPort, APP_USER_ID));
            long plain = clock.awaitStatus(hostPort, "/health", 200, start, READY_BOUND, "thaw-bench-plain-jvm-app");
            down(plainYaml);

            return new PodReadiness(plain, selfReady, "`deploy/k8s`, whose init container starts the app cold, warms it up and dumps it",
                    ready, fetch, fetchLine, Files.size(archive), restore, up - fetch);
        } finally {
            for (Path yaml : List.copyOf(played)) {
                podman.run(SHORT, "kube", "down", yaml.toString());
                Files.deleteIfExists(yaml);
            }
            try (var all = Files.walk(store)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            podman.run(SHORT, "untag", image, image); // the image itself stays, as the next run's cache
        }
    }

    private Path play(String name, String text) throws IOException, InterruptedException {
        Path yaml = Files.createTempFile(name, ".yaml");
        Files.writeString(yaml, text);
        podman.run(SHORT, "kube", "down", yaml.toString()); // a leftover of an interrupted run
        played.add(yaml);
        Podman.Result play = podman.run(POD_BOUND, "kube", "play", yaml.toString());
        if (!play.ok()) {
            throw new IllegalStateException("podman kube play " + name + " failed:\n" + PodImage.tail(play.output(), 20));
        }
        return yaml;
    }

    private void down(Path yaml) throws IOException, InterruptedException {
        podman.run(SHORT, "kube", "down", yaml.toString());
        played.remove(yaml);
        Files.deleteIfExists(yaml);
    }

    private String inspect(String container, String format) throws IOException, InterruptedException {
        Podman.Result r = podman.run(SHORT, "inspect", "--format", format, container);
        if (!r.ok()) {
            throw new IllegalStateException("podman inspect " + container + ": " + r.output());
        }
        return r.output().strip();
    }

    private void awaitExited(String container, Duration bound) throws IOException, InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < until) {
            if (inspect(container, "{{.State.Status}}").equals("exited")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(container + " still runs after " + bound.toSeconds() + " s:\n" + PodImage.tail(clock.logs(container), 30));
    }

    private static void fail(String line, int code) {
        fail(line, code, null);
    }

    private static void fail(String line, int code, String detail) {
        if (detail != null && detail.contains("\n")) {
            System.err.println(detail);
        }
        System.err.println("bench: error: " + line);
        System.exit(code);
    }
}
