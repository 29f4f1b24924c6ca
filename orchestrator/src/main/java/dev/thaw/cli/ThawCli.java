package dev.thaw.cli;

import dev.thaw.ThawException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code thaw}: pre-fork workers for the JVM, restored from a checkpoint of a warmed leader. */
@Command(name = "thaw", mixinStandardHelpOptions = true, versionProvider = ThawCli.Version.class,
        description = {"Checkpoint a warmed JVM once with CRIU, then restore and supervise N workers from the image.", ""},
        subcommands = {CheckpointCommand.class, CheckCommand.class, RunCommand.class, StatusCommand.class, ScaleCommand.class, ReloadCommand.class,
                InspectCommand.class, PackCommand.class, FetchCommand.class, DoctorCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Docs: README.md and docs/ in the thaw repository."})
public final class ThawCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs thaw with the given streams; returns the exit code. Tests call this. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ThawCli());
        SettingOptions.addToEvery(cli); // every command's settings, from their declarations in dev.thaw.config
        // --help and --version on every subcommand, answered before required options are checked; bench answers its own.
        cli.getSubcommands().values().stream().filter(sub -> !(sub.getCommand() instanceof BenchCommand))
                .forEach(sub -> sub.getCommandSpec().mixinStandardHelpOptions(true));
        BenchCommand.configure(cli.getSubcommands().get("bench"));
        cli.setExecutionExceptionHandler(ThawCli::handleError);
        cli.setParameterExceptionHandler(ThawCli::handleBadFlag);
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The one error path: a ThawException is one line with the fix; anything else is a bug, shown in full. */
    private static int handleError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof ThawException t) {
            err.println("thaw: error: " + t.getMessage());
            return t.exitCode();
        }
        if (e instanceof InterruptedException) {
            err.println("thaw: interrupted");
            return 130;
        }
        err.println("thaw: internal error (please report it): " + e);
        e.printStackTrace(err);
        return ThawException.EXIT_FAILURE;
    }

    private static int handleBadFlag(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr().println("thaw: error: " + e.getMessage() + " (see 'thaw " + commandPath(cli) + "--help')");
        return ThawException.EXIT_USAGE;
    }

    private static String commandPath(CommandLine cli) {
        String name = cli.getCommandName();
        return "thaw".equals(name) ? "" : name + " ";
    }

    /** The agent jar sits next to thaw.jar; $THAW_AGENT overrides. Public for thaw bench. */
    public static Path agentJar() {
        String explicit = System.getenv("THAW_AGENT");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        try {
            Path self = Path.of(ThawCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path agent = (self.toFile().isDirectory() ? self.getParent() : self.getParent()).resolve("thaw-agent.jar");
            if (!agent.toFile().isFile()) {
                throw ThawException.environment("thaw's agent jar is missing at " + agent
                        + ": reinstall thaw's release archive (its lib/ holds thaw-agent.jar next to thaw.jar), rebuild thaw (scripts/build) or set $THAW_AGENT");
            }
            return agent;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ThawCli.class.getPackage().getImplementationVersion();
            return new String[] {"thaw " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
