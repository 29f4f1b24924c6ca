package dev.thaw.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * How a pod's time to readiness is measured, the same way by PodmanPodTest and the pods' benchmark: from
 * {@code podman kube play} to the first 200, polled every 50 ms on the pod's published port, as a readiness probe
 * that never waits; a container's own run from podman's record of its start and finish.
 */
public final class PodClock {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SHORT = Duration.ofSeconds(60);
    private final Podman podman;

    public PodClock(Podman podman) {
        this.podman = podman;
    }

    /**
     * Polls until GET {@code path} on 127.0.0.1:{@code port} answers {@code status}.
     *
     * @return the milliseconds since {@code startNanos} (a {@link System#nanoTime} taken just before the pod was played)
     * @throws AssertionError naming the last answer, with the tail of {@code container}'s log, after {@code bound}
     */
    public long awaitStatus(int port, String path, int status, long startNanos, Duration bound, String container)
            throws IOException, InterruptedException {
        long until = startNanos + bound.toNanos();
        int last = -1;
        while (System.nanoTime() < until) {
            last = HttpProbe.get(port, path, 2000).status();
            if (last == status) {
                return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("GET " + path + " on 127.0.0.1:" + port + " never answered " + status + " within " + bound.toSeconds()
                + " s (last " + last + "):\n" + PodImage.tail(logs(container), 40));
    }

    /** How long a container ran, from podman's record of its start and finish. */
    public long runMillis(String container) throws IOException, InterruptedException {
        Podman.Result r = podman.run(SHORT, "inspect", container);
        if (!r.ok()) {
            throw new IllegalStateException("podman inspect " + container + ": " + r.output());
        }
        JsonNode state = JSON.readTree(r.output()).get(0).path("State");
        return Duration.between(OffsetDateTime.parse(state.path("StartedAt").asText()),
                OffsetDateTime.parse(state.path("FinishedAt").asText())).toMillis();
    }

    /** The slowest worker's restore, restore to ready, as 'thaw status --json' in the main container reports it. */
    public long slowestRestoreMillis(String mainContainer) throws IOException, InterruptedException {
        long slowest = 0;
        for (JsonNode w : status(mainContainer).path("workers")) {
            slowest = Math.max(slowest, w.path("readyMillis").asLong());
        }
        return slowest;
    }

    /** 'thaw status --json' in the main container (kubectl exec). */
    public JsonNode status(String mainContainer) throws IOException, InterruptedException {
        Podman.Result r = podman.run(SHORT, "exec", mainContainer, "thaw", "status", "--json");
        if (!r.ok()) {
            throw new IllegalStateException("podman exec thaw status --json: " + r.output());
        }
        List<String> lines = r.output().strip().lines().toList();
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    public String logs(String container) throws IOException, InterruptedException {
        return podman.run(SHORT, "logs", container).output();
    }

    /**
     * A pod of one container that runs {@code java} (the init container's leader command line, after its {@code --}) as a
     * plain JVM, without thaw, in the same image, as the image's user {@code uid}, its {@code appPort} published on
     * 127.0.0.1:{@code hostPort}.
     */
    public static String plainJvmPodYaml(String name, String image, List<String> java, int appPort, int hostPort, String uid) {
        StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n"
                + "  restartPolicy: Never\n  volumes:\n    - name: tmp\n      emptyDir: {}\n  containers:\n    - name: app\n"
                + "      image: " + image + "\n      imagePullPolicy: Never\n      workingDir: /app\n      command:\n");
        java.forEach(a -> yaml.append("        - \"").append(a).append("\"\n"));
        yaml.append("      securityContext:\n        runAsUser: " + uid + "\n        readOnlyRootFilesystem: true\n"
                + "        allowPrivilegeEscalation: false\n        capabilities:\n          drop: [ALL]\n"
                + "      ports:\n        - containerPort: " + appPort + "\n          hostIP: 127.0.0.1\n          hostPort: " + hostPort + "\n"
                + "      volumeMounts:\n        - name: tmp\n          mountPath: /tmp\n");
        return yaml.toString();
    }
}
