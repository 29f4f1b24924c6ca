package dev.thaw.bench;

import dev.thaw.cli.ThawCli;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * How the bench starts thaw: its CLI in a process of its own, as a user would type it, so that what
 * is measured is what an operator gets. It is the thaw.jar on the bench's own class path ('thaw bench'
 * puts it there), started by this JVM's java with the flags scripts/thaw gives it.
 */
final class ThawCommand {
    /** scripts/thaw's start-up flags: thaw's own JVM is short-lived and should not compete for the CPU it measures. */
    private static final List<String> LAUNCHER_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");
    /** What thaw.jar's manifest grants when it runs with -jar, given by hand when thaw runs from a class path. */
    private static final List<String> MANIFEST_FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "--add-exports",
            "java.base/sun.nio.ch=ALL-UNNAMED");

    private ThawCommand() {
    }

    /** java, its flags and thaw's jar (or class path and main class): the command line up to thaw's subcommand. */
    static List<String> locate() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(LAUNCHER_FLAGS);
        Path thaw = thawClasses();
        if (isRunnableJar(thaw)) {
            command.addAll(List.of("-jar", thaw.toString()));
        } else { // thaw's classes or its unshaded jar (a test, an IDE): this JVM's class path holds thaw and its libraries
            command.addAll(MANIFEST_FLAGS);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ThawCli.class.getName()));
        }
        return command;
    }

    /** thaw.jar, shaded with its libraries and its main class; not the module's plain jar a Maven build puts on a class path. */
    private static boolean isRunnableJar(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            return jar.getManifest() != null && jar.getManifest().getMainAttributes().getValue("Main-Class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path thawClasses() {
        try {
            return Path.of(ThawCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
