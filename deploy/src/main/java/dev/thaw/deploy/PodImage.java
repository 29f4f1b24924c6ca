package dev.thaw.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The container image of deploy/Dockerfile, built with podman as PodmanPodTest and the pods' benchmark need it:
 * its base images from scripts/container-base-images (Debian's archive: no registry needed), its layers cached in
 * podman's store (only a machine's first build is slow: the base images ~2 min, CRIU ~3 min, then thaw's Maven build).
 */
public final class PodImage {
    private PodImage() {
    }

    /**
     * Builds the image, tags it {@code tag}, and names it by its id too: both containers of a pod then name one build,
     * so one JDK in both.
     *
     * @return the image named by its id ({@code localhost/thaw-sample:<12 hex digits>})
     * @throws IllegalStateException with the tail of podman's output when a step fails
     */
    public static String build(Podman podman, Path repo, String tag, Duration bound) throws IOException, InterruptedException {
        Podman.Result bases = podman.exec(bound, List.of(repo.resolve("scripts/container-base-images").toString()));
        if (!bases.ok()) {
            throw new IllegalStateException("scripts/container-base-images failed:\n" + tail(bases.output(), 30));
        }
        List<String> build = new ArrayList<>(List.of("build", "--layers", "-f", "deploy/Dockerfile", "--ignorefile", "deploy/Dockerfile.dockerignore"));
        for (String line : bases.output().lines().toList()) {
            if (line.matches("[A-Z_]+_IMAGE=\\S+")) {
                build.addAll(List.of("--build-arg", line));
            }
        }
        if (build.size() != 12) {
            throw new IllegalStateException("three base images expected from scripts/container-base-images:\n" + bases.output());
        }
        build.addAll(List.of("-t", tag, repo.toString()));
        Podman.Result built = podman.run(bound, build);
        if (!built.ok()) {
            throw new IllegalStateException("podman build of deploy/Dockerfile failed:\n" + tail(built.output(), 60));
        }
        String id = podman.run(Duration.ofSeconds(60), "image", "inspect", "--format", "{{.Id}}", tag).output().strip();
        String byId = "localhost/thaw-sample:" + id.substring(0, 12);
        if (!podman.run(Duration.ofSeconds(60), "tag", tag, byId).ok()) {
            throw new IllegalStateException("podman tag " + tag + " " + byId + " failed");
        }
        return byId;
    }

    /**
     * {@code image} with another build of the JDK's libjvm.so, as after an in-place JDK update (bytes appended: the JVM
     * still runs, the digest thaw recorded no longer matches), tagged {@code tag}.
     */
    public static String otherJdk(Podman podman, String image, String tag, Duration bound) throws IOException, InterruptedException {
        Path context = Files.createTempDirectory("thaw-other-jdk");
        try {
            Files.writeString(context.resolve("Containerfile"), "FROM " + image + "\n"
                    + "RUN printf 'another build\\n' >> /opt/java/openjdk/lib/server/libjvm.so && java -version\n");
            Podman.Result built = podman.run(bound, "build", "--layers", "-t", tag, context.toString());
            if (!built.ok()) {
                throw new IllegalStateException("podman build of the other-JDK image failed:\n" + tail(built.output(), 30));
            }
            return tag;
        } finally {
            Files.deleteIfExists(context.resolve("Containerfile"));
            Files.deleteIfExists(context);
        }
    }

    static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
