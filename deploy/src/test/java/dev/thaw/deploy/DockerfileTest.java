package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * deploy/Dockerfile read without building it (PodmanPodTest, in integration-tests, builds it with
 * podman and runs it): its shell is valid, what it copies from the checkout exists, its final stage
 * provides what the manifests run at the paths they run it from, and its base images are build
 * arguments whose defaults are the registry's Debian slim, Temurin and Maven images.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerfileTest {
    private static final Path DOCKERFILE = ManifestTest.REPO.resolve("deploy/Dockerfile");

    /** One instruction with its continuation lines, comments dropped. */
    record Instruction(String keyword, String args) {
    }

    private List<Instruction> all;
    private List<Instruction> finalStage;
    private PodManifests pod;

    @BeforeAll
    void parse() throws Exception {
        all = instructions(Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8));
        int lastFrom = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                lastFrom = i;
            }
        }
        finalStage = all.subList(lastFrom, all.size());
        pod = PodManifests.load(ManifestTest.MANIFESTS);
    }

    private static List<Instruction> instructions(List<String> lines) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("#") || (t.isEmpty() && current.isEmpty())) {
                continue;
            }
            current.append(t).append(t.endsWith("\\") ? "\n" : ""); // continuation kept: RUN stays valid shell
            if (!t.endsWith("\\")) {
                String text = current.toString().strip();
                int space = text.indexOf(' ');
                out.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).strip()));
                current.setLength(0);
            }
        }
        return out;
    }

    @Test
    void every_RUN_is_valid_shell() throws Exception {
        for (Instruction run : all.stream().filter(i -> i.keyword().equals("RUN")).toList()) {
            String script = run.args().replaceAll("^(--\\S+\\s+)+", "");
            Process sh = new ProcessBuilder("sh", "-n", "-c", script).redirectErrorStream(true).start();
            String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, sh.exitValue(), "RUN " + script + "\n" + out);
        }
    }

    @Test
    void what_it_copies_from_the_checkout_exists() {
        for (Instruction copy : all.stream().filter(i -> i.keyword().equals("COPY") && !i.args().startsWith("--from")).toList()) {
            String[] parts = copy.args().split("\\s+");
            for (int i = 0; i < parts.length - 1; i++) {
                if (!parts[i].equals(".")) {
                    assertTrue(Files.exists(ManifestTest.REPO.resolve(parts[i])), "COPY " + parts[i] + ": no such file in the checkout");
                }
            }
        }
    }

    @Test
    void the_final_stage_provides_the_commands_the_containers_run_on_its_PATH() {
        String path = finalStage.stream().filter(i -> i.keyword().equals("ENV")).map(Instruction::args)
                .flatMap(a -> a.lines()).map(l -> l.replaceAll("\\s*\\\\$", "").strip()).filter(l -> l.startsWith("PATH=")).findFirst()
                .orElseThrow(() -> new AssertionError("the final stage sets no PATH")).substring(5);
        String runs = String.join("\n", finalStage.stream().filter(i -> i.keyword().equals("RUN")).map(Instruction::args).toList());
        assertTrue(runs.contains("tar xzf /tmp/thaw.tar.gz -C /opt/thaw --strip-components=1") && path.startsWith("/opt/thaw/bin:"),
                "thaw (the containers' command, the release archive's bin/thaw) must be on PATH: " + path);
        assertTrue(path.contains("/opt/java/openjdk/bin"), "java (the leader's command after '--') must be on PATH: " + path);
        assertTrue(runs.contains(" tini ") && runs.contains(" procps "), "tini takes PID 1; procps gives `kill` to kubectl exec");
        assertTrue(finalStage.stream().anyMatch(i -> i.keyword().equals("COPY") && i.args().contains("/usr/local/sbin/criu")), "CRIU");
    }

    @Test
    void the_final_stage_installs_the_release_archive_that_the_dist_module_builds() throws Exception {
        String build = all.stream().filter(i -> i.keyword().equals("RUN") && i.args().contains("mvn ")).map(Instruction::args)
                .findFirst().orElseThrow(() -> new AssertionError("no stage runs Maven"));
        assertTrue(build.matches("(?s).*-pl (\\S+,)?dist[, ].*") && build.contains("cp dist/target/thaw-*.tar.gz /src/thaw.tar.gz"),
                "the build stage must build the dist module and keep its archive: " + build);
        String dist = Files.readString(ManifestTest.REPO.resolve("dist/pom.xml"), StandardCharsets.UTF_8);
        assertTrue(dist.contains("<finalName>thaw-${project.version}</finalName>"), "dist/pom.xml names the archive thaw-VERSION.tar.gz");
        assertTrue(finalStage.stream().anyMatch(i -> i.keyword().equals("COPY") && i.args().equals("--from=build /src/thaw.tar.gz /tmp/thaw.tar.gz")),
                "the final stage copies the archive from the build stage");
        assertTrue(finalStage.stream().noneMatch(i -> i.keyword().equals("COPY") && i.args().contains("/opt/thaw")),
                "thaw comes only from the archive, not from files copied one by one");
    }

    @Test
    void the_app_sits_where_the_init_container_runs_it_and_the_working_directory_matches() {
        Container init = pod.checkpointContainer();
        List<String> line = PodManifests.commandLine(init);
        String jar = line.get(line.indexOf("-jar") + 1);
        assertTrue(finalStage.stream().anyMatch(i -> i.keyword().equals("COPY") && i.args().endsWith(" " + jar)),
                "the final stage must copy the app to " + jar);
        String workdir = finalStage.stream().filter(i -> i.keyword().equals("WORKDIR")).reduce((a, b) -> b).orElseThrow().args();
        assertEquals(init.getWorkingDir(), workdir);
    }

    @Test
    void thaw_and_the_app_are_built_and_run_with_java_25_from_base_images_given_as_build_arguments() {
        List<String> args = all.stream().filter(i -> i.keyword().equals("ARG")).map(Instruction::args).toList();
        assertTrue(args.contains("DEBIAN_IMAGE=debian:bookworm-slim"), args.toString());
        assertTrue(args.contains("JRE_IMAGE=eclipse-temurin:25-jre"), args.toString());
        assertTrue(args.stream().anyMatch(a -> a.matches("MAVEN_IMAGE=maven:\\S*-eclipse-temurin-25")), args.toString());
        List<String> froms = all.stream().filter(i -> i.keyword().equals("FROM")).map(Instruction::args).toList();
        assertTrue(froms.contains("${JRE_IMAGE} AS jre") && froms.contains("${MAVEN_IMAGE} AS build"), froms.toString());
        assertEquals("${DEBIAN_IMAGE}", froms.get(froms.size() - 1), "the final stage is Debian slim, like the criu stage it takes CRIU from");
        assertTrue(finalStage.stream().anyMatch(i -> i.keyword().equals("COPY") && i.args().equals("--from=jre /opt/java/openjdk /opt/java/openjdk")),
                "the final stage takes Temurin's Java 25 from the JRE image");
    }

    @Test
    void the_local_base_images_script_prints_the_build_arguments_the_dockerfile_declares() throws Exception {
        String script = Files.readString(ManifestTest.REPO.resolve("scripts/container-base-images"), StandardCharsets.UTF_8);
        for (Instruction arg : all.stream().filter(i -> i.keyword().equals("ARG") && i.args().contains("_IMAGE=")).toList()) {
            String name = arg.args().substring(0, arg.args().indexOf('='));
            assertTrue(script.contains(name + "=%s"), "scripts/container-base-images must print " + name + " for machines without a registry");
        }
    }
}
