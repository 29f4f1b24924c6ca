package dev.thaw.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
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
import java.util.Map;
import java.util.Optional;

/**
 * The manifests of {@code deploy/k8s} (or of an overlay such as {@code deploy/k8s/prebuilt}) as
 * Kubernetes objects: the resources its kustomization.yaml lists, read with fabric8's model classes.
 * One Deployment whose pod has one init container (the checkpoint, or the fetch that falls back to
 * it) and one container (thaw run), one ConfigMap, one Service; an overlay adds the Job that makes
 * the image once ({@link #job()}) and the claim of the store it publishes to ({@link #store()}).
 *
 * <p>An overlay is read as kustomize builds it, for the two features the overlays here use: a
 * directory in {@code resources} is a base whose objects come first, and {@code patches} with a
 * {@code target} are RFC 6902 operations ({@code add} and {@code replace}) on the object of that kind
 * and name. Anything else in a kustomization fails the load instead of being ignored.
 */
public record PodManifests(Path dir, JsonNode kustomization, Deployment deployment, ConfigMap configMap, Service service,
        Optional<PodTemplateSpec> job, Optional<PersistentVolumeClaim> store) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final java.util.Set<String> KNOWN_FIELDS = java.util.Set.of("apiVersion", "kind", "labels", "resources", "images",
            "patches");

    public static PodManifests load(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        JsonNode kustomization = kustomization(dir);
        Map<String, JsonNode> objects = objects(dir);
        Deployment deployment = objects.containsKey("Deployment") ? YAML.treeToValue(objects.get("Deployment"), Deployment.class) : null;
        ConfigMap configMap = objects.containsKey("ConfigMap") ? YAML.treeToValue(objects.get("ConfigMap"), ConfigMap.class) : null;
        Service service = objects.containsKey("Service") ? YAML.treeToValue(objects.get("Service"), Service.class) : null;
        if (deployment == null || configMap == null || service == null) {
            throw new IOException(file + " must list a Deployment, a ConfigMap and a Service");
        }
        // A Job's pod template is core API; the Job around it (batch/v1) is read as a tree.
        Optional<PodTemplateSpec> job = objects.containsKey("Job")
                ? Optional.of(YAML.treeToValue(objects.get("Job").path("spec").path("template"), PodTemplateSpec.class)) : Optional.empty();
        Optional<PersistentVolumeClaim> store = objects.containsKey("PersistentVolumeClaim")
                ? Optional.of(YAML.treeToValue(objects.get("PersistentVolumeClaim"), PersistentVolumeClaim.class)) : Optional.empty();
        return new PodManifests(dir, kustomization, deployment, configMap, service, job, store);
    }

    private static JsonNode kustomization(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no kustomization.yaml in " + dir + ": point at deploy/k8s or an overlay of it");
        }
        JsonNode kustomization = YAML.readTree(file.toFile());
        for (java.util.Iterator<String> it = kustomization.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!KNOWN_FIELDS.contains(field)) {
                throw new IOException(file + ": '" + field + "' is not a kustomize feature the manifest tests read (" + KNOWN_FIELDS + ")");
            }
        }
        return kustomization;
    }

    /** The objects of a kustomization by kind (one of each), its bases' first, with its patches applied. */
    private static Map<String, JsonNode> objects(Path dir) throws IOException {
        JsonNode kustomization = kustomization(dir);
        Map<String, JsonNode> objects = new java.util.LinkedHashMap<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                for (Map.Entry<String, JsonNode> base : objects(path).entrySet()) {
                    add(objects, base.getValue(), path);
                }
                continue;
            }
            JsonNode node = YAML.readTree(path.toFile());
            String kind = node.path("kind").asText();
            if (!java.util.Set.of("Deployment", "ConfigMap", "Service", "Job", "PersistentVolumeClaim").contains(kind)) {
                throw new IOException(path + ": kind '" + kind + "' is not one the manifest tests and PodmanPod know"
                        + " (Deployment, ConfigMap, Service, Job, PersistentVolumeClaim)");
            }
            add(objects, node, path);
        }
        for (JsonNode patch : kustomization.path("patches")) {
            String kind = patch.path("target").path("kind").asText();
            String name = patch.path("target").path("name").asText();
            JsonNode target = objects.get(kind);
            if (target == null || !name.equals(target.path("metadata").path("name").asText())) {
                throw new IOException(dir + ": a patch targets " + kind + " " + name + ", which no resource is");
            }
            for (JsonNode op : YAML.readTree(dir.resolve(patch.path("path").asText()).toFile())) {
                JsonPatch.apply(target, op);
            }
        }
        return objects;
    }

    private static void add(Map<String, JsonNode> objects, JsonNode node, Path from) throws IOException {
        if (objects.putIfAbsent(node.path("kind").asText(), node) != null) {
            throw new IOException(from + ": a second " + node.path("kind").asText() + "; the manifest tests know one of each kind");
        }
    }

    public PodSpec pod() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    /** The init container: it runs {@code thaw checkpoint} (or, in deploy/k8s/prebuilt, fetches first). */
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
