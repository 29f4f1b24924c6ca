package dev.thaw.pool;

import dev.thaw.config.SettingSources;
import dev.thaw.control.ControlEvent;
import dev.thaw.control.Peer;
import dev.thaw.control.PeerChannel;
import dev.thaw.control.PeerCredentials;
import dev.thaw.criu.RestoreStats;
import dev.thaw.criu.WorkerExit;
import dev.thaw.host.ProcessMemory;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlMessage.Role;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.lifecycle.control.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A {@link Supervisor} wired to fakes of its ports: workers that are Java objects, images that are
 * generation numbers, a clock moved by hand. Tests play the workers' side of the control protocol
 * and the kernel's (exits), one loop step at a time; nothing sleeps, nothing needs root.
 */
public final class FakePool {
    final FakeClock clock = new FakeClock();
    final FakeImages images = new FakeImages();
    final FakeNextImages nextImages = new FakeNextImages();
    final RunSettings settings;
    public final Supervisor supervisor;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final AtomicLong connectionIds = new AtomicLong();

    /** What the supervisor told its listener about exits: "slot cause by", in order. */
    final List<String> exits = new ArrayList<>();

    /** {@code flags}: thaw run's settings as on its command line, without the dashes: "workers", "3". */
    public FakePool(String... flags) {
        Map<String, String> f = new HashMap<>();
        for (int i = 0; i < flags.length; i += 2) {
            f.put(flags[i], flags[i + 1]);
        }
        settings = RunSettings.from(new SettingSources(f, Map.of(), null), Map.of());
        supervisor = new Supervisor(images, nextImages, clock, settings, Path.of("/run/thaw/control.sock"),
                new PrintStream(log, true, StandardCharsets.UTF_8), new PoolListener() {
                    @Override
                    public void workerExited(WorkerRef w, WorkerExit exit, boolean stoppedByThaw) {
                        exits.add(w.worker() + " " + exit.label() + " " + (stoppedByThaw ? "thaw" : "worker"));
                    }
                });
        supervisor.start();
    }

    // ---- driving the loop ----------------------------------------------------------------------

    /** Handles every event posted so far, then runs the loop's steps. */
    void step() {
        supervisor.stepPending();
    }

    void advance(Duration d) {
        clock.advance(d);
        step();
    }

    void signal(String name) {
        supervisor.signal(name);
        step();
    }

    /**
     * Plays the world until nothing changes: restoring workers boot (or fail to, for an image marked
     * unbootable), workers told to stop exit. Returns the live workers.
     */
    public List<FakeWorker> settle() {
        for (int round = 0; round < 50; round++) {
            boolean changed = false;
            for (FakeWorker w : images.live()) {
                if (w.terminated) {
                    w.exit(0);
                    changed = true;
                } else if (w.state() == WorkerState.RESTORING && !w.holdBoot) {
                    if (images.unbootable.contains(w.generation())) {
                        w.exit(1);
                    } else {
                        ready(w);
                    }
                    changed = true;
                }
            }
            step();
            if (!changed) {
                return images.live();
            }
        }
        throw new AssertionError("the pool did not settle in 50 rounds:\n" + log());
    }

