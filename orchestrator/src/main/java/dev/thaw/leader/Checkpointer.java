package dev.thaw.leader;

import dev.thaw.Bytes;
import dev.thaw.ThawException;
import dev.thaw.control.ControlEvent;
import dev.thaw.control.ControlServer;
import dev.thaw.control.Peer;
import dev.thaw.criu.Criu;
import dev.thaw.criu.CriuLog;
import dev.thaw.host.DiskSpace;
import dev.thaw.host.OutputPump;
import dev.thaw.image.FileDigest;
import dev.thaw.image.HostFingerprint;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.control.ControlMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Makes an image: start the leader with thaw's agent, wait for it, warm it up, have it run its
 * beforeCheckpoint callbacks, dump it with CRIU into a staging directory, write the manifest and
 * move the image into place. Any failure leaves the previous image untouched.
 */
public final class Checkpointer {
    private final Criu criu;
    private final Progress progress;
    private final LeaderWarmup warmup;
    private final BlockingQueue<ControlEvent> events = new LinkedBlockingQueue<>();
    private Peer leaderPeer;

    public Checkpointer(Criu criu, Progress progress) {
        this.criu = criu;
        this.progress = progress;
        this.warmup = new LeaderWarmup(progress);
    }

    public ImageManifest checkpoint(CheckpointRequest request) throws IOException, InterruptedException {
        ImageDirectory image = new ImageDirectory(request.image());
        image.checkWritable(request.force());
        image.protectParent().ifPresent(progress::say);
        image.removeLeftovers();
        if (!request.warmupUrls().isEmpty()) {
            PrivateNetwork.requireNothingServes(request.warmupUrls().get(0));
        }
        Path runDir = Files.createTempDirectory("thaw-ckpt-");
        Process leader = null;
        Path staging = null;
        boolean keepRunDir = false;
        try (InterruptCleanup interrupted = InterruptCleanup.install(progress);
             ControlServer server = ControlServer.open(runDir.resolve("control.sock"), events::add)) {
            interrupted.removeOnInterrupt(runDir);
            server.allow(runDir, request.appUser());
            List<String> command = LeaderCommand.build(request.command(), request.agentJar(), server.socket(), request.leaderProperties(),
                    request.appUser());
            long started = System.nanoTime();
            leader = startLeader(command, request.workingDirectory());
            ControlMessage.Hello hello = awaitLeaderHello(leader, request.readyTimeout());
            JdkInfo jdk = JdkInfo.of(Path.of(hello.javaHome()));
            progress.say("leader pid " + leader.pid() + " connected (" + jdk.vendor() + " " + jdk.version() + ")");
            ImageManifest.PipeInodes pipes = ImageManifest.PipeInodes.of(leader.pid());
            long coldStartMillis;
            ControlMessage.ReadyToDump ready;
            if (request.appCheckpoint()) {
                coldStartMillis = 0;
                ready = awaitAppCheckpoint(leader, request.readyTimeout().plus(request.checkpointTimeout()));
            } else {
                LeaderWarmup.Warmed warmed = warmup.first(request, leader, started);
                if (request.rehearse()) {
                    warmed = warmed.then(rehearse(request, leader, warmed));
                }
                coldStartMillis = warmed.coldStartMillis();
                ready = requestCheckpoint(leader, request.checkpointTimeout());
                SharedPort.requireLeaderAnswered(request.warmupUrls(), warmed.answered200(), ready.requestsServed(), warmed.leaderListens());
            }
            guardrailReport(ready).lines().forEach(progress::say);
            ImageManifest.MemoryAtDump memory = ImageManifest.MemoryAtDump.of(ready.memory());
            staging = image.createStaging();
            interrupted.removeOnInterrupt(staging);
            interrupted.guard(image); // from here a swap may be under way when a signal comes
            DiskSpace.requireRoomFor(leader.pid(), staging);
            long dumpMillis = dump(leader, staging, runDir, request.dumpTimeout());
            keepRunDir = false;
            List<FileDigest> files = ImageDirectory.digestCriuFiles(staging);
            ImageManifest manifest = new ImageManifest(ImageManifest.FORMAT, thawVersion(), Instant.now(), request.generation(), jdk,
                    request.command(), request.workingDirectory().toString(),
                    appFiles(request).stream().map(p -> FileDigest.of(p, p.toString())).toList(),
                    criu.version(), pipes, leader.pid(), ImageDirectory.sizeOf(files), files, coldStartMillis, dumpMillis,
                    request.checkpointArguments(), ImageManifest.MADE_FROM_LEADER, memory, request.appUser(), HostFingerprint.current());
            manifest.write(staging);
            image.commit(staging);
            staging = null;
            progress.say(String.format("image written: %s (%s, dumped in %.2f s)", image.target(),
                    Bytes.human(manifest.imageBytes()), dumpMillis / 1000.0));
            if (memory != null) {
                progress.say("image against the JVM's memory at the dump: " + memory.describe(manifest.imageBytes()));
            }
            return manifest;
        } catch (DumpFailed e) {
            keepRunDir = true;
            throw e.toThawException();
        } finally {
            if (leader != null && leader.isAlive()) {
                leader.destroyForcibly();
                leader.waitFor(5, TimeUnit.SECONDS);
            }
            if (staging != null) {
                ImageDirectory.deleteRecursively(staging);
            }
            if (!keepRunDir) {
                ImageDirectory.deleteRecursively(runDir);
            }
        }
    }

