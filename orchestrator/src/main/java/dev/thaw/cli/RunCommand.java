package dev.thaw.cli;

import dev.thaw.config.SettingSources;
import dev.thaw.control.ControlServer;
import dev.thaw.Bytes;
import dev.thaw.criu.Criu;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import dev.thaw.host.Privileges;
import dev.thaw.host.RunDirectory;
import dev.thaw.criu.RestoreMode;
import dev.thaw.ThawException;
import dev.thaw.host.HostFiles;
import dev.thaw.metrics.EndpointSettings;
import dev.thaw.metrics.MetricsEndpoint;
import dev.thaw.metrics.PoolMetrics;
import dev.thaw.pool.Clock;
import dev.thaw.pool.ImageSource;
import dev.thaw.pool.RunSettings;
import dev.thaw.pool.Supervisor;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "run", sortOptions = false,
        description = {"Restore N workers from an image and supervise them: crashed workers are restored again, hung ones",
                "replaced, old ones recycled. Signals: TERM graceful stop, INT/QUIT fast stop, HUP rolling restart (onto a",
                "newer image if one was written to --image),",
                "TTIN/TTOU one worker more/fewer, USR1 reopen logs, USR2 new image + roll (docs/signals.md). Each worker's output is",
                "forwarded, prefixed 'worker=N | '. Every setting below also reads THAW_<NAME> and the --config file."},
        footer = {"", "Example:", "  thaw run --image /var/lib/thaw/app --workers 4 --max-requests 10000 --max-requests-jitter 1000"})
public final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "DIR", description = "Image directory made by 'thaw checkpoint'.")
    Path image;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings file (Java properties: 'workers = 4'); flags and THAW_* win over it.")
    Path config;

    @Option(names = "--env", paramLabel = "NAME=VALUE",
            description = {"Environment variable for every worker, on top of thaw's own environment, which every worker also",
                    "gets (System.getenv sees both; the leader's values are replaced); repeatable."})
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-D", "--property"}, paramLabel = "NAME=VALUE",
            description = "System property set in every worker at restore, before afterRestore runs (System.getProperty); repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        SettingSources sources = SettingOptions.sources(spec); // settings: RunSettingsSpec, added by SettingOptions
        WorkerEnvironment.requireNames("-D", properties);
        RunSettings settings = RunSettings.from(sources, WorkerEnvironment.of(System.getenv(), env), properties);
        EndpointSettings endpoint = EndpointSettings.from(sources, settings.workers());
        ImageDirectory dir = new ImageDirectory(image);
        Criu criu = Criu.locate();
        Privileges.require("thaw run");
        requirePeerCredentials();
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        List<Path> swept = RunDirectory.sweepStale();
        if (!swept.isEmpty()) {
            out.println("thaw: removed " + swept.size() + (swept.size() == 1 ? " work directory of a run that is" : " work directories of runs that are")
                    + " gone (" + swept.get(0).getParent() + "/thaw-run-*)");
        }
        RunDirectory run = RunDirectory.create();
        Path runDir = run.path();
        boolean clean = false;
        boolean restoring = false;
        RestoreMode.Choice restoreMode = RestoreMode.choose(settings.restoreMode(), criu);
        try (ImageSource images = ImageSource.open(dir, criu, runDir, restoreMode.mode(), settings.dumpTimeout(),
                settings.readyTimeout(), out::println)) {
            ImageManifest manifest = images.manifest();
            out.println("thaw: image " + dir.target() + ": generation " + manifest.generation() + ", "
                    + Bytes.human(manifest.imageBytes()) + ", " + manifest.jdk().vendor() + " " + manifest.jdk().version()
                    + ", made " + manifest.createdAt());
            out.println("thaw: " + restoreMode.announcement());
            PoolMetrics metrics = new PoolMetrics(manifest, endpoint.minReadyWorkers());
            Path socket = claimSocket(settings.socket());
            Supervisor supervisor = new Supervisor(images, Supervisor.checkpointWith(SelfCommand.get()), Clock.SYSTEM, settings, socket,
                    out, metrics);
            // The endpoint binds before anything is restored: a taken --http-address fails the run at once.
            // Host settings are closed last: the workers are gone before the host gets its values back.
            try (SystemTuning tuning = SystemTuning.apply(out, settings, restoreMode.mode(), HostFiles.real());
                 MetricsEndpoint http = MetricsEndpoint.start(endpoint, metrics, out);
                 ControlServer control = ControlServer.open(socket, supervisor::post)) {
                control.allow(socket.getParent(), manifest.appUser()); // the workers run as the image's --user
                installSignalHandlers(supervisor);
                restoring = true;
                int code = supervisor.run();
                clean = true;
                return code;
            }
        } catch (ThawException e) {
            if (!restoring) {
                clean = true; // nothing was restored: no logs worth keeping
                throw e;
            }
            run.keep();
            throw new ThawException(e.exitCode(), e.getMessage() + " (restore logs kept in " + runDir + ")", e);
        } finally {
            if (clean) {
                run.remove();
            }
        }
    }

    /** One pool per socket: refuse a live one, remove a stale one left by a crash. */
    private static Path claimSocket(Path socket) throws IOException {
        Files.createDirectories(socket.getParent());
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
            // A stale socket is deleted below, as root: a typo must not delete a file.
            throw new ThawException(ThawException.EXIT_USAGE, "--socket " + socket + " exists and is not a socket: "
                    + "give another path (thaw creates the socket)");
        }
        if (Files.exists(socket)) {
            try (var c = dev.thaw.lifecycle.control.ControlConnection.connect(socket)) {
                throw new ThawException(ThawException.EXIT_USAGE, "another thaw pool is running on " + socket
                        + ": stop it, or give this one its own --socket");
            } catch (IOException stale) {
                Files.delete(socket);
            }
        }
        return socket;
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    /** Handlers only queue the signal; the supervisor loop acts on it. */
    private static void installSignalHandlers(Supervisor supervisor) {
        for (String name : List.of("TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "TTIN", "TTOU")) {
            try {
                Signal.handle(new Signal(name), s -> supervisor.signal(s.getName()));
            } catch (IllegalArgumentException e) {
                // The JVM keeps some signals for itself (QUIT prints a thread dump unless -Xrs).
            }
        }
    }

    /** Workers are known by the PID the kernel gives for their control connection: without it, none could be trusted. */
    private static void requirePeerCredentials() {
        try {
            dev.thaw.control.PeerCredentials.requireSupported();
        } catch (dev.thaw.control.PeerCredentials.UnavailableException e) {
            throw ThawException.environment(e.getMessage());
        }
    }
}
