package dev.thaw.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The pod of deploy/k8s as {@code podman kube play} takes it: the Deployment's pod template with its
 * ConfigMap, as a kubelet would run it, with only these changes, each because podman is not a cluster:
 * <ul>
 * <li>the image is the one just built (what {@code kustomize edit set image} does for a registry);</li>
 * <li>the main container's ports are published on 127.0.0.1 (hostIP/hostPort), since nothing here
 * routes to a pod's own address the way a Service does;</li>
 * <li>{@code restartPolicy: Never}: podman 4.3 applies a pod's restart policy to its init containers
 * too, and would start a finished init container again and again;</li>
 * <li>the init container is kept after it ran (podman's {@code init.container.type: always}), so its
 * log can be read, as {@code kubectl logs POD -c checkpoint} reads it;</li>
 * <li>a container's {@code seccompProfile} and {@code appArmorProfile} of type Unconfined are also
 * given as the annotations podman 4.3 reads them from (it ignores those securityContext fields).</li>
 * <li>a PersistentVolumeClaim (deploy/k8s/prebuilt's store) is bound to a host directory the test
 * gives ({@link #withClaim}), as a cluster's provisioner binds it to a volume;</li>
 * </ul>
 * The Job of deploy/k8s/prebuilt is played the same way, as the pod its template makes
 * ({@link #jobYaml}). Commands, env, volumes, mounts, securityContext and resources are the manifests' own. A test may
 * still change the init container's command (to make it fail on purpose) or give the main container
 * another image.
 */
public record PodmanPod(String name, String image, String mainImage, int appHostPort, int metricsHostPort,
        UnaryOperator<List<String>> initCommand, Map<String, String> claims) {

    public static PodmanPod of(String name, String image, int appHostPort, int metricsHostPort) {
        return new PodmanPod(name, image, image, appHostPort, metricsHostPort, UnaryOperator.identity(), Map.of());
    }

    public PodmanPod withMainImage(String other) {
        return new PodmanPod(name, image, other, appHostPort, metricsHostPort, initCommand, claims);
    }

    public PodmanPod withInitCommand(UnaryOperator<List<String>> change) {
        return new PodmanPod(name, image, mainImage, appHostPort, metricsHostPort, change, claims);
    }

    /** The volume of claim {@code claimName} is the host directory {@code hostDir}. */
    public PodmanPod withClaim(String claimName, java.nio.file.Path hostDir) {
        Map<String, String> more = new TreeMap<>(claims);
        more.put(claimName, hostDir.toAbsolutePath().toString());
        return new PodmanPod(name, image, mainImage, appHostPort, metricsHostPort, initCommand, Map.copyOf(more));
    }

    /** The container names podman gives: POD-CONTAINER. */
    public String container(Container c) {
        return name + "-" + c.getName();
    }

    /** The YAML to give {@code podman kube play}: the ConfigMap, then the Deployment's pod. */
    public String yaml(PodManifests manifests) throws IOException {
        return yaml(manifests, manifests.deployment().getSpec().getTemplate());
    }

    /** The YAML to give {@code podman kube play} for the pod of the overlay's Job (it makes the image once). */
    public String jobYaml(PodManifests manifests) throws IOException {
        return yaml(manifests, manifests.job().orElseThrow(() -> new IllegalStateException(manifests.dir() + " has no Job")));
    }

    private String yaml(PodManifests manifests, PodTemplateSpec template) throws IOException {
        PodSpec spec = new PodSpecBuilder(template.getSpec()).build();
        if (spec.getInitContainers().size() != 1 || spec.getContainers().size() != 1) {
            throw new IllegalStateException("a pod of one init container and one container is expected");
        }
        Container init = new ContainerBuilder(spec.getInitContainers().get(0)).build();
        init.setImage(image);
        init.setImagePullPolicy("Never");
        List<String> command = initCommand.apply(new ArrayList<>(PodManifests.commandLine(init)));
        init.setCommand(command);
        init.setArgs(List.of());
        Container main = new ContainerBuilder(spec.getContainers().get(0)).build();
        main.setImage(mainImage);
        main.setImagePullPolicy("Never");
        // thaw's endpoint (the probes' port) on one host port, the app's on the other.
        int metrics = main.getReadinessProbe() == null ? -1 : PodManifests.containerPort(main, main.getReadinessProbe().getHttpGet().getPort());
        for (ContainerPort p : main.getPorts()) {
            p.setHostIP("127.0.0.1");
            p.setHostPort(p.getContainerPort() == metrics ? metricsHostPort : appHostPort);
        }
        spec.setInitContainers(List.of(init));
        spec.setContainers(List.of(main));
        spec.setRestartPolicy("Never");
        List<Volume> volumes = new ArrayList<>();
        for (Volume v : spec.getVolumes()) {
            if (v.getPersistentVolumeClaim() == null) {
                volumes.add(v);
                continue;
            }
            String dir = claims.get(v.getPersistentVolumeClaim().getClaimName());
            if (dir == null) {
                throw new IllegalStateException("the pod mounts claim " + v.getPersistentVolumeClaim().getClaimName() + ": bind it with withClaim");
            }
            volumes.add(new VolumeBuilder().withName(v.getName()).withNewHostPath().withPath(dir).withType("Directory").endHostPath().build());
        }
        spec.setVolumes(volumes);
        Map<String, String> annotations = new TreeMap<>(Map.of("io.podman.annotations.init.container.type", "always"));
        for (Container c : List.of(init, main)) {
            SecurityContext sc = c.getSecurityContext();
            if (sc != null && sc.getSeccompProfile() != null && "Unconfined".equals(sc.getSeccompProfile().getType())) {
                annotations.put("container.seccomp.security.alpha.kubernetes.io/" + c.getName(), "unconfined");
            }
            if (sc != null && sc.getAppArmorProfile() != null && "Unconfined".equals(sc.getAppArmorProfile().getType())) {
                annotations.put("container.apparmor.security.beta.kubernetes.io/" + c.getName(), "unconfined");
            }
        }
        Pod pod = new PodBuilder().withNewMetadata().withName(name)
                .withLabels(template.getMetadata().getLabels())
                .withAnnotations(annotations).endMetadata()
                .withSpec(spec).build();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        ConfigMap configMap = new ConfigMapBuilder(manifests.configMap()).build();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
        return yaml.writeValueAsString(configMap) + "---\n" + yaml.writeValueAsString(pod);
    }
}
