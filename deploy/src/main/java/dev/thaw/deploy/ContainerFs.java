package dev.thaw.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's file system laid over this machine, the way pod-sim runs it: each volume mount is a
 * directory of the simulated pod (shared by the containers that mount the same volume, as an
 * emptyDir is), each path of the container image given with {@code --map} is a directory of this
 * checkout (the image is built from it), and everything else is this machine's. Container paths in
 * command lines, environment values and the working directory are rewritten accordingly; nothing
 * else of the manifest changes.
 */
final class ContainerFs {
    private static final Pattern VAR_REF = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

    private final Container container;
    /** Container path -> host path, longest container path first so that nested mounts win. */
    private final List<Map.Entry<String, Path>> mounts = new ArrayList<>();

    ContainerFs(Container container, Map<String, Path> volumeDirs, Map<String, Path> imagePaths) {
        this.container = container;
        for (VolumeMount m : container.getVolumeMounts()) {
            Path dir = volumeDirs.get(m.getName());
            if (dir == null) {
                throw new IllegalStateException("container " + container.getName() + " mounts volume " + m.getName() + ", which the pod does not declare");
            }
            mounts.add(Map.entry(m.getMountPath(), m.getSubPath() == null || m.getSubPath().isEmpty() ? dir : dir.resolve(m.getSubPath())));
        }
        imagePaths.forEach((inImage, host) -> mounts.add(Map.entry(inImage, host)));
        mounts.sort(Comparator.comparingInt((Map.Entry<String, Path> e) -> e.getKey().length()).reversed());
    }

    /** Creates a directory per volume of the pod: emptyDirs empty, ConfigMap volumes with one file per key. */
    static Map<String, Path> createVolumes(List<Volume> volumes, ConfigMap configMap, Path root) throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (Volume v : volumes) {
            Path dir = Files.createDirectories(root.resolve(v.getName()));
            if (v.getConfigMap() != null) {
                if (!v.getConfigMap().getName().equals(configMap.getMetadata().getName())) {
                    throw new IllegalStateException("volume " + v.getName() + " names ConfigMap " + v.getConfigMap().getName()
                            + ", which the kustomization does not list");
                }
                for (Map.Entry<String, String> e : configMap.getData().entrySet()) {
                    Files.writeString(dir.resolve(e.getKey()), e.getValue());
                }
            } else if (v.getEmptyDir() == null) {
                throw new IllegalStateException("volume " + v.getName() + ": pod-sim stands in for emptyDir and configMap volumes only");
            }
            dirs.put(v.getName(), dir);
        }
        return dirs;
    }

    /** A container path as this machine sees it; anything outside the mounts and image paths is unchanged. */
    String hostPath(String path) {
        for (Map.Entry<String, Path> m : mounts) {
            String inside = m.getKey();
            if (path.equals(inside)) {
                return m.getValue().toString();
            }
            if (path.startsWith(inside + "/")) {
                return m.getValue() + path.substring(inside.length());
            }
        }
        return path;
    }

    /** One argument or value: a container path, or {@code --flag=PATH}, becomes the host path. */
    String rewrite(String value) {
        String whole = hostPath(value);
        if (!whole.equals(value)) {
            return whole;
        }
        int eq = value.indexOf('=');
        return eq < 0 ? value : value.substring(0, eq + 1) + hostPath(value.substring(eq + 1));
    }

    /**
     * The container's environment as the kubelet builds it (envFrom, then env in order, with
     * {@code $(VAR)} references to earlier variables), on top of {@code base}, values rewritten.
     */
    Map<String, String> environment(Map<String, String> base, ConfigMap configMap) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            requireThisConfigMap(from.getConfigMapRef() == null ? null : from.getConfigMapRef().getName(), configMap, "envFrom");
            configMap.getData().forEach((k, v) -> env.put((from.getPrefix() == null ? "" : from.getPrefix()) + k, v));
        }
        for (EnvVar var : container.getEnv()) {
            String value;
            if (var.getValueFrom() != null) {
                var ref = var.getValueFrom().getConfigMapKeyRef();
                requireThisConfigMap(ref == null ? null : ref.getName(), configMap, "env " + var.getName());
                value = configMap.getData().get(ref.getKey());
            } else {
                Map<String, String> visible = new LinkedHashMap<>(base);
                visible.putAll(env);
                value = expand(var.getValue() == null ? "" : var.getValue(), visible);
            }
            env.put(var.getName(), value);
        }
        env.replaceAll((k, v) -> rewrite(v));
        Map<String, String> all = new LinkedHashMap<>(base); // the image's own variables are this machine's already
        all.putAll(env);
        return all;
    }

    /** command + args, with {@code $(VAR)} expanded from the container's environment as Kubernetes does, paths rewritten. */
    List<String> commandLine(Map<String, String> env) {
        return PodManifests.commandLine(container).stream().map(a -> rewrite(expand(a, env))).toList();
    }

    Path workingDir() {
        return Path.of(hostPath(container.getWorkingDir() == null ? "/" : container.getWorkingDir()));
    }

    /** Kubernetes' expansion: {@code $(NAME)} of a defined variable is replaced, {@code $$} is a literal {@code $}, anything else stays. */
    static String expand(String s, Map<String, String> env) {
        Matcher m = VAR_REF.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1) == null ? "$" : env.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(out).toString();
    }

    private static void requireThisConfigMap(String name, ConfigMap configMap, String where) {
        if (name == null || !name.equals(configMap.getMetadata().getName())) {
            throw new IllegalStateException(where + ": pod-sim reads only the ConfigMap " + configMap.getMetadata().getName());
        }
    }
}
