package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.deploy.ContainerCapabilities;
import dev.thaw.deploy.HttpProbe;
import dev.thaw.deploy.PodClock;
import dev.thaw.deploy.PodImage;
import dev.thaw.deploy.PodManifests;
import dev.thaw.deploy.PodReadiness;
import dev.thaw.deploy.Podman;
import dev.thaw.deploy.PodmanPod;
import dev.thaw.deploy.Traffic;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.MachineRequirement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * deploy/Dockerfile built with podman and deploy/k8s played with {@code podman kube play}: a real
 * OCI runtime (runc) runs the init container's checkpoint into the pod's emptyDir and the main
 * container's {@code thaw run} from it, with the manifest's securityContext (docs/kubernetes.md).
 * Then deploy/k8s/prebuilt: its Job makes and packs the image into a store, a pod started afterwards
 * fetches it and never runs the leader, and a store holding only an image for another JDK build is
 * refused and the pod checkpoints for itself; the times to readiness are printed for docs/kubernetes.md.
 * The base images come from scripts/container-base-images (Debian's archive: no registry here); they
 * and the image's build layers stay in podman's store, so only the first run on a machine is slow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodmanPodTest {
    /** Cold: the base images (~2 min) and CRIU's build in the image (~3 min), then thaw's Maven build in the image. */
    private static final Duration BUILD_BOUND = Duration.ofMinutes(30);
    private static final Duration POD_BOUND = Duration.ofMinutes(4);
    private static final Duration SHORT = Duration.ofSeconds(60);
    private static final Pattern WORKER_ID = Pattern.compile("\"worker\"\\s*:\\s*\"?(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP_USER_ID = "10001";
    /** The built image's tag: another one (-Dthaw.podman-tag) lets a second checkout build beside a running CI's build. */
    private static final String BUILT = "localhost/thaw-sample:" + System.getProperty("thaw.podman-tag", "test");

    private final Podman podman = new Podman(Environment.REPO);
    private final PodClock clock = new PodClock(podman);
    private final List<Path> played = new ArrayList<>();
    private PodManifests manifests;
    private String image;

    @BeforeAll
    void buildTheImage() throws Exception {
        Environment.requireCriu();
        String problem = Podman.problem();
        if (problem != null) {
            MachineRequirement.unmet(problem);
        }
        manifests = PodManifests.load(Environment.REPO.resolve("deploy/k8s"));
        long start = System.nanoTime();
        image = PodImage.build(podman, Environment.REPO, BUILT, BUILD_BOUND);
        System.out.println("podman build: " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
    }

    @AfterAll
    void removePods() throws Exception {
        for (Path yaml : played) {
            podman.run(SHORT, "kube", "down", yaml.toString());
        }
        // This run's name for the image; the image itself (localhost/thaw-sample:test) and its layers
        // stay, as the next run's cache.
        if (image != null) {
            podman.run(SHORT, "untag", image, image);
        }
    }

    @Test
    @Order(1)
    void the_pod_checkpoints_restores_n_workers_as_the_app_user_rolls_them_on_HUP_and_stops_with_only_the_manifests_capabilities()
            throws Exception {
        int appPort = FreePort.pick();
        int metricsPort = FreePort.pick();
        PodmanPod pod = PodmanPod.of("thaw-pod-test", image, appPort, metricsPort);
        String main = pod.container(manifests.runContainer());
        Path yaml = play(pod);

        // The init container ran to completion: its image, with the manifest, is in the shared volume.
        String init = pod.container(manifests.checkpointContainer());
        assertEquals("0", inspect(init, "{{.State.ExitCode}}"), "init container:\n" + logs(init));
        Podman.Result ls = podman.run(SHORT, "exec", main, "ls", "/var/lib/thaw/image/manifest.json");
        assertTrue(ls.ok(), "the main container sees no image in the shared volume: " + ls.output());

        // The readiness probe's request, on the pod's published port, goes green; the workers answer.
        awaitStatus(metricsPort, manifests.runContainer().getReadinessProbe().getHttpGet().getPath(), 200, Duration.ofSeconds(120), main);
        int target = status(main).path("targetWorkers").asInt();
        assertTrue(target >= 2, "the ConfigMap asks for several workers: " + target);
        assertEveryWorkerAnswers(appPort, target, "requests on new connections reach every worker");
        // The liveness probe's request too (podman 4.3 makes a healthcheck of it, but on port 0: it does
        // not resolve a named port).
        assertEquals(200, HttpProbe.get(metricsPort, manifests.runContainer().getLivenessProbe().getHttpGet().getPath(), 5000).status());

        // Every process of the main container: nothing beyond the manifest's capabilities; the app's
        // processes run as the image's user `app` with none at all and no_new_privs.
        Set<String> allowed = ContainerCapabilities.of(manifests.runContainer().getSecurityContext());
        long pid1 = Long.parseLong(inspect(main, "{{.State.Pid}}"));
        int appProcesses = 0;
        List<Long> tree = new ArrayList<>(List.of(pid1));
        ProcessHandle.of(pid1).orElseThrow().descendants().forEach(p -> tree.add(p.pid()));
        for (long pid : tree) {
            Map<String, String> st = procStatus(pid);
            if (st.isEmpty()) {
                continue; // gone meanwhile
            }
            for (String set : List.of("CapEff", "CapPrm", "CapBnd")) {
                Set<String> held = ContainerCapabilities.fromMask(st.get(set));
                assertTrue(allowed.containsAll(held), "pid " + pid + " (" + st.get("Name") + ") " + set + " " + held + " beyond " + allowed);
            }
            if (st.get("Uid").startsWith(APP_USER_ID + "\t")) {
                appProcesses++;
                assertEquals(Set.of(), ContainerCapabilities.fromMask(st.get("CapEff")), "app pid " + pid);
                assertEquals(Set.of(), ContainerCapabilities.fromMask(st.get("CapBnd")), "app pid " + pid);
                assertEquals("1", st.get("NoNewPrivs"), "app pid " + pid);
            } else if ("java".equals(st.get("Name")) && !isThaw(pid)) {
                fail("a java process that is not thaw runs as " + st.get("Uid") + " (pid " + pid + "): the app must run as uid " + APP_USER_ID);
            }
        }
        assertTrue(appProcesses >= target, "expected the " + target + " workers among the container's processes as uid " + APP_USER_ID
                + ", found " + appProcesses);

        // kill -HUP 1 through podman exec (kubectl exec): every worker replaced, no request failed.
        Set<Long> before = readyPids(status(main));
        try (Traffic traffic = new Traffic(appPort, metricsPort, manifests.runContainer().getReadinessProbe().getHttpGet().getPath())) {
            Thread.sleep(500);
            Podman.Result hup = podman.run(SHORT, "exec", main, "kill", "-HUP", "1");
            assertTrue(hup.ok(), "podman exec kill -HUP 1: " + hup.output());
            Set<Long> after = awaitReplaced(main, before, target, Duration.ofSeconds(120));
            Thread.sleep(500);
            traffic.stop();
            System.out.println("HUP: workers " + before + " -> " + after + "; " + traffic.report());
            assertEquals(0, traffic.failed(), traffic.report());
            assertTrue(traffic.ok() > 0, traffic.report());
            assertEquals(0, traffic.notReady(), traffic.report());
        }

        // Deleting the pod: TERM to PID 1 (tini, which forwards it to thaw); thaw drains and exits 0
        // within the grace period.
        long grace = manifests.pod().getTerminationGracePeriodSeconds();
        long start = System.nanoTime();
        Podman.Result stop = podman.run(Duration.ofSeconds(grace + 30), "pod", "stop", "--time", Long.toString(grace), pod.name());
        long took = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertTrue(stop.ok(), stop.output());
        String log = logs(main);
        assertEquals("0", inspect(main, "{{.State.ExitCode}}"), "thaw's exit after TERM:\n" + tail(log, 40));
        assertTrue(took < grace, "stopped after " + took + " s, beyond the grace period of " + grace + " s");
        System.out.println("pod stopped in " + took + " s; thaw's last lines:\n" + tail(log, 8));
        down(yaml);
    }

    @Test
    @Order(2)
    void a_pod_whose_init_container_fails_never_starts_its_main_container() throws Exception {
        PodmanPod pod = PodmanPod.of("thaw-pod-bad-warmup", image, FreePort.pick(), FreePort.pick())
                .withInitCommand(PodmanPodTest::warmUpNowhere);
        String main = pod.container(manifests.runContainer());
        String init = pod.container(manifests.checkpointContainer());
        Path yaml = play(pod);
        String state = inspect(init, "{{.State.Status}} {{.State.ExitCode}}");
        assertTrue(state.startsWith("exited ") && !state.endsWith(" 0"), "init container: " + state + "\n" + logs(init));
        String last = logs(init).strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("thaw: error: ") && last.contains("http://127.0.0.1:1/health did not answer 200"),
                "the init container's last line says what failed:\n" + tail(logs(init), 10));
        assertEquals("0001-01-01T00:00:00Z", inspect(main, "{{.State.StartedAt.UTC.Format \"2006-01-02T15:04:05Z07:00\"}}"),
                "the main container must never start when the init container fails: " + inspect(main, "{{.State.Status}}"));
        down(yaml);
    }

    @Test
    @Order(3)
    void a_main_container_with_another_jdk_refuses_the_image_with_one_line() throws Exception {
        // The same image with another build of the JDK's libjvm.so, as after an in-place JDK update
        // (bytes appended to it: the JVM still runs, the digest thaw recorded no longer matches).
        PodImage.otherJdk(podman, image, "localhost/thaw-sample:other-jdk", BUILD_BOUND);
        PodmanPod pod = PodmanPod.of("thaw-pod-other-jdk", image, FreePort.pick(), FreePort.pick())
                .withMainImage("localhost/thaw-sample:other-jdk").withInitCommand(PodmanPodTest::small);
        String main = pod.container(manifests.runContainer());
        Path yaml = play(pod);
        String init = pod.container(manifests.checkpointContainer());
        assertEquals("0", inspect(init, "{{.State.ExitCode}}"), "init container:\n" + tail(logs(init), 30));
        awaitExited(main, Duration.ofSeconds(60));
        String log = logs(main).strip();
        List<String> errors = log.lines().filter(l -> l.startsWith("thaw: error:")).toList();
        assertEquals(1, errors.size(), "one line of refusal in the main container's log:\n" + log);
        assertTrue(errors.get(0).contains("JDK") || errors.get(0).contains("libjvm"), errors.get(0));
        assertTrue(!"0".equals(inspect(main, "{{.State.ExitCode}}")), "thaw run must fail:\n" + log);
        System.out.println("another JDK: " + errors.get(0));
        down(yaml);
    }

    // --- deploy/k8s/prebuilt: the image made once by a Job, fetched by every pod (issue 20) ---

    /** The self-checkpointing pod's time to readiness, from the test before the last, which prints it with the others. */
    private Long selfCheckpointingMillis;

    @Test
    @Order(4)
    void a_store_whose_only_image_is_for_another_jdk_build_is_refused_and_the_pod_checkpoints_for_itself() throws Exception {
        PodManifests prebuilt = PodManifests.load(Environment.REPO.resolve("deploy/k8s/prebuilt"));
        Path store = newStore();
        try {
            // The Job, run in the image with another build of the JDK: it packs an image that only a node
            // with that build could restore.
            String otherJdk = PodImage.otherJdk(podman, image, "localhost/thaw-sample:fetch-other-jdk", BUILD_BOUND);
            runJob(prebuilt, PodmanPod.of("thaw-fetch-job-other-jdk", otherJdk, FreePort.pick(), FreePort.pick())
                    .withInitCommand(PodmanPodTest::small).withClaim(claimName(prebuilt), store));
            assertEquals(1, archives(store).size(), "the Job's archive in the store");

            // A pod on this image's JDK: thaw fetch refuses the only archive; the init container checkpoints.
            int appPort = FreePort.pick();
            int metricsPort = FreePort.pick();
            PodmanPod pod = PodmanPod.of("thaw-fetch-fallback", image, appPort, metricsPort).withClaim(claimName(prebuilt), store);
            long start = System.nanoTime();
            Path yaml = play(pod.name(), pod.yaml(prebuilt));
            String main = pod.container(prebuilt.runContainer());
            String init = pod.container(prebuilt.checkpointContainer());
            selfCheckpointingMillis = awaitStatus(metricsPort, prebuilt.runContainer().getReadinessProbe().getHttpGet().getPath(), 200, start, main);
            String log = logs(init);
            assertEquals("0", inspect(init, "{{.State.ExitCode}}"), "init container:\n" + tail(log, 30));
            List<String> passedOver = log.lines().filter(l -> l.startsWith("thaw: passed over thaw-image-")).toList();
            assertEquals(1, passedOver.size(), "thaw fetch names the archive it passed over, and why:\n" + tail(log, 30));
            assertTrue(passedOver.get(0).contains("JDK") || passedOver.get(0).contains("libjvm"), passedOver.get(0));
            List<String> why = log.lines().filter(l -> l.startsWith("thaw-init: ")).toList();
            assertEquals(1, why.size(), "one line says the pod checkpoints for itself:\n" + tail(log, 30));
            assertTrue(log.contains("leader starting"), "the fallback checkpoint ran the leader:\n" + tail(log, 30));
            System.out.println("fetch refused: " + passedOver.get(0) + "\n" + why.get(0));
            HttpProbe.Answer answer = HttpProbe.get(appPort, "/whoami", 5000);
            assertEquals(200, answer.status(), answer.body());
            down(yaml);
        } finally {
            deleteStore(store);
        }
    }

    @Test
    @Order(5)
    void a_pod_restores_the_image_a_job_made_once_without_running_the_leader() throws Exception {
        PodManifests prebuilt = PodManifests.load(Environment.REPO.resolve("deploy/k8s/prebuilt"));
        Path store = newStore();
        try {
            // The Job of deploy/k8s/prebuilt, as it is: the manifests' own checkpoint, packed into the store.
            runJob(prebuilt, PodmanPod.of("thaw-fetch-job", image, FreePort.pick(), FreePort.pick()).withClaim(claimName(prebuilt), store));
            List<Path> archives = archives(store);
            assertEquals(1, archives.size(), "the Job's archive in the store");

            // A pod started afterwards: its init container fetches; the leader never runs in it.
            int appPort = FreePort.pick();
            int metricsPort = FreePort.pick();
            PodmanPod pod = PodmanPod.of("thaw-fetch-pod", image, appPort, metricsPort).withClaim(claimName(prebuilt), store);
            String main = pod.container(prebuilt.runContainer());
            String init = pod.container(prebuilt.checkpointContainer());
            long start = System.nanoTime();
            Path yaml = play(pod.name(), pod.yaml(prebuilt));
            long up = awaitStatus(metricsPort, prebuilt.runContainer().getLivenessProbe().getHttpGet().getPath(), 200, start, main);
            long ready = awaitStatus(metricsPort, prebuilt.runContainer().getReadinessProbe().getHttpGet().getPath(), 200, start, main);
            String log = logs(init);
            assertEquals("0", inspect(init, "{{.State.ExitCode}}"), "init container:\n" + tail(log, 30));
            String digest = archives.get(0).getFileName().toString();
            assertTrue(log.lines().anyMatch(l -> l.startsWith("thaw: fetching /store/" + digest)), "the init container fetched " + digest
                    + ":\n" + tail(log, 30));
            assertTrue(log.lines().anyMatch(l -> l.startsWith("thaw: image /var/lib/thaw/image installed")), tail(log, 30));
            assertTrue(!log.contains("leader starting") && !log.contains("thaw-init: "), "the pod must not run the leader:\n" + log);

            JsonNode status = status(main);
            int target = status.path("targetWorkers").asInt();
            assertEveryWorkerAnswers(appPort, target, "every restored worker answers");

            // The target: ready within 2x (one restore + the container's own start). One restore:
            // the slowest worker's restore-to-ready as thaw status reports it. The container's own start:
            // from `podman kube play` to thaw's /healthz, less the init container's run (the fetch).
            long restore = 0;
            for (JsonNode w : status.path("workers")) {
                restore = Math.max(restore, w.path("readyMillis").asLong());
            }
            long fetch = clock.runMillis(init);
            long containerStart = up - fetch;
            String fetchLine = log.lines().filter(l -> l.startsWith("thaw: image /var/lib/thaw/image installed")).findFirst()
                    .map(l -> l.replaceFirst(".*\\((unpacked and hashed in .*)\\)$", "$1")).orElse("");
            long archiveBytes = Files.size(archives.get(0));
            down(yaml);

            // A plain JVM pod: the sample app started without thaw, in the same image, with the leader's command.
            long plain = plainJvmPodReady();
            PodReadiness r = new PodReadiness(plain, selfCheckpointingMillis == null ? 0 : selfCheckpointingMillis,
                    "deploy/k8s/prebuilt whose store held only an archive for another JDK build (refused, then deploy/k8s's checkpoint)",
                    ready, fetch, fetchLine, archiveBytes, restore, containerStart);
            System.out.println("time to readiness 200, one run (" + podman.run(SHORT, "--version").output().strip() + "):");
            r.lines().forEach(l -> System.out.println("  " + l));
            if (selfCheckpointingMillis != null) {
                assertTrue(ready < selfCheckpointingMillis, "the pod that fetches (" + ready + " ms) must be ready before one that"
                        + " checkpoints (" + selfCheckpointingMillis + " ms)");
            }
        } finally {
            deleteStore(store);
        }
    }

    /** The store, as a PersistentVolumeClaim would be bound: a host directory of root's, mode 0700. */
    private static Path newStore() throws IOException {
        return Files.createTempDirectory("thaw-fetch-store", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    }

    private static void deleteStore(Path store) throws IOException {
        try (var all = Files.walk(store)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static List<Path> archives(Path store) throws IOException {
        try (var files = Files.list(store)) {
            return files.filter(p -> p.getFileName().toString().matches("thaw-image-[0-9a-f]{64}\\.tar")).toList();
        }
    }

    private static String claimName(PodManifests prebuilt) {
        return prebuilt.store().orElseThrow().getMetadata().getName();
    }

    /** Plays the Job's pod and waits for its pack container: it must pack the image into the store and exit 0. */
    private void runJob(PodManifests prebuilt, PodmanPod job) throws Exception {
        Path yaml = play(job.name(), job.jobYaml(prebuilt));
        String init = job.name() + "-" + prebuilt.job().orElseThrow().getSpec().getInitContainers().get(0).getName();
        String pack = job.name() + "-" + prebuilt.job().orElseThrow().getSpec().getContainers().get(0).getName();
        assertEquals("0", inspect(init, "{{.State.ExitCode}}"), "the Job's checkpoint:\n" + tail(logs(init), 30));
        awaitExited(pack, Duration.ofSeconds(120));
        String log = logs(pack);
        assertEquals("0", inspect(pack, "{{.State.ExitCode}}"), "the Job's pack:\n" + tail(log, 30));
        assertTrue(log.contains("thaw: packed /var/lib/thaw/image"), tail(log, 10));
        System.out.println("job " + job.name() + ": " + tail(log, 2));
        down(yaml);
    }

    /** Milliseconds from `podman kube play` to the sample app's /health answering 200, started as a plain JVM pod. */
    private long plainJvmPodReady() throws Exception {
        List<String> checkpoint = PodManifests.commandLine(manifests.checkpointContainer());
        List<String> java = checkpoint.subList(checkpoint.indexOf("--") + 1, checkpoint.size());
        int port = Integer.parseInt(java.stream().filter(a -> a.startsWith("-Dsample.port=")).findFirst().orElseThrow().substring(14));
        int hostPort = FreePort.pick();
        long start = System.nanoTime();
        Path file = play("thaw-fetch-plain-jvm", PodClock.plainJvmPodYaml("thaw-fetch-plain-jvm", image, java, port, hostPort, APP_USER_ID));
        long ready = awaitStatus(hostPort, "/health", 200, start, "thaw-fetch-plain-jvm-app");
        down(file);
        return ready;
    }

    /** Polls until {@code path} answers {@code status}; returns the milliseconds since {@code startNanos} (as the benchmark does). */
    private long awaitStatus(int port, String path, int status, long startNanos, String container) throws Exception {
        return clock.awaitStatus(port, path, status, startNanos, Duration.ofSeconds(180), container);
    }

    // --- pods ---

    private Path play(PodmanPod pod) throws Exception {
        return play(pod.name(), pod.yaml(manifests));
    }

    private Path play(String name, String text) throws Exception {
        Path yaml = Files.createTempFile(name, ".yaml");
        Files.writeString(yaml, text);
        podman.run(SHORT, "kube", "down", yaml.toString()); // a leftover of an interrupted run
        played.add(yaml);
        Podman.Result play = podman.run(POD_BOUND, "kube", "play", yaml.toString());
        System.out.println("podman kube play " + name + ": exit " + play.exitCode() + "\n" + tail(play.output(), 20));
        return yaml;
    }

    private void down(Path yaml) throws Exception {
        Podman.Result down = podman.run(SHORT, "kube", "down", yaml.toString());
        assertTrue(down.ok(), "podman kube down: " + down.output());
        played.remove(yaml);
    }

    /** The init container of a pod that can only fail: its warm-up URL is a port nothing listens on. */
    private static List<String> warmUpNowhere(List<String> command) {
        List<String> out = small(command);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).equals("--warmup-url")) {
                out.set(i + 1, "http://127.0.0.1:1/health");
            }
        }
        out.addAll(out.indexOf("--"), List.of("--leader-ready-timeout", "15"));
        return out;
    }

    /** A quicker checkpoint for the pods of the bad-input tests: a small dataset, few warm-up requests. */
    private static List<String> small(List<String> command) {
        List<String> out = new ArrayList<>(command);
        out.set(out.indexOf("--warmup-requests") + 1, "50");
        out.replaceAll(a -> a.startsWith("-Dsample.dataset.mb=") ? "-Dsample.dataset.mb=4" : a);
        return out;
    }

    // --- reading the pod ---

    private String inspect(String container, String format) throws Exception {
        Podman.Result r = podman.run(SHORT, "inspect", "--format", format, container);
        assertTrue(r.ok(), "podman inspect " + container + ": " + r.output());
        return r.output().strip();
    }

    private String logs(String container) throws Exception {
        return podman.run(SHORT, "logs", container).output();
    }

    private JsonNode status(String main) throws Exception {
        Podman.Result r = podman.run(SHORT, "exec", main, "thaw", "status", "--json");
        assertTrue(r.ok(), "podman exec thaw status --json: " + r.output());
        List<String> lines = r.output().strip().lines().toList();
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    private static Set<Long> readyPids(JsonNode status) {
        Set<Long> pids = new TreeSet<>();
        for (JsonNode w : status.path("workers")) {
            if ("ready".equals(w.path("state").asText())) {
                pids.add(w.path("pid").asLong());
            }
        }
        return pids;
    }

    private Set<Long> awaitReplaced(String main, Set<Long> before, int target, Duration bound) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        Set<Long> ready = Set.of();
        while (System.nanoTime() < until) {
            JsonNode s = status(main);
            ready = readyPids(s);
            if (ready.size() == target && ready.stream().noneMatch(before::contains) && !s.path("rolling").asBoolean()) {
                return ready;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("workers " + before + " were not all replaced within " + bound.toSeconds() + " s; ready: " + ready);
    }

    /** GET /whoami on the pod's port, on a new connection each time (at most 40), until {@code target} workers have answered. */
    private static void assertEveryWorkerAnswers(int appPort, int target, String what) throws Exception {
        Set<String> workers = new TreeSet<>();
        for (int i = 0; i < 40 && workers.size() < target; i++) {
            HttpProbe.Answer r = HttpProbe.get(appPort, "/whoami", 5000);
            assertEquals(200, r.status(), "GET /whoami on the pod's port: " + r.body());
            Matcher m = WORKER_ID.matcher(r.body());
            assertTrue(m.find(), r.body());
            workers.add(m.group(1));
        }
        assertEquals(target, workers.size(), what + ": " + workers);
    }

    private void awaitStatus(int port, String path, int status, Duration bound, String container) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        int last = -1;
        while (System.nanoTime() < until) {
            last = HttpProbe.get(port, path, 2000).status();
            if (last == status) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("GET " + path + " on 127.0.0.1:" + port + " never answered " + status + " (last " + last + "):\n"
                + tail(logs(container), 40));
    }

    private void awaitExited(String container, Duration bound) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < until) {
            if (inspect(container, "{{.State.Status}}").equals("exited")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(container + " still runs after " + bound.toSeconds() + " s:\n" + tail(logs(container), 30));
    }

    private static Map<String, String> procStatus(long pid) {
        Map<String, String> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    out.put(line.substring(0, colon), line.substring(colon + 1).strip());
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }

    /** thaw itself (root, with the manifest's capabilities) runs thaw.jar; the app does not. */
    private static boolean isThaw(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).contains("thaw.jar");
        } catch (IOException e) {
            return true; // gone
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
