package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerFsTest {
    private static final ConfigMap CONFIG = new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
            .withData(Map.of("mode", "fast")).build();

    private static Container container() {
        return new ContainerBuilder().withName("c").withWorkingDir("/app")
                .withCommand("thaw", "run", "--image", "/var/lib/thaw/image", "--config=/etc/thaw/thaw.properties", "$(DIR)/x", "$$(DIR)", "/var/lib/thawed")
                .addNewVolumeMount().withName("image").withMountPath("/var/lib/thaw").endVolumeMount()
                .addNewVolumeMount().withName("config").withMountPath("/etc/thaw").endVolumeMount()
                .addNewEnv().withName("DIR").withValue("/var/lib/thaw").endEnv()
                .addNewEnv().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef().withName("cfg").withKey("mode").endConfigMapKeyRef().endValueFrom().endEnv()
                .build();
    }

    private static ContainerFs fs() {
        return new ContainerFs(container(), Map.of("image", Path.of("/w/image"), "config", Path.of("/w/config")), Map.of("/app", Path.of("/repo/app")));
    }

    @Test
    void container_paths_on_volumes_and_image_paths_become_host_paths_and_nothing_else_changes() {
        ContainerFs fs = fs();
        Map<String, String> env = fs.environment(Map.of("PATH", "/bin"), CONFIG);
        assertEquals(List.of("thaw", "run", "--image", "/w/image/image", "--config=/w/config/thaw.properties", "/w/image/x", "$(DIR)",
                "/var/lib/thawed"), fs.commandLine(env));
        assertEquals(Path.of("/repo/app"), fs.workingDir());
    }

    @Test
    void the_environment_takes_values_and_configmap_keys_and_leaves_the_images_own_variables_alone() {
        Map<String, String> env = fs().environment(Map.of("PATH", "/var/lib/thaw/bin"), CONFIG);
        assertEquals("/w/image", env.get("DIR"));
        assertEquals("fast", env.get("MODE"));
        assertEquals("/var/lib/thaw/bin", env.get("PATH"), "the base environment is this machine's already");
    }

    @Test
    void kubernetes_expansion_replaces_defined_variables_only_and_unescapes_double_dollars() {
        Map<String, String> env = Map.of("A", "1");
        assertEquals("1-$(B)-$(A)", ContainerFs.expand("$(A)-$(B)-$$(A)", env));
    }

    @Test
    void a_mount_of_a_volume_the_pod_does_not_declare_is_refused() {
        assertThrows(IllegalStateException.class, () -> new ContainerFs(container(), Map.of("image", Path.of("/w/image")), Map.of()));
    }
}
