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

    private PodManifests pod;
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
