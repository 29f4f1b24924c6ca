package dev.thaw.it;


import dev.thaw.ThawException;
import dev.thaw.criu.Criu;
import dev.thaw.host.Privileges;
import dev.thaw.testkit.MachineRequirement;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the integration tests need from the machine. Outside CI a test that needs CRIU and root is
 * skipped with the reason; with THAW_REQUIRE_CRIU=1 (CI sets it) a missing requirement is a failure.
 */
final class Environment {
    static final Path REPO = Path.of(System.getProperty("thaw.repo", "..")).toAbsolutePath().normalize();
    static final Path THAW = REPO.resolve("scripts/thaw");
    static final Path SAMPLE_JAR = REPO.resolve("sample-app/target/thaw-sample-app.jar");
    /** A Spring Boot fat jar built by the Spring Boot Maven plugin, with no org.crac and nothing of thaw in it. */
    static final Path SPRING_JAR = REPO.resolve("spring-sample/target/thaw-spring-sample.jar");
    /** thaw's test subjects per web server (JDK HttpServer, Jetty 12, Undertow): a jar naming its lib/ on its class path. */
    static final Path SERVER_APPS_JAR = REPO.resolve("server-apps/target/thaw-server-apps.jar");
    /** A Spring WebFlux fat jar (Reactor Netty), with nothing of thaw in it. */
    static final Path WEBFLUX_JAR = REPO.resolve("webflux-sample/target/thaw-webflux-sample.jar");
    /** The JDK running the tests is the JDK the sample app's leader runs on. */
    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private Environment() {
    }

    /** Skips (or, in CI, fails) the calling test unless CRIU works and we may run it. */
    static void requireCriu() {
        String problem = criuProblem();
        if (problem != null) {
            MachineRequirement.unmet(problem);
        }
    }

    /**
     * Skips (or, in CI, fails) the calling test unless CRIU has thaw's mmap-page-image patch, which
     * scripts/setup builds: a CI machine set up by it must restore by mapping.
     */
    static void requireMappingCriu() {
        requireCriu();
        if (Criu.locate().supports(dev.thaw.criu.RestoreMode.FEATURE)) {
            return;
        }
        MachineRequirement.unmet("CRIU at " + Criu.locate().binary() + " has no " + dev.thaw.criu.RestoreMode.FEATURE + " (run scripts/setup)");
    }

    private static String criuProblem() {
        try {
            Criu criu = Criu.locate();
            String check = criu.check().orElse(null);
            if (check != null) {
                return "'criu check' fails: " + check;
            }
        } catch (ThawException e) {
            return e.getMessage();
        }
        if (!Privileges.missing().isEmpty()) {
            return "CRIU needs root; missing " + Privileges.missing();
        }
        if (!Files.isRegularFile(SAMPLE_JAR)) {
            return "sample app not built at " + SAMPLE_JAR;
        }
        return null;
    }
}
