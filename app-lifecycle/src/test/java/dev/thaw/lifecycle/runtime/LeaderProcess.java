package dev.thaw.lifecycle.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import dev.thaw.lifecycle.agent.ThawAgent;
import dev.thaw.lifecycle.control.Message;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A {@link LeaderApp} JVM started the way the orchestrator starts a leader: same java as the tests,
 * {@code -javaagent} with thaw's agent and {@code -Dthaw.control}, stdin a pipe the test writes
 * the identity to. The tests run before the module is packaged, so the agent jar is a manifest
 * naming {@link ThawAgent} as Premain-Class, and the classes come from the class path. Unlike the
 * orchestrator it does not pass {@code -Dorg.crac.Core.Compat}: the agent must set it, or the app's
 * org.crac resource never reaches thaw and its reports are missing.
 */
final class LeaderProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final StringBuffer output = new StringBuffer();

    private LeaderProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), "stdout", line -> {
            output.append("  out| ").append(line).append('\n');
            stdout.add(line);
        });
        pump(process.getErrorStream(), "stderr", line -> output.append("  err| ").append(line).append('\n'));
    }

    static LeaderProcess start(Path workDir, Path controlSocket, String scenario, String... jvmOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m"));
        command.add("-javaagent:" + agentJar(workDir));
        command.add("-D" + ThawAgent.CONTROL_PROPERTY + "=" + controlSocket);
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", classPath(), LeaderApp.class.getName(), scenario));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("GREETING");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        return new LeaderProcess(builder.start());
    }

    private static Path agentJar(Path dir) throws IOException {
        Path jar = dir.resolve("thaw-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), ThawAgent.class.getName());
        manifest.getMainAttributes().put(new Attributes.Name("Can-Retransform-Classes"), "true");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.finish();
        }
        return jar;
    }

    /** Main classes, test classes, org.crac and ASM (shaded into the real agent jar), wherever the build put them. */
    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(ThawAgent.class, LeaderApp.class, org.crac.Core.class, org.objectweb.asm.ClassReader.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void pump(InputStream in, String name, Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, "leader-" + name);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Waits for the next stdout line, which must start with {@code word}, and returns its
     * {@code key=value} words.
     */
    Map<String, String> expectReport(String word, Duration timeout) throws InterruptedException {
        String line = stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            return fail("the leader did not report '" + word + "' within " + timeout + diagnostics());
        }
        if (!line.startsWith(word)) {
            return fail("expected the report '" + word + "', got '" + line + "'" + diagnostics());
        }
        Map<String, String> words = new HashMap<>();
        for (String w : line.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                words.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return words;
    }

    /** Fails if the app reports anything more within {@code quiet}. */
    void expectNoMoreReports(Duration quiet) throws InterruptedException {
        String line = stdout.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        if (line != null) {
            fail("unexpected report '" + line + "'" + diagnostics());
        }
    }

    /** Writes one control line to the JVM's stdin, as the orchestrator does through the restored pipe. */
    void writeStdin(Message message) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Closes the JVM's stdin, as when the orchestrator dies while the leader waits for the dump. */
    void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("the JVM did not exit within " + timeout + diagnostics());
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the JVM printed, for failure messages. */
    String diagnostics() {
        return "\n--- leader JVM (" + (process.isAlive() ? "alive" : "exit " + process.exitValue()) + ") ---\n" + output;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
