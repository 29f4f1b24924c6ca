package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.cli.ThawCli;
import dev.thaw.config.CheckpointSettingsSpec;
import dev.thaw.config.RunSettingsSpec;
import dev.thaw.config.Setting;
import dev.thaw.config.SettingSources;
import dev.thaw.image.ImageManifest;
import dev.thaw.metrics.EndpointSettings;
import dev.thaw.metrics.MetricsEndpoint;
import dev.thaw.metrics.PoolMetrics;
import dev.thaw.pool.RunSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * deploy/k8s read with a Kubernetes model library and checked against thaw itself: the containers'
 * command lines are parsed by thaw's own picocli model, the ConfigMap by thaw's own settings reader,
 * and the probe paths are requested from thaw's own HTTP endpoint. A renamed flag, setting or
 * endpoint breaks these tests before it breaks a cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManifestTest {
    static final Path REPO = Path.of(System.getProperty("thaw.repo", "..")).toAbsolutePath().normalize();
    static final Path MANIFESTS = REPO.resolve("deploy/k8s");
    /**
     * What thaw and its CRIU need in a container, measured (docs/kubernetes.md) and run with podman
     * (PodmanPodTest); nothing more. The last five only because the app runs as another user.
     */
    static final Set<String> THAW_CAPABILITIES = Set.of("SYS_ADMIN", "SYS_PTRACE", "SETPCAP", "SETUID", "SETGID", "CHOWN",
            "DAC_OVERRIDE", "KILL");

    static final Path PREBUILT = REPO.resolve("deploy/k8s/prebuilt");

    private PodManifests pod;
    private PodManifests prebuilt;
    private Container init;
    private Container main;
    private ParseResult checkpoint;
    private ParseResult run;

    @BeforeAll
    void load() throws Exception {
        pod = PodManifests.load(MANIFESTS);
        init = pod.checkpointContainer();
        main = pod.runContainer();
        checkpoint = parseThaw(init, "checkpoint");
        run = parseThaw(main, "run");
        prebuilt = PodManifests.load(PREBUILT);
    }

    /** Parses a container's command line with thaw's own CLI model, as the image's `thaw` would. */
    private static ParseResult parseThaw(Container c, String expectedCommand) {
        List<String> line = PodManifests.commandLine(c);
        assertEquals("thaw", line.get(0), c.getName() + " must run the image's thaw launcher: " + line);
        ParseResult parsed = ThawCli.commandLine().parseArgs(line.subList(1, line.size()).toArray(String[]::new));
        assertTrue(parsed.hasSubcommand(), c.getName() + ": no thaw subcommand in " + line);
        assertEquals(expectedCommand, parsed.subcommand().commandSpec().name(), c.getName() + ": " + line);
        return parsed.subcommand();
    }

    @Test
    void init_and_main_containers_run_the_same_image_in_the_same_working_directory() {
        assertEquals(init.getImage(), main.getImage(), "CRIU restores the JDK and the jars by path: both containers need the same image");
        assertEquals(init.getWorkingDir(), main.getWorkingDir(), "CRIU restores the leader's working directory by path");
        assertTrue(pod.kustomization().path("images").findValuesAsText("name").contains(main.getImage()),
                "kustomization.yaml's images must name the containers' image " + main.getImage());
    }

    @Test
    void the_main_container_restores_the_image_the_init_container_writes_on_a_volume_both_mount_at_the_same_path() {
        Path written = checkpoint.matchedOptionValue("--image", (Path) null);
        Path restored = run.matchedOptionValue("--image", (Path) null);
        assertEquals(written, restored, "thaw run --image must be thaw checkpoint --image");
        VolumeMount initMount = PodManifests.mountHolding(init, written.toString()).orElseThrow(
                () -> new AssertionError("the init container writes " + written + " outside any volume: the main container would not see it"));
        VolumeMount mainMount = PodManifests.mountHolding(main, restored.toString()).orElseThrow();
        assertEquals(initMount.getName(), mainMount.getName(), "one volume must carry the image from init to main container");
        assertEquals(initMount.getMountPath(), mainMount.getMountPath(), "CRIU restores files by path: mount it at the same path");
        assertTrue(pod.volume(initMount.getName()).getEmptyDir() != null, "the image lives as long as the pod: an emptyDir");
        assertTrue(checkpoint.hasMatchedOption("--force"),
                "the init container runs again over the same emptyDir when the pod sandbox is recreated: it needs --force");
        for (VolumeMount m : init.getVolumeMounts()) {
            assertTrue(main.getVolumeMounts().stream().anyMatch(o -> o.getName().equals(m.getName()) && o.getMountPath().equals(m.getMountPath())),
                    "the main container must mount " + m.getName() + " at " + m.getMountPath() + " like the init container");
        }
    }

    @Test
    void the_leader_listens_on_the_port_the_warm_up_urls_and_the_service_use() {
        List<String> java = checkpoint.matchedPositionalValue(0, List.<String>of());
        assertEquals("java", java.get(0), "thaw checkpoint needs a java command after '--'");
        int appPort = Integer.parseInt(systemProperty(java, "sample.port"));
        assertEquals("0.0.0.0", systemProperty(java, "sample.host"), "the app must listen on the pod's address, not loopback");
        // Read as thaw checkpoint reads it: the setting parses and checks each URL.
        List<URI> warmups = CheckpointSettingsSpec.WARMUP_URL.parseValue(String.join(CheckpointSettingsSpec.URL_SEPARATOR,
                checkpoint.matchedOptionValue("--warmup-url", List.<String>of())), "the init container's --warmup-url");
        assertTrue(!warmups.isEmpty(), "without --warmup-url the leader is dumped cold");
        warmups.forEach(u -> assertEquals(appPort, u.getPort(), "warm-up URL " + u + " misses the app's port"));
        assertEquals(appPort, servicePort("http"), "the Service's http port must reach the app");
    }

    @Test
    void the_configmap_holds_settings_thaw_run_accepts(@TempDir Path tmp) throws Exception {
        RunSettings settings = runSettings(tmp);
        assertTrue(settings.workers() >= 1);
        EndpointSettings endpoint = EndpointSettings.from(sources(tmp), settings.workers());
        assertTrue(endpoint.address().isPresent(), "the kubelet probes thaw's HTTP endpoint: http-address must not be off");
    }

    @Test
    void the_probes_request_paths_thaw_serves_on_the_port_of_its_http_address(@TempDir Path tmp) throws Exception {
        EndpointSettings endpoint = EndpointSettings.from(sources(tmp), runSettings(tmp).workers());
        InetSocketAddress address = endpoint.address().orElseThrow();
        assertTrue(address.getAddress().isAnyLocalAddress(), "the kubelet probes the pod's IP: http-address must be 0.0.0.0, is " + address);
        List<HTTPGetAction> probes = new ArrayList<>();
        for (Probe p : new Probe[] {main.getStartupProbe(), main.getReadinessProbe(), main.getLivenessProbe()}) {
            assertTrue(p != null && p.getHttpGet() != null, "the main container needs startup, readiness and liveness probes with httpGet");
            assertEquals(address.getPort(), PodManifests.containerPort(main, p.getHttpGet().getPort()), "probe " + p.getHttpGet().getPath());
            probes.add(p.getHttpGet());
        }
        assertEquals("/readyz", main.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/healthz", main.getLivenessProbe().getHttpGet().getPath());
        // thaw's own endpoint, on a free loopback port: every path a probe requests exists there.
        // An image manifest with every field at its zero value: the endpoint only needs one to exist.
        ImageManifest image = new com.fasterxml.jackson.databind.ObjectMapper().readValue("{}", ImageManifest.class);
        PoolMetrics metrics = new PoolMetrics(image, endpoint.minReadyWorkers());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (MetricsEndpoint served = MetricsEndpoint.start(new EndpointSettings(Optional.of(new InetSocketAddress("127.0.0.1", 0)),
                endpoint.minReadyWorkers()), metrics, quiet)) {
            for (HTTPGetAction probe : probes) {
                HttpProbe.Answer r = HttpProbe.get(served.port(), probe.getPath(), 5000);
                assertNotEquals(-1, r.status(), "thaw's endpoint did not answer " + probe.getPath());
                assertNotEquals(404, r.status(), "thaw does not serve " + probe.getPath());
            }
            assertEquals(404, HttpProbe.get(served.port(), "/no-such-path", 5000).status(), "the check above must be able to fail");
        }
    }

    @Test
    void both_containers_hold_only_the_capabilities_criu_needs_and_the_same_ones() {
        assertEquals(init.getSecurityContext(), main.getSecurityContext(),
                "CRIU gives each restored worker the leader's capabilities: both containers need the same securityContext");
        assertEquals(List.of("ALL"), main.getSecurityContext().getCapabilities().getDrop());
        assertEquals(THAW_CAPABILITIES, ContainerCapabilities.of(main.getSecurityContext()));
        assertEquals(0L, main.getSecurityContext().getRunAsUser(), "CRIU runs as uid 0 in the container");
        assertEquals("Unconfined", main.getSecurityContext().getAppArmorProfile().getType(),
                "AppArmor's default container profile denies the mounts of criu restore and unshare --mount-proc");
        assertTrue(!Boolean.TRUE.equals(main.getSecurityContext().getPrivileged()), "no privileged container: the capabilities above suffice");
        assertTrue(!Boolean.TRUE.equals(pod.pod().getShareProcessNamespace()), "thaw must be PID 1 of its container for kill -HUP 1");
    }

    @Test
    void the_app_runs_as_an_unprivileged_user_that_the_image_has() throws Exception {
        String user = checkpoint.matchedOptionValue("--user", "");
        assertTrue(!user.isEmpty(), "the init container's thaw checkpoint needs --user: the app must not run as root with thaw's capabilities");
        assertTrue(!user.equals("root") && !user.equals("0"), "--user " + user + " is root");
        String dockerfile = Files.readString(REPO.resolve("deploy/Dockerfile"));
        assertTrue(dockerfile.matches("(?s).*useradd [^\\n]*--uid (\\d+) [^\\n]* " + java.util.regex.Pattern.quote(user) + "\\b.*"),
                "deploy/Dockerfile must create the user " + user + " that --user names (thaw looks it up in the container)");
        Set<String> caps = ContainerCapabilities.of(main.getSecurityContext());
        assertTrue(caps.containsAll(Set.of("SETUID", "SETGID")), "dropping to --user needs SETUID and SETGID: " + caps);
    }

    @Test
    void the_grace_period_covers_the_pre_stop_sleep_and_thaws_graceful_timeout(@TempDir Path tmp) throws Exception {
        List<String> preStop = main.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.get(0), "preStop: " + preStop);
        long sleep = Long.parseLong(preStop.get(1));
        long graceful = runSettings(tmp).gracefulTimeout().toSeconds();
        long grace = pod.pod().getTerminationGracePeriodSeconds();
        assertTrue(grace >= sleep + graceful + 5, "terminationGracePeriodSeconds " + grace + " < preStop " + sleep
                + " s + graceful-timeout " + graceful + " s + 5 s for thaw's own exit: the kubelet would SIGKILL draining workers");
    }

    @Test
    void the_control_socket_is_on_a_volume_so_kubectl_exec_thaw_status_finds_it(@TempDir Path tmp) throws Exception {
        String socket = runSettings(tmp).socket().toString();
        assertTrue(PodManifests.mountHolding(main, socket).isPresent(), "control socket " + socket + " must be on a volume (root is read-only)");
        assertTrue(main.getEnv().stream().anyMatch(e -> e.getName().equals(RunSettingsSpec.SOCKET.envVar())),
                "set " + RunSettingsSpec.SOCKET.envVar() + " in the container's env: kubectl exec inherits it, so thaw status needs no flag");
    }

    @Test
    void the_service_selects_the_pod_and_reaches_thaws_endpoint(@TempDir Path tmp) throws Exception {
        Map<String, String> labels = pod.deployment().getSpec().getTemplate().getMetadata().getLabels();
        pod.service().getSpec().getSelector().forEach((k, v) -> assertEquals(v, labels.get(k), "Service selector " + k));
        int endpointPort = EndpointSettings.from(sources(tmp), runSettings(tmp).workers()).address().orElseThrow().getPort();
        assertEquals(endpointPort, servicePort("metrics"));
    }

    @Test
    void a_renamed_flag_in_a_container_command_fails_the_check() {
        List<String> line = new ArrayList<>(PodManifests.commandLine(init));
        line.set(line.indexOf("--warmup-requests"), "--warmup-count");
        Container renamed = new io.fabric8.kubernetes.api.model.ContainerBuilder(init).withCommand(line).withArgs().build();
        assertThrows(CommandLine.ParameterException.class, () -> parseThaw(renamed, "checkpoint"));
    }

    @Test
    void an_unknown_setting_in_the_configmap_fails_the_check(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("thaw.properties"), configFile() + "\nworkerz = 3\n");
        assertThrows(dev.thaw.config.SettingException.class, () -> new SettingSources(Map.of(), Map.of(), file));
    }

    // --- deploy/k8s/prebuilt: the image made once by a Job, fetched by every pod ---

    @Test
    void the_prebuilt_pods_differ_from_the_base_only_in_what_their_init_container_runs_and_the_store_it_reads() {
        Container fetchInit = prebuilt.checkpointContainer();
        assertEquals(main, prebuilt.runContainer(), "the main container restores as in deploy/k8s, whichever way the image came");
        assertEquals(init.getSecurityContext(), fetchInit.getSecurityContext(),
                "the init container may still checkpoint: it keeps the base's securityContext, which ManifestTest checks above");
        assertEquals(init.getImage(), fetchInit.getImage());
        assertEquals(init.getWorkingDir(), fetchInit.getWorkingDir());
        List<VolumeMount> extra = new ArrayList<>(fetchInit.getVolumeMounts());
        extra.removeAll(init.getVolumeMounts());
        assertEquals(1, extra.size(), "one mount more than the base's init container: the store, " + extra);
        VolumeMount storeMount = extra.get(0);
        assertTrue(Boolean.TRUE.equals(storeMount.getReadOnly()), "pods only read the store; the Job alone writes it");
        var claim = prebuilt.volume(storeMount.getName()).getPersistentVolumeClaim();
        assertTrue(claim != null, "the store is a PersistentVolumeClaim shared by the pods");
        assertEquals(prebuilt.store().orElseThrow().getMetadata().getName(), claim.getClaimName());
        assertTrue(prebuilt.store().orElseThrow().getSpec().getAccessModes().contains("ReadWriteMany"),
                "pods on every node mount the store: ReadWriteMany");
        assertEquals(pod.configMap(), prebuilt.configMap());
        assertEquals(pod.service(), prebuilt.service());
    }

    @Test
    void the_prebuilt_init_container_fetches_into_the_image_the_main_container_restores_and_falls_back_to_the_base_checkpoint() {
        Container fetchInit = prebuilt.checkpointContainer();
        FallbackScript script = FallbackScript.of(fetchInit);
        ParseResult fetch = parseThawLine(script.fetchLine(), "fetch");
        assertEquals(run.matchedOptionValue("--image", (Path) null), fetch.matchedOptionValue("--image", (Path) null),
                "thaw fetch --image must be what thaw run restores");
        assertTrue(fetch.hasMatchedOption("--force"), "the init container runs again over the same emptyDir when the sandbox is recreated");
        String from = fetch.matchedOptionValue("--from", "");
        VolumeMount store = PodManifests.mountHolding(fetchInit, from).orElseThrow(() -> new AssertionError("--from " + from + " is on no volume"));
        assertTrue(prebuilt.volume(store.getName()).getPersistentVolumeClaim() != null, "--from must be the store's claim");
        assertEquals(PodManifests.commandLine(init), script.fallback(),
                "the fallback is the base's thaw checkpoint, unchanged: the pod makes the image it would have made in deploy/k8s");
        assertTrue(PodManifests.mountHolding(fetchInit, run.matchedOptionValue("--image", (Path) null).toString()).isPresent());
    }

    @Test
    void the_prebuilt_init_container_checkpoints_only_when_thaw_fetch_exits_with_its_no_image_fits_status(@TempDir Path tmp) throws Exception {
        FallbackScript script = FallbackScript.of(prebuilt.checkpointContainer());
        // The script as the container's shell runs it, with `thaw` a command that records its arguments
        // and exits as told: what matters here is the script's branching on thaw fetch's exit status.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("calls");
        Path thaw = Files.writeString(bin.resolve("thaw"), "#!/bin/sh\necho \"$*\" >> " + calls + "\n"
                + "if [ \"$1\" = fetch ]; then exit \"$FETCH_EXIT\"; fi\nexit 0\n");
        assertTrue(thaw.toFile().setExecutable(true));
        for (int fetchExit : new int[] {0, dev.thaw.ThawException.EXIT_BAD_IMAGE, dev.thaw.ThawException.EXIT_USAGE}) {
            Files.deleteIfExists(calls);
            List<String> command = new ArrayList<>(PodManifests.commandLine(prebuilt.checkpointContainer()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            pb.environment().put("FETCH_EXIT", Integer.toString(fetchExit));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
            List<String> ran = Files.readAllLines(calls);
            assertTrue(ran.get(0).startsWith("fetch "), ran.toString());
            if (fetchExit == dev.thaw.ThawException.EXIT_BAD_IMAGE) {
                assertEquals(2, ran.size(), "exit 5 (no image fits): the fallback runs: " + ran);
                assertEquals(String.join(" ", script.fallback().subList(1, script.fallback().size())), ran.get(1));
                assertEquals(0, p.exitValue(), out);
                assertEquals(1, out.lines().count(), "one line says why it checkpoints: " + out);
            } else {
                assertEquals(1, ran.size(), "thaw fetch exited " + fetchExit + ": no checkpoint may follow: " + ran);
                assertEquals(fetchExit, p.exitValue(), "the init container fails as thaw fetch did: " + out);
            }
        }
    }

    @Test
    void the_job_checkpoints_exactly_as_the_pods_would_and_packs_the_image_into_the_store_the_pods_fetch_from() {
        PodSpecView job = new PodSpecView(prebuilt.job().orElseThrow().getSpec());
        Container jobCheckpoint = job.init();
        Container pack = job.main();
        assertEquals(init, jobCheckpoint, "the Job's checkpoint must be deploy/k8s's init container exactly: a leader run otherwise"
                + " would make an image the pods' own fallback would not");
        assertEquals("Never", prebuilt.job().orElseThrow().getSpec().getRestartPolicy());
        assertEquals(init.getImage(), pack.getImage(), "one container image for the whole Job");
        assertTrue(prebuilt.kustomization().path("images").findValuesAsText("name").contains(pack.getImage()),
                "the overlay's images must name the Job's image, so that it is the Deployment's");
        List<String> line = PodManifests.commandLine(pack);
        ParseResult packed = parseThawLine(line.subList(line.indexOf("thaw"), line.size()), "pack");
        Path image = packed.matchedOptionValue("--image", (Path) null);
        assertEquals(checkpoint.matchedOptionValue("--image", (Path) null), image, "thaw pack --image must be what the checkpoint wrote");
        VolumeMount written = PodManifests.mountHolding(jobCheckpoint, image.toString()).orElseThrow();
        VolumeMount read = PodManifests.mountHolding(pack, image.toString()).orElseThrow();
        assertEquals(written, read, "one volume carries the image from the checkpoint to the pack");
        Path to = packed.matchedOptionValue("--to", (Path) null);
        VolumeMount storeMount = PodManifests.mountHolding(pack, to.toString()).orElseThrow(() -> new AssertionError("--to " + to + " on no volume"));
        var volume = job.spec().getVolumes().stream().filter(v -> v.getName().equals(storeMount.getName())).findFirst().orElseThrow();
        assertEquals(prebuilt.store().orElseThrow().getMetadata().getName(), volume.getPersistentVolumeClaim().getClaimName());
        assertTrue(!Boolean.TRUE.equals(storeMount.getReadOnly()), "the Job writes the store");
        FallbackScript fetch = FallbackScript.of(prebuilt.checkpointContainer());
        assertEquals(to.toString(), parseThawLine(fetch.fetchLine(), "fetch").matchedOptionValue("--from", ""),
                "the pods fetch from where the Job packs");
        // Packing needs no capability: root's uid for root's files, nothing added.
        assertEquals(Set.of(), ContainerCapabilities.of(pack.getSecurityContext()));
        assertEquals(0L, pack.getSecurityContext().getRunAsUser());
        assertTrue(Boolean.TRUE.equals(pack.getSecurityContext().getReadOnlyRootFilesystem()));
    }

    @Test
    void a_patch_that_targets_no_object_fails_the_load(@TempDir Path tmp) throws Exception {
        Path overlay = Files.createDirectories(tmp.resolve("overlay"));
        Files.writeString(overlay.resolve("kustomization.yaml"), "resources:\n  - " + MANIFESTS + "\npatches:\n  - path: p.yaml\n"
                + "    target:\n      kind: Deployment\n      name: thaw-sample\n");
        Files.writeString(overlay.resolve("p.yaml"), "- op: replace\n  path: /spec/template/spec/initContainers/0/no-such-field\n  value: 1\n");
        assertThrows(java.io.IOException.class, () -> PodManifests.load(overlay));
    }

    /** A pod spec of one init container and one container (the Job's). */
    private record PodSpecView(io.fabric8.kubernetes.api.model.PodSpec spec) {
        Container init() {
            assertEquals(1, spec.getInitContainers().size());
            return spec.getInitContainers().get(0);
        }

        Container main() {
            assertEquals(1, spec.getContainers().size());
            return spec.getContainers().get(0);
        }
    }

    /** The prebuilt init container's {@code sh -c SCRIPT NAME FALLBACK...}: its thaw fetch line and its fallback command. */
    private record FallbackScript(String script, List<String> fallback) {
        static FallbackScript of(Container c) {
            List<String> line = PodManifests.commandLine(c);
            assertEquals(List.of("/bin/sh", "-c"), line.subList(0, 2), c.getName() + ": " + line);
            return new FallbackScript(line.get(2), line.subList(4, line.size()));
        }

        List<String> fetchLine() {
            String fetch = script.lines().filter(l -> l.strip().startsWith("thaw fetch ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no thaw fetch line in the script:\n" + script));
            return List.of(fetch.strip().split("\\s+"));
        }
    }

    private static ParseResult parseThawLine(List<String> line, String expectedCommand) {
        assertEquals("thaw", line.get(0), line.toString());
        ParseResult parsed = ThawCli.commandLine().parseArgs(line.subList(1, line.size()).toArray(String[]::new));
        assertTrue(parsed.hasSubcommand(), line.toString());
        assertEquals(expectedCommand, parsed.subcommand().commandSpec().name(), line.toString());
        return parsed.subcommand();
    }

    // --- helpers: the settings exactly as thaw run derives them in this container ---

    private String configFile() {
        Path config = run.matchedOptionValue("--config", (Path) null);
        assertTrue(config != null, "thaw run needs --config to read the ConfigMap");
        VolumeMount mount = PodManifests.mountHolding(main, config.toString()).orElseThrow(
                () -> new AssertionError("--config " + config + " is not on a volume"));
        String cm = pod.volume(mount.getName()).getConfigMap().getName();
        assertEquals(pod.configMap().getMetadata().getName(), cm);
        String key = Path.of(mount.getMountPath()).relativize(config).toString();
        String text = pod.configMap().getData().get(key);
        assertTrue(text != null, "ConfigMap " + cm + " has no key " + key);
        return text;
    }

    private SettingSources sources(Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("thaw.properties"), configFile());
        Map<String, String> flags = new HashMap<>();
        for (Setting<?> s : RunSettingsSpec.ALL) {
            if (run.hasMatchedOption(s.flag())) {
                flags.put(s.name(), run.matchedOptionValue(s.flag(), ""));
            }
        }
        Map<String, String> env = main.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        return new SettingSources(flags, env, file);
    }

    private RunSettings runSettings(Path tmp) throws Exception {
        return RunSettings.from(sources(tmp), Map.of());
    }

    private int servicePort(String name) {
        ServicePort port = pod.service().getSpec().getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("the Service has no port named " + name));
        return PodManifests.containerPort(main, port.getTargetPort());
    }

    private static String systemProperty(List<String> java, String name) {
        return java.stream().filter(a -> a.startsWith("-D" + name + "=")).map(a -> a.substring(name.length() + 3)).findFirst()
                .orElseThrow(() -> new AssertionError("the leader's java command sets no -D" + name));
    }
}
