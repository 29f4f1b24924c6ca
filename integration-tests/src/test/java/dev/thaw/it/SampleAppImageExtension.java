package dev.thaw.it;

import dev.thaw.testkit.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Checkpoints the sample app once per test run and hands the {@link SampleAppImage} to every test
 * class that declares one as a parameter (of its {@code @BeforeAll}, typically). A checkpoint costs
 * a leader start, a warm-up and a dump, 10-20 s on this machine: it was paid once per class.
 *
 * <p>Surefire runs every integration test class in one JVM, so the image lives in the root context's
 * store, which closes it (and deletes its directory) when the whole run ends.
 */
final class SampleAppImageExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SampleAppImageExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SampleAppImage.class;
    }

    @Override
    public SampleAppImage resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Environment.requireCriu();
        SampleAppImage image = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Checkpointed.class, key -> Checkpointed.make(), Checkpointed.class).image();
        try {
            image.awaitPortFree(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return image;
    }

    /** The image and the directory it is in, deleted when the root store closes. */
    private record Checkpointed(Path work, SampleAppImage image) implements AutoCloseable {
        static Checkpointed make() {
            Path work;
            try {
                work = Files.createTempDirectory("thaw-sample-image-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                return new Checkpointed(work, checkpoint(work.resolve("image")));
            } catch (RuntimeException | Error e) {
                deleteQuietly(work);
                throw e;
            }
        }

        private static SampleAppImage checkpoint(Path dir) {
            int port = FreePort.pick();
            String app = "http://127.0.0.1:" + port;
            ThawProcess.Result r;
            try {
                r = ThawProcess.run(dir.getParent(), Map.of(), Duration.ofMinutes(3), "checkpoint", "--image", dir.toString(),
                        "--warmup-url", app + "/health", "--warmup-url", app + "/items/7", "--warmup-requests", "200",
                        "--", Environment.JAVA.toString(), "-Xmx256m", "-Dsample.port=" + port, "-Dsample.dataset.mb=10",
                        "-jar", Environment.SAMPLE_JAR.toString());
            } catch (Exception e) {
                throw new IllegalStateException("running thaw checkpoint for the shared sample app image", e);
            }
            if (r.exitCode() != 0) {
                throw new AssertionError("checkpointing the shared sample app image failed:\n" + r.output());
            }
            return new SampleAppImage(dir, port);
        }

        @Override
        public void close() throws Exception {
            TempFiles.delete(work);
        }

        private static void deleteQuietly(Path work) {
            try {
                TempFiles.delete(work);
            } catch (Exception e) {
                // the checkpoint's failure is what matters
            }
        }
    }
}
