package dev.thaw.bench;

import dev.thaw.ThawException;
import dev.thaw.cli.SettingOptions;
import dev.thaw.leader.Progress;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The bench's own JVM: {@code thaw bench} starts it on thaw-bench.jar and thaw.jar, with every argument it was given.
 * Errors take thaw's one path: a {@link ThawException} is one line with the fix and its exit code, anything else is a bug.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new BenchCommand());
        SettingOptions.addTo(cli.getCommandSpec(), BenchSettingsSpec.ALL);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(BenchMain::handleError);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("thaw: error: " + e.getMessage() + " (see 'thaw bench --help')");
            return ThawException.EXIT_USAGE;
        });
        return cli.execute(args);
    }

    private static int handleError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof ThawException t) {
            err.println("thaw: error: " + t.getMessage());
            return t.exitCode();
        }
        if (e instanceof InterruptedException) {
            err.println("thaw: interrupted");
            return ThawException.EXIT_FAILURE;
        }
        err.println("thaw: internal error (please report it): " + e);
        e.printStackTrace(err);
        return ThawException.EXIT_FAILURE;
    }

    /** The bench's progress lines, as thaw prints its own. */
    static Progress printer(PrintWriter out) {
        return line -> {
            synchronized (out) {
                out.println("thaw: " + line);
                out.flush();
            }
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BenchMain.class.getPackage().getImplementationVersion();
            return new String[] {"thaw bench " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
