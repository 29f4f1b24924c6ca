package dev.thaw.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The manifests of {@code deploy/k8s} as Kubernetes objects: the resources its kustomization.yaml
 * lists, read with fabric8's model classes. One Deployment whose pod has one init container (the
 * checkpoint) and one container (thaw run), one ConfigMap, one Service.
 */
public record PodManifests(Path dir, JsonNode kustomization, Deployment deployment, ConfigMap configMap, Service service) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public static PodManifests load(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no kustomization.yaml in " + dir + ": point at deploy/k8s");
        }
        JsonNode kustomization = YAML.readTree(file.toFile());
        Deployment deployment = null;
        ConfigMap configMap = null;
        Service service = null;
        for (JsonNode resource : kustomization.path("resources")) {
            Path manifest = dir.resolve(resource.asText());
            JsonNode node = YAML.readTree(manifest.toFile());
            switch (node.path("kind").asText()) {
                case "Deployment" -> deployment = YAML.treeToValue(node, Deployment.class);
                case "ConfigMap" -> configMap = YAML.treeToValue(node, ConfigMap.class);
                case "Service" -> service = YAML.treeToValue(node, Service.class);
                default -> throw new IOException(manifest + ": kind '" + node.path("kind").asText()
                        + "' is not one the manifest tests and PodmanPod know (Deployment, ConfigMap, Service)");
            }
        }
        if (deployment == null || configMap == null || service == null) {
            throw new IOException(file + " must list a Deployment, a ConfigMap and a Service");
        }
        return new PodManifests(dir, kustomization, deployment, configMap, service);
    }

    public PodSpec pod() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    /** The init container: it runs {@code thaw checkpoint}. */
    public Container checkpointContainer() {
        return only(pod().getInitContainers(), "init container");
    }

    /** The main container: it runs {@code thaw run} as PID 1. */
    public Container runContainer() {
        return only(pod().getContainers(), "container");
    }

    public static List<String> commandLine(Container c) {
        List<String> line = new ArrayList<>(c.getCommand());
        line.addAll(c.getArgs());
        return line;
    }

    public Volume volume(String name) {
        return pod().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no volume named " + name + " in the pod"));
    }

    /** The mount of {@code c} that holds {@code path}, the longest mount path first (as the kernel resolves it). */
    public static Optional<VolumeMount> mountHolding(Container c, String path) {
        return c.getVolumeMounts().stream()
                .filter(m -> path.equals(m.getMountPath()) || path.startsWith(m.getMountPath() + "/"))
                .max((a, b) -> Integer.compare(a.getMountPath().length(), b.getMountPath().length()));
    }

    /** A container port by its name or number, as a probe or a Service's targetPort names it. */
    public static int containerPort(Container c, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new IllegalStateException("container " + c.getName() + " has no port named " + port.getStrVal()));
    }

    private static Container only(List<Container> containers, String what) {
        if (containers.size() != 1) {
            throw new IllegalStateException("the pod must have exactly one " + what + ", has " + containers.size());
        }
        return containers.get(0);
    }
}
