package dev.thaw.leader;

import dev.thaw.ThawException;
import dev.thaw.image.FileDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The JDK a leader ran on. A restored worker maps the leader's libjvm.so and CDS archive by path, so
 * restoring on another JDK (an upgrade in place, another vendor) would crash or misbehave: the
 * manifest records the version and a digest of libjvm.so, and every run compares them.
 */
public record JdkInfo(String home, String version, String vendor, FileDigest libjvm) {

    public static JdkInfo of(Path javaHome) {
        Properties release = new Properties();
        Path releaseFile = javaHome.resolve("release");
        try (var in = Files.newBufferedReader(releaseFile)) {
            release.load(in);
        } catch (IOException e) {
            throw ThawException.badImage("JDK at " + javaHome + " has no readable release file (" + e.getMessage()
                    + "): is it still installed?");
        }
        Path libjvm = javaHome.resolve("lib/server/libjvm.so");
        if (!Files.isRegularFile(libjvm)) {
            throw ThawException.badImage("JDK at " + javaHome + " has no lib/server/libjvm.so: is it still installed?");
        }
        return new JdkInfo(javaHome.toString(), unquote(release.getProperty("JAVA_RUNTIME_VERSION",
                release.getProperty("JAVA_VERSION", "unknown"))), unquote(release.getProperty("IMPLEMENTOR", "unknown")),
                FileDigest.of(libjvm, libjvm.toString()));
    }

    private static String unquote(String s) {
        return s.replaceAll("^\"|\"$", "");
    }

    public String describe() {
        return vendor + " " + version + " (" + home + ")";
    }
}