    /**
     * {@code thaw check}: everything a checkpoint does up to the dump (start, warm-up, beforeCheckpoint, the
     * guardrail), then the leader is told to abort and stopped. Needs neither CRIU nor root, writes nothing.
     */
    public GuardrailVerdict check(CheckpointRequest request) throws IOException, InterruptedException {
        if (!request.warmupUrls().isEmpty()) {
            PrivateNetwork.requireNothingServes(request.warmupUrls().get(0));
        }
        Path runDir = Files.createTempDirectory("thaw-check-");
        Process leader = null;
        try (InterruptCleanup interrupted = InterruptCleanup.install(progress);
             ControlServer server = ControlServer.open(runDir.resolve("control.sock"), events::add)) {
            interrupted.removeOnInterrupt(runDir);
            server.allow(runDir, request.appUser());
            List<String> command = LeaderCommand.build(request.command(), request.agentJar(), server.socket(), request.leaderProperties(),
                    request.appUser());
            leader = startLeader(command, request.workingDirectory());
            awaitLeaderHello(leader, request.readyTimeout());
            LeaderWarmup.Warmed warmed = warmup.first(request, leader, System.nanoTime());
            try {
                ControlMessage.ReadyToDump ready = requestCheckpoint(leader, request.checkpointTimeout());
                abort(leader, "thaw check: no dump");
                SharedPort.requireLeaderAnswered(request.warmupUrls(), warmed.answered200(), ready.requestsServed(), warmed.leaderListens());
                if (request.rehearse()) {
                    awaitResumed(request, leader);
                    warmup.awaitServingAgain(request, leader);
                }
                return new GuardrailVerdict(true, guardrailReport(ready));
            } catch (GuardrailRefusal refusal) {
                return new GuardrailVerdict(false, refusal.report());
            }
        } finally {
            if (leader != null && leader.isAlive()) {
                leader.destroyForcibly();
                leader.waitFor(5, TimeUnit.SECONDS);
            }
            ImageDirectory.deleteRecursively(runDir);
        }
    }

    /** What the guardrail said: {@code report} is its whole report, one item per line. */
    public record GuardrailVerdict(boolean passed, String report) {
    }

