package dev.thaw.deploy;

import static dev.thaw.deploy.PodSimFailure.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * scripts/pod-sim: the pod of deploy/k8s, run on this machine as a kubelet would run it. The init
 * container's command and then the main container's command, exactly as the manifest writes them
 * (paths laid over this machine by {@link ContainerFs}), each as PID 1 of its own PID namespace, over
 * one directory per volume; then the probes, the Service's ports, a rolling restart by
 * {@code kill -HUP 1} and one by {@code thaw reload} (both as {@code kubectl exec} runs them) under
 * load, and termination (preStop, TERM, exit within the grace period). scripts/pod-sim runs it in
 * a network namespace of its own, as a pod has, so the manifest's ports are used as written.
 * Every wait is bounded; the first failed check ends the run with exit code 1.
 */
public final class PodSim implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WORKER_ID = Pattern.compile("\"worker\"\\s*:\\s*\"?(\\d+)");
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(30);

    private final PodSimOptions options;
    private final PodManifests pod;
    private final PrintStream out = System.out;
    private final long deadline;
    private final ContainerRuntime runtime;
    private ContainerProcess main;

    PodSim(PodSimOptions options) throws Exception {
        this.options = options;
        this.pod = PodManifests.load(options.manifests());
        this.deadline = System.nanoTime() + options.deadline().toNanos();
        Map<String, Path> volumes = ContainerFs.createVolumes(pod.pod().getVolumes(), pod.configMap(), options.work().resolve("volumes"));
        this.runtime = new ContainerRuntime(options, pod.configMap(), volumes, out);
    }

    public static void main(String[] args) {
        int code;
        try (PodSim sim = new PodSim(PodSimOptions.parse(args))) {
            sim.run();
            System.out.println("pod-sim: ok: checkpointed, restored, probed, served, rolled on HUP and on reload, stopped within the grace period");
            code = 0;
        } catch (PodSimOptions.UsageException e) {
            System.out.println("pod-sim: error: " + e.getMessage());
            code = 2;
        } catch (PodSimFailure e) {
            System.out.println("pod-sim: FAILED: " + e.getMessage());
            code = 1;
        } catch (Exception e) {
            System.out.println("pod-sim: FAILED: " + e);
            e.printStackTrace(System.out);
            code = 1;
        }
        System.exit(code);
    }

    void run() throws Exception {
        runInitContainer();
        main = startMainContainer();
        awaitStartupAndReadiness();
        checkServicePorts();
        rollAndCheck("kill -HUP 1", "kill", "-HUP", "1");
        rollAndCheck("thaw reload", "thaw", "reload");
        terminate();
    }

    private void runInitContainer() throws Exception {
        Container init = pod.checkpointContainer();
        ContainerProcess c = runtime.start(init);
        OptionalInt exit = c.awaitExit(remaining(options.initTimeout()));
        check(exit.isPresent(), "init container " + init.getName() + " did not finish within " + options.initTimeout().toSeconds() + " s");
        check(exit.getAsInt() == 0, "init container " + init.getName() + " exited with code " + exit.getAsInt() + " (its output is above)");
        say("init container " + init.getName() + " completed");
    }

    /** thaw run as PID 1 of its container: tini, holding the securityContext's capabilities, on a read-only root. */
    private ContainerProcess startMainContainer() throws Exception {
        ContainerProcess p = runtime.start(pod.runContainer());
        say(runtime.verifyPid1(p, pod.runContainer()));
        say(runtime.verifyRootFilesystem(p, pod.runContainer()));
        return p;
    }

    /** The kubelet's order: the startup probe until it passes, then readiness; liveness must pass too. */
    private void awaitStartupAndReadiness() throws Exception {
        Container c = pod.runContainer();
        awaitProbe("startup", c.getStartupProbe(), Duration.ofSeconds(120));
        awaitProbe("readiness", c.getReadinessProbe(), Duration.ofSeconds(120));
        awaitProbe("liveness", c.getLivenessProbe(), Duration.ofSeconds(30));
        JsonNode status = status();
        say("pool: " + readyPids(status).size() + " of " + status.path("targetWorkers").asInt() + " workers ready");
        say(main.exec(STATUS_TIMEOUT, "thaw", "status").output().strip());
    }

    private void awaitProbe(String kind, Probe probe, Duration bound) throws Exception {
        check(probe != null && probe.getHttpGet() != null, "the main container has no " + kind + " probe with httpGet");
        HTTPGetAction get = probe.getHttpGet();
        int port = PodManifests.containerPort(pod.runContainer(), get.getPort());
        long until = System.nanoTime() + remaining(bound).toNanos();
        int last = -1;
        while (System.nanoTime() < until && main.isAlive()) {
            last = HttpProbe.get(port, get.getPath(), 2000).status();
            if (last == 200) {
                say(kind + " probe GET " + get.getPath() + " on port " + port + ": 200");
                return;
            }
            Thread.sleep(250);
        }
        throw new PodSimFailure(kind + " probe GET " + get.getPath() + " on port " + port + " never answered 200 (last: "
                + (last < 0 ? "no answer" : last) + ")" + (main.isAlive() ? "" : "; the main container exited"));
    }

    /** What a client of the Service reaches: each target port answers, and the app's workers take turns. */
    private void checkServicePorts() throws Exception {
        Container c = pod.runContainer();
        for (ServicePort sp : pod.service().getSpec().getPorts()) {
            int port = PodManifests.containerPort(c, sp.getTargetPort());
            String path = "metrics".equals(sp.getName()) ? "/metrics" : appHealthPath();
            HttpProbe.Answer r = HttpProbe.get(port, path, 5000);
            check(r.status() == 200, "Service port " + sp.getName() + " -> container port " + port + ": GET " + path + " answered " + r.status());
            say("Service port " + sp.getName() + " (" + sp.getPort() + " -> " + port + "): GET " + path + ": 200");
        }
        Set<String> workers = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            HttpProbe.Answer r = HttpProbe.get(appPort(), "/whoami", 5000);
            check(r.status() == 200, "GET /whoami answered " + r.status());
            Matcher m = WORKER_ID.matcher(r.body());
            if (m.find()) {
                workers.add(m.group(1));
            }
        }
        say("20 requests on new connections were answered by workers " + workers);
    }

    /**
     * A rolling restart as an operator starts it through kubectl exec, under load: every worker is
     * replaced, no request fails and the readiness probe keeps passing.
     */
    private void rollAndCheck(String what, String... command) throws Exception {
        Set<Long> before = readyPids(status());
        int target = status().path("targetWorkers").asInt();
        try (Traffic traffic = new Traffic(appPort(), readinessPort(), pod.runContainer().getReadinessProbe().getHttpGet().getPath())) {
            Thread.sleep(500);
            ContainerProcess.Exec exec = main.exec(STATUS_TIMEOUT, command);
            check(exec.exitCode() == 0, "kubectl exec -- " + what + " failed (" + exec.exitCode() + "): " + exec.output().strip());
            say(what + ": sent; workers before: " + before);
            Set<Long> after = awaitReplaced(before, target, remaining(Duration.ofSeconds(120)));
            Thread.sleep(500);
            traffic.stop();
            say(what + ": every worker replaced, now " + after + "; " + traffic.report());
            check(traffic.failed() == 0, what + ": " + traffic.failed() + " requests failed during the roll: " + traffic.report());
            check(traffic.ok() > 0, what + ": no request succeeded during the roll: " + traffic.report());
            check(traffic.notReady() == 0, what + ": the readiness probe failed " + traffic.notReady() + " times during the roll");
        }
    }

    private Set<Long> awaitReplaced(Set<Long> before, int target, Duration bound) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        Set<Long> ready = Set.of();
        while (System.nanoTime() < until) {
            JsonNode s = status();
            ready = readyPids(s);
            boolean replaced = ready.size() == target && ready.stream().noneMatch(before::contains) && !s.path("rolling").asBoolean();
            if (replaced) {
                return ready;
            }
            Thread.sleep(250);
        }
        throw new PodSimFailure("workers " + before + " were not all replaced within " + bound.toSeconds() + " s; ready now: " + ready);
    }

    /** Pod deletion: preStop, then TERM to PID 1; thaw must drain and exit 0 within the grace period. */
    private void terminate() throws Exception {
        Container c = pod.runContainer();
        long grace = pod.pod().getTerminationGracePeriodSeconds();
        long start = System.nanoTime();
        if (c.getLifecycle() != null && c.getLifecycle().getPreStop() != null && c.getLifecycle().getPreStop().getExec() != null) {
            List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
            ContainerProcess.Exec r = main.exec(Duration.ofSeconds(grace), preStop.toArray(String[]::new));
            check(r.exitCode() == 0, "preStop " + preStop + " failed: " + r.output().strip());
            say("preStop " + String.join(" ", preStop) + ": done");
        }
        ContainerProcess.Exec term = main.exec(STATUS_TIMEOUT, "kill", "-TERM", "1");
        check(term.exitCode() == 0, "kill -TERM 1 failed: " + term.output().strip());
        Duration left = Duration.ofNanos(Duration.ofSeconds(grace).toNanos() - (System.nanoTime() - start));
        OptionalInt exit = main.awaitExit(left.isNegative() ? Duration.ZERO : left);
        check(exit.isPresent(), "the main container still ran after terminationGracePeriodSeconds (" + grace + " s): the kubelet would SIGKILL it");
        check(exit.getAsInt() == 0, "the main container exited with code " + exit.getAsInt() + " after TERM");
        say("terminated: exit 0 after " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms of a " + grace + " s grace period");
    }

    private JsonNode status() throws Exception {
        ContainerProcess.Exec r = main.exec(STATUS_TIMEOUT, "thaw", "status", "--json");
        check(r.exitCode() == 0, "kubectl exec -- thaw status --json failed (" + r.exitCode() + "): " + r.output().strip());
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

    private int appPort() {
        ServicePort http = pod.service().getSpec().getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst()
                .orElseThrow(() -> new PodSimFailure("the Service has no port named http"));
        return PodManifests.containerPort(pod.runContainer(), http.getTargetPort());
    }

    private int readinessPort() {
        return PodManifests.containerPort(pod.runContainer(), pod.runContainer().getReadinessProbe().getHttpGet().getPort());
    }

    /** The path of the init container's first --warmup-url: the one thaw polls until the app answers 200. */
    private String appHealthPath() {
        List<String> line = PodManifests.commandLine(pod.checkpointContainer());
        int i = line.indexOf("--warmup-url");
        check(i >= 0 && i + 1 < line.size(), "the init container has no --warmup-url");
        return java.net.URI.create(line.get(i + 1)).getRawPath();
    }

    private Duration remaining(Duration bound) {
        long left = deadline - System.nanoTime();
        check(left > 0, "pod-sim's deadline of " + options.deadline().toSeconds() + " s passed");
        return Duration.ofNanos(Math.min(left, bound.toNanos()));
    }

    private void say(String line) {
        out.println("pod-sim: " + line);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