    /**
     * Runs the loop as thaw run does, on the calling thread, until it is interrupted: for tests that
     * talk to the pool over a real control socket. Nothing else may step the pool meanwhile.
     */
    public void runLoopUntilInterrupted() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                supervisor.stepWaiting(100);
            }
        } catch (InterruptedException stopped) {
            // done
        }
    }

    // ---- the workers' side of the protocol -------------------------------------------------------

    void hello(FakeWorker w) {
        w.peer = new Peer(connectionIds.incrementAndGet(), Role.WORKER, w.slot(), new PeerCredentials(w.pid, 0, 0), w.channel);
        send(w, new ControlMessage.Hello(Role.WORKER, w.slot(), w.pid, Message.PROTOCOL_VERSION, null).encode());
    }

    void ready(FakeWorker w) {
        if (w.peer == null) {
            hello(w);
        }
        send(w, new ControlMessage.Ready(w.slot, 3).encode());
        step();
    }

    void heartbeat(FakeWorker w, long requests, int inFlight, long oldestMillis) {
        send(w, new ControlMessage.Heartbeat(w.slot, requests, inFlight, oldestMillis,
                new ControlMessage.Latency(new long[] {5}, new long[] {requests}, requests, requests), 1, 2, 0, 0).encode());
        step();
    }

    /** Every live worker heartbeats with no request in flight: nobody is hung. */
    void heartbeatAll() {
        images.live().stream().filter(w -> w.peer != null).forEach(w -> heartbeat(w, w.requests, 0, 0));
    }

    /** A line from the worker, decoded as the control server does: one that does not decode ends its connection. */
    void send(FakeWorker w, Message line) {
        try {
            supervisor.post(new ControlEvent.Received(w.peer, ControlMessage.decode(line)));
        } catch (ProtocolException malformed) {
            supervisor.post(new ControlEvent.Rejected(w.peer, malformed.getMessage()));
            w.channel.close();
            disconnect(w);
        }
    }

    /** The worker closes its control connection (a refork's mold does, before its dump). */
    void disconnect(FakeWorker w) {
        supervisor.post(new ControlEvent.Closed(w.peer));
        w.peer = null;
        step();
    }

    /** thaw status / scale / reload, as the CLI sends them; returns the reply. */
    Message cli(ControlMessage request) {
        return cliAs(new PeerCredentials(ProcessHandle.current().pid(), 0, 0), request).sent.getLast();
    }

    /** A CLI connection from the process the kernel names in {@code who}; returns what it was sent. */
    RecordingChannel cliAs(PeerCredentials who, ControlMessage request) {
        RecordingChannel channel = new RecordingChannel();
        Peer cli = new Peer(connectionIds.incrementAndGet(), Role.CLI, -1, who, channel);
        supervisor.post(new ControlEvent.Received(cli, request));
        step();
        return channel;
    }

    // ---- what the pool did ---------------------------------------------------------------------

    public List<FakeWorker> ready() {
        return images.live().stream().filter(w -> w.state() == WorkerState.READY).toList();
    }

    public PoolStatus status() {
        return supervisor.status();
    }

    public String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    // ---- fakes ---------------------------------------------------------------------------------

    static final class FakeClock implements Clock {
        private long nanos = 1_000_000_000_000L;

        void advance(Duration d) {
            nanos += d.toNanos();
        }

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public Instant now() {
            return Instant.ofEpochSecond(1_800_000_000L).plusNanos(nanos);
        }
    }

    /** A connection that keeps what the supervisor sent. */
    static final class RecordingChannel implements PeerChannel {
        final List<Message> sent = new ArrayList<>();
        boolean closed;

        @Override
        public void send(Message message) throws IOException {
            if (closed) {
                throw new IOException("closed");
            }
            sent.add(message);
        }

        @Override
        public void close() {
            closed = true;
        }

        boolean received(MessageType type) {
            return sent.stream().anyMatch(m -> m.type() == type);
        }
    }

    /** A worker: alive until it is killed or a test makes it exit. */
    public final class FakeWorker implements WorkerHandle {
        final int slot;
        final long pid;
        final Path image;
        final RecordingChannel channel = new RecordingChannel();
        final List<String> stdin = new ArrayList<>();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private long generation;
        Peer peer;
        long requests;
        boolean terminated;
        boolean killed;
        /** Set to keep it RESTORING through {@link #settle()}: a slow restore. */
        boolean holdBoot;
        ProcessMemory memory = new ProcessMemory(100L << 20, 50L << 20, 50L << 20, 50L << 20, 10L << 20);

        FakeWorker(int slot, long generation, long pid, Path image) {
            this.slot = slot;
            this.generation = generation;
            this.pid = pid;
            this.image = image;
        }

        /** Its state as the supervisor sees it. */
        WorkerState state() {
            return supervisor.status().workers().stream().filter(s -> s.pid() == pid).findFirst()
                    .map(s -> WorkerState.valueOf(s.state().toUpperCase())).orElse(null);
        }

        void exit(int code) {
            exit.complete(code);
        }

        /** The worker serves {@code n} requests, as its next heartbeat says. */
        void served(long n) {
            requests = n;
            heartbeat(this, n, 0, 0);
        }

        @Override
        public int slot() {
            return slot;
        }

        @Override
        public long generation() {
            return generation;
        }

        @Override
        public void nowServes(long g) {
            generation = g;
        }

        @Override
        public Path image() {
            return image;
        }

        @Override
        public Optional<String> adopt(long candidate) {
            return candidate == pid ? Optional.empty() : Optional.of("pid " + candidate + " is not worker " + slot);
        }

        @Override
        public long hostPid() {
            return pid;
        }

        @Override
        public boolean contains(long candidate) {
            return candidate == pid;
        }

        /** Its identity after a refork's dump: like the agent, it runs afterRestore and counts requests from 0. */
        @Override
        public void writeLine(String line) {
            stdin.add(line);
            requests = 0;
        }

        @Override
        public CompletableFuture<?> onExit() {
            return exit;
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }

        @Override
        public WorkerExit exit() {
            return exit.isDone() ? WorkerExit.ofStatus(exit.join(), true) : WorkerExit.UNKNOWN;
        }

        @Override
        public void terminate() {
            terminated = true;
        }

        @Override
        public void kill() {
            killed = true;
            exit.complete(137);
        }

        /** What its memory cgroup's OOM kill count says: how many since it started, -1 when it cannot be read. */
        long oomKills;

        @Override
        public boolean killedByThaw() {
            return killed;
        }

        @Override
        public long oomKillsSinceStart() {
            return oomKills;
        }

        @Override
        public String describe() {
            return "worker=" + slot + " gen=" + generation + " pid=" + pid;
        }

        @Override
        public ProcessMemory memory() {
            return memory;
        }

        @Override
        public Optional<RestoreStats> criuStats() {
            return Optional.empty();
        }

        @Override
        public Optional<String> criuError() {
            return Optional.empty();
        }
    }

    /** Images are generation numbers; each lives at /images/gen-N while pinned. */
    final class FakeImages implements ImageStore {
        final List<FakeWorker> restored = new ArrayList<>();
        final Set<Long> unbootable = new HashSet<>();
        final List<Path> released = new ArrayList<>();
        private final List<ImageManifest> retired = new ArrayList<>();
        private ImageManifest current = manifest(1);
        /** An image written to the directory and not served yet (a checkpoint, or a refork's dump). */
        private volatile ImageManifest written;
        boolean writtenIsUnusable;
        /** What the next refork dump does: null to succeed, else the error it fails with. */
        String dumpFails;
        /** Holds every refork dump until a test counts it down: a dump under way. */
        java.util.concurrent.CountDownLatch dumpGate = new java.util.concurrent.CountDownLatch(0);
        IOException restoreFails;
        /**
         * Fake workers' PIDs start above Linux's largest PID (PID_MAX_LIMIT, 4194304), so that none is ever a real
         * process: the supervisor refuses a CLI connection from one of its workers, and the test JVM's own PID
         * (the CLI of StatusOfLargePoolTest) once fell among 500 fake workers numbered from 1000.
         */
        private long nextPid = 10_000_000;

        static ImageManifest manifest(long generation) {
            return new ImageManifest(ImageManifest.FORMAT, "test", Instant.EPOCH.plusSeconds(generation), generation, null,
                    List.of("java", "-jar", "app.jar"), "/", List.of(), "criu", null, 1, 1L << 20, List.of(), 0, 0,
                    List.of("--warmup-url", "http://127.0.0.1:8080/"), generation == 1 ? "leader" : "a refork", null, null, null);
        }

        static Path pathOf(long generation) {
            return Path.of("/images/gen-" + generation);
        }

        List<FakeWorker> live() {
            return restored.stream().filter(FakeWorker::isAlive).toList();
        }

        /** A new checkpoint of {@code generation} lands in the image directory (thaw checkpoint --force). */
        void write(long generation) {
            written = manifest(generation);
        }

        @Override
        public ImageManifest manifest() {
            return current;
        }

        /** What the serving image's manifest says when read again: null while it is unchanged. */
        String recipeChanged;

        @Override
        public ImageManifest recipe() {
            if (recipeChanged != null) {
                throw dev.thaw.ThawException.badImage(recipeChanged);
            }
            return current;
        }

        @Override
        public Path directory() {
            return Path.of("/images");
        }

        @Override
        public WorkerHandle restore(WorkerIdentity identity, Consumer<String> output) throws IOException {
            if (restoreFails != null) {
                throw restoreFails;
            }
            FakeWorker w = new FakeWorker(identity.workerId(), identity.generation(), nextPid++, pathOf(identity.generation()));
            restored.add(w);
            return w;
        }

        @Override
        public boolean changed() {
            return written != null;
        }

        /** Set to hold verifications until {@link #finishVerification()}: hashing a large image takes a while. */
        boolean holdVerification;
        private final List<Runnable> heldVerifications = new ArrayList<>();
        /** Verified images the pool let go of without serving them. */
        final List<ImageManifest> discarded = new ArrayList<>();

        /** Verifies the image written to the directory, now or, with {@link #holdVerification}, when a test says so. */
        @Override
        public synchronized CompletableFuture<NewImage> verifyNew() {
            CompletableFuture<NewImage> verified = new CompletableFuture<>();
            Runnable verify = () -> {
                synchronized (this) {
                    if (written == null) {
                        verified.completeExceptionally(new IOException("no image in /images"));
                    } else if (writtenIsUnusable) {
                        written = null;
                        verified.completeExceptionally(new IOException("checksum mismatch in pages-1.img"));
                    } else {
                        verified.complete(new FakeNewImage(written));
                        written = null;
                    }
                }
            };
            if (holdVerification) {
                heldVerifications.add(verify);
            } else {
                verify.run();
            }
            return verified;
        }

        /** The verifications held so far end (as their threads would), posting their results to the loop. */
        void finishVerification() {
            List<Runnable> held;
            synchronized (this) {
                held = List.copyOf(heldVerifications);
                heldVerifications.clear();
            }
            held.forEach(Runnable::run);
        }

        @Override
        public synchronized ImageManifest switchTo(NewImage image) {
            retired.add(current);
            current = image.manifest();
            return current;
        }

        @Override
        public synchronized void discard(NewImage image) {
            discarded.add(image.manifest());
        }

        record FakeNewImage(ImageManifest manifest) implements NewImage {
        }

        @Override
        public boolean rollBackTo(Path image) {
            Optional<ImageManifest> back = retired.stream().filter(m -> pathOf(m.generation()).equals(image)).findFirst();
            back.ifPresent(m -> {
                retired.remove(m);
                retired.add(current);
                current = m;
            });
            return back.isPresent();
        }

        @Override
        public void releaseRetired(Collection<Path> inUse) {
            retired.removeIf(m -> {
                boolean release = !inUse.contains(pathOf(m.generation()));
                if (release) {
                    released.add(pathOf(m.generation()));
                }
                return release;
            });
        }

        @Override
        public ImageManifest dumpRefork(WorkerHandle mold, ImageManifest serving, String madeFrom,
                                        ImageManifest.MemoryAtDump memory) throws IOException {
            try {
                dumpGate.await();
            } catch (InterruptedException e) {
                throw new IOException("interrupted");
            }
            if (dumpFails != null) {
                throw new IOException(dumpFails);
            }
            if (!mold.isAlive()) {
                throw new IOException("the task exited during the dump"); // as criu fails when its task is killed
            }
            written = manifest(serving.generation() + 1);
            return written;
        }
    }

    /** USR2's checkpoints: started, and ended when a test says so. */
    static final class FakeNextImages implements NextImageLauncher {
        final List<FakeRun> started = new ArrayList<>();
        String refuses;

        @Override
        public Running start(ImageManifest serving, Path directory, Consumer<String> output) {
            if (refuses != null) {
                throw new IllegalStateException(refuses);
            }
            FakeRun run = new FakeRun(4242 + started.size());
            started.add(run);
            return run;
        }

        record FakeRun(long pid, CompletableFuture<Integer> exitCode, boolean[] killed) implements Running {
            FakeRun(long pid) {
                this(pid, new CompletableFuture<>(), new boolean[1]);
            }

            @Override
            public String lastError() {
                return exitCode.isDone() && exitCode.join() != 0 ? "the warm-up URL answered 500" : "";
            }

            @Override
            public void kill() {
                killed[0] = true;
                exitCode.complete(137);
            }
        }
    }
}
