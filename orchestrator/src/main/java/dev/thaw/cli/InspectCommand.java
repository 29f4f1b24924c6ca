package dev.thaw.cli;

import dev.thaw.Bytes;
import dev.thaw.image.FileDigest;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

@Command(name = "inspect", description = "Show an image's manifest: what it holds, what made it, whether it is intact.")
public final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Image directory.")
    Path image;

    @Option(names = "--json", description = "Print the manifest as JSON.")
    boolean json;

    @Option(names = "--verify", description = "Also check every file's size and SHA-256, the JDK, the app's jars, the CPU and the kernel, as 'thaw run' does"
            + " (the manifest's seal is always checked).")
    boolean verify;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ImageDirectory dir = new ImageDirectory(image);
        dir.requirePrivate();
        ImageManifest m = verify ? dir.verify() : ImageManifest.read(dir.target());
        if (json) {
            out.println(m.toJson());
            return 0;
        }
        out.printf("image        %s%n", dir.target());
        out.printf("sealed       the manifest matches its SHA-256 seal%n");
        out.printf("generation   %d (made from %s)%n", m.generation(), m.madeFrom());
        out.printf("created      %s by thaw %s%n", m.createdAt(), m.thawVersion());
        out.printf("size         %s in %d files%n", Bytes.human(m.imageBytes()), m.imageFiles().size());
        if (m.memoryAtDump() != null) {
            out.printf("at the dump  %s%n", m.memoryAtDump().describe(m.imageBytes()));
        }
        out.printf("jdk          %s%n", m.jdk().describe());
        out.printf("criu         %s%n", m.criuVersion());
        out.printf("command      %s%n", String.join(" ", m.command()));
        out.printf("directory    %s%n", m.workingDirectory());
        for (FileDigest f : m.appFiles()) {
            out.printf("app file     %s (%s, sha256 %s)%n", f.path(), Bytes.human(f.size()), f.sha256());
        }
        out.printf("cold start   %s%n", m.coldStartMillis() > 0 ? m.coldStartMillis() + " ms to first HTTP 200" : "not measured (no --warmup-url)");
        out.printf("dump         %d ms (pid %d)%n", m.dumpMillis(), m.leaderPid());
        out.printf("pipes        stdin %d, stdout %d, stderr %d%n", m.pipes().stdin(), m.pipes().stdout(), m.pipes().stderr());
        if (verify) {
            out.println("verified     every file matches its SHA-256 and none was added; JDK, app files and CPU fit");
        }
        return 0;
    }

    static String pathOf(Path p) {
        return p.toString();
    }
}