    /** Lets a leader waiting for the dump go on as a leader (it runs its afterRestore callbacks). */
    private static void abort(Process leader, String reason) {
        try {
            leader.getOutputStream().write((new ControlMessage.Abort(reason).encode().encode() + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            leader.getOutputStream().flush();
        } catch (IOException e) {
            // the leader is stopped right after anyway
        }
    }

    private Process startLeader(List<String> command, Path cwd) throws IOException {
        progress.say("leader starting: " + LeaderCommand.describe(command.subList(command.indexOf("setsid") + 1, command.size())));
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).start();
        OutputPump.start(p.getInputStream(), "leader | ", progress::say);
        OutputPump.start(p.getErrorStream(), "leader | ", progress::say);
        return p;
    }

    private ControlMessage.Hello awaitLeaderHello(Process leader, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ControlEvent e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e instanceof ControlEvent.Received r && r.peer().is(ControlMessage.Role.LEADER)
                    && r.message() instanceof ControlMessage.Hello hello) {
                leaderPeer = r.peer();
                return hello;
            }
            failIfExited(leader, "before connecting to thaw");
        }
        throw new ThawException("the leader did not connect within " + timeout.toSeconds()
                + " s: check its output above, or raise --ready-timeout");
    }

    /** What the leader's stderr says after the rehearsal's ABORT ("checkpoint refused: ... aborted by the orchestrator: " this). */
    static final String REHEARSAL = "a rehearsal (--checkpoint-rehearsal): the real checkpoint follows a second warm-up";

    /**
     * The checkpoint rehearsed once before the real one: beforeCheckpoint and the guardrail, then ABORT (the leader
     * runs its afterRestore and serves on, as after a refused checkpoint), then the warm-up again. Why: an app's
     * beforeCheckpoint takes paths its warm-up never took (a server stopping, its connections closing), and there the
     * JIT's code for the request path meets classes not loaded yet, hits uncommon traps and is thrown away right
     * before the dump, so every worker compiles it again in its first second. Measured on the Spring sample: Tomcat's
     * Http11Processor.service, Http11InputBuffer.fill, NioSocketWrapper.read and ThreadPoolExecutor.getTask were made
     * not entrant during its graceful shutdown. The second beforeCheckpoint finds those classes loaded and, after the
     * second warm-up, their paths compiled.
     */
    private LeaderWarmup.Warmed rehearse(CheckpointRequest request, Process leader, LeaderWarmup.Warmed first)
            throws InterruptedException {
        progress.say("rehearsal: beforeCheckpoint once, then afterRestore and the warm-up again, before the real checkpoint");
        ControlMessage.ReadyToDump rehearsed = requestCheckpoint(leader, request.checkpointTimeout());
        // Judged on the first warm-up, while it is the leader's whole traffic: another process that answered it
        // must not be mistaken for a slow leader that listens by the second one.
        SharedPort.requireLeaderAnswered(request.warmupUrls(), first.answered200(), rehearsed.requestsServed(), first.leaderListens());
        abort(leader, REHEARSAL);
        awaitResumed(request, leader);
        return warmup.afterRehearsal(request, leader);
    }

    /** After ABORT: the leader runs its afterRestore and connects again, or one line says why that matters. */
    private void awaitResumed(CheckpointRequest request, Process leader) throws InterruptedException {
        try {
            awaitLeaderHello(leader, request.readyTimeout());
        } catch (ThawException e) {
            throw new ThawException(e.exitCode(), e.getMessage() + " (after the checkpoint's rehearsal, in its afterRestore: make"
                    + " afterRestore work in the JVM that ran beforeCheckpoint, as CRaC asks, or give --checkpoint-rehearsal false)", e);
        }
    }

    /**
     * Returns the leader's READY_TO_DUMP (its guardrail report, what it holds after its full GC); throws
     * {@link GuardrailRefusal} when the guardrail refused.
     */
    private ControlMessage.ReadyToDump requestCheckpoint(Process leader, Duration timeout) throws InterruptedException {
        progress.say("checkpoint requested: running beforeCheckpoint in the leader");
        if (!sendToLeader(new ControlMessage.Checkpoint())) {
            leader.waitFor(2, TimeUnit.SECONDS);
            failIfExited(leader, "before the checkpoint");
            throw new ThawException("lost the leader's control connection before the checkpoint: check its output above");
        }
        ControlMessage.ReadyToDump ready = awaitReadyToDump(leader, timeout);
        if (ready == null) {
            throw new ThawException("beforeCheckpoint did not finish within " + timeout.toSeconds()
                    + " s: a resource is stuck (see the leader's output), or raise --checkpoint-timeout");
        }
        return ready;
    }

    /** --app-checkpoint: the app calls org.crac's Core.checkpointRestore() itself when it is ready. */
    private ControlMessage.ReadyToDump awaitAppCheckpoint(Process leader, Duration timeout) throws InterruptedException {
        progress.say("waiting for the app to ask for its checkpoint (org.crac Core.checkpointRestore())");
        ControlMessage.ReadyToDump ready = awaitReadyToDump(leader, timeout);
        if (ready == null) {
            throw new ThawException("the app did not ask for its checkpoint within " + timeout.toSeconds()
                    + " s: --app-checkpoint needs an app that calls org.crac.Core.checkpointRestore()"
                    + " (e.g. Spring with -Dspring.context.checkpoint=onRefresh), or raise --ready-timeout");
        }
        progress.say("the app asked for its checkpoint and ran its beforeCheckpoint callbacks");
        return ready;
    }

    /** The guardrail's report in a READY_TO_DUMP. */
    private static String guardrailReport(ControlMessage.ReadyToDump readyToDump) {
        return readyToDump.guardrailReport() != null ? readyToDump.guardrailReport() : "guardrail: not run";
    }

    /**
     * The leader's READY_TO_DUMP (guardrail report, memory after its full GC) once it also closed its
     * connection; null at the timeout. Throws {@link GuardrailRefusal} when the guardrail refused.
     */
    private ControlMessage.ReadyToDump awaitReadyToDump(Process leader, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ControlMessage.ReadyToDump ready = null;
        while (System.nanoTime() < deadline) {
            ControlEvent e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e instanceof ControlEvent.Received r && r.message() instanceof ControlMessage.CheckpointFailed failed) {
                if (failed.byGuardrail()) {
                    throw new GuardrailRefusal(failed.error());
                }
                throw new ThawException("the leader refused the checkpoint: " + failed.error().replace("\n", " ")
                        + ": fix the resources named, then run thaw checkpoint again");
            }
            if (e instanceof ControlEvent.Received r && r.message() instanceof ControlMessage.ReadyToDump readyToDump) {
                ready = readyToDump;
            }
            if (e instanceof ControlEvent.Rejected r) {
                progress.say("the leader's control connection sent a malformed line: " + r.why());
            }
            if (e instanceof ControlEvent.Closed && ready != null) {
                return ready; // the leader closed its control connection: nothing of thaw's is open in it
            }
            if (e instanceof ControlEvent.Closed) {
                leader.waitFor(2, TimeUnit.SECONDS);
                failIfExited(leader, "before the checkpoint");
                throw new ThawException("the leader closed its control connection without getting ready to dump: check its output above");
            }
            failIfExited(leader, "during beforeCheckpoint");
        }
        return null;
    }

    private boolean sendToLeader(ControlMessage message) {
        return leaderPeer != null && leaderPeer.send(message);
    }

    private long dump(Process leader, Path staging, Path runDir, Duration timeout) throws InterruptedException {
        progress.say("dumping leader pid " + leader.pid() + " with CRIU " + criu.version());
        long start = System.nanoTime();
        List<String> cmd = criu.commands().dumpLeader(leader.pid(), staging, runDir, "dump.log");
        Criu.ProcessResult result = Criu.ProcessResult.run(cmd, (int) Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
        if (result.exitCode() != 0) {
            throw new DumpFailed(runDir.resolve("dump.log"), result);
        }
        leader.waitFor(10, TimeUnit.SECONDS);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    static void failIfExited(Process leader, String when) {
        if (!leader.isAlive()) {
            throw new ThawException("the leader exited with code " + leader.exitValue() + " " + when
                    + ": see its output above (lines starting 'leader |')");
        }
    }


    static String thawVersion() {
        String v = Checkpointer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * The guardrail refused the checkpoint: the whole report, and what to do, in one error. No image was
     * written, so the previous one is untouched.
     */
    public static final class GuardrailRefusal extends ThawException {
        private static final long serialVersionUID = 1L;
        private final String report;

        GuardrailRefusal(String report) {
            super(report + "\nfix: close each one in a beforeCheckpoint callback (an org.crac Resource or Thaw.beforeCheckpoint)"
                    + " and reopen it in afterRestore, or allowlist it with --allow KIND:PATTERN=REASON (docs/guardrails.md);"
                    + " the previous image, if any, is untouched");
            this.report = report;
        }

        public String report() {
            return report;
        }
    }

    /** CRIU refused to dump; its log says why. */
    private static final class DumpFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Path log;
        private final transient Criu.ProcessResult result;

        DumpFailed(Path log, Criu.ProcessResult result) {
            this.log = log;
            this.result = result;
        }

        ThawException toThawException() {
            if (result.timedOut()) {
                return new ThawException("criu dump did not finish in time and was killed (" + result.firstLine() + "): raise --dump-timeout"
                        + " for a large image or a slow disk, or see " + log + "; the previous image, if any, is untouched");
            }
            String reason = CriuLog.firstError(log).orElse(result.lastLine());
            return new ThawException("criu dump failed: " + reason + " (full log: " + log
                    + "); the previous image, if any, is untouched");
        }
    }

    /**
     * The files whose bytes the image depends on besides the JDK: the app's jars, and thaw's agent
     * jar, which CRIU reopens by path and size at restore (a rebuilt thaw would fail there with
     * "has bad size" instead of a clear error at verify time).
     */
    private static List<Path> appFiles(CheckpointRequest request) {
        List<Path> files = new ArrayList<>(LeaderCommand.appFiles(request.command(), request.workingDirectory()));
        files.add(request.agentJar().toAbsolutePath().normalize());
        return files;
    }
}
