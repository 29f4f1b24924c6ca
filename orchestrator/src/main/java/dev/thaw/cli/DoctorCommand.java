package dev.thaw.cli;

import dev.thaw.ThawException;
import dev.thaw.criu.Criu;
import dev.thaw.host.Privileges;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

@Command(name = "doctor", description = "Check that this machine can checkpoint and restore: one line per check, ok or the problem and its fix.")
public final class DoctorCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private int failures;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        Criu criu = checkCriu();
        boolean privileged = checkPrivileges();
        if (criu != null && !privileged) {
            // Without CAP_SYS_ADMIN criu check fails and suggests 'setcap cap_checkpoint_restore', which thaw cannot run with.
            fail("criu check", "not run: thaw lacks the privileges above");
        } else if (criu != null) {
            criu.check().ifPresentOrElse(problem -> fail("criu check", problem + " (see 'criu check --all'; the kernel may lack a feature CRIU needs)"),
                    () -> ok("criu check", "looks good"));
        }
        if (criu != null) {
            checkMapping(criu);
        }
        checkPidNamespaces();
        checkKsm();
        checkHashing();
        out.println(failures == 0 ? "thaw doctor: all checks passed" : "thaw doctor: " + failures + " problem(s) found");
        return failures == 0 ? 0 : 1;
    }

    private Criu checkCriu() {
        try {
            Criu criu = Criu.locate();
            ok("criu", criu.binary() + " version " + criu.version());
            return criu;
        } catch (ThawException e) {
            fail("criu", e.getMessage());
            return null;
        }
    }

    private void checkMapping(Criu criu) {
        if (criu.supports(dev.thaw.criu.RestoreMode.FEATURE)) {
            ok("restore by map", "criu maps the image copy-on-write (thaw's patch): fast restores, shared pages");
        } else {
            warn("restore by map", "this criu has no " + dev.thaw.criu.RestoreMode.FEATURE
                    + " patch: workers copy the image (slower, more memory); scripts/setup builds a CRIU with it");
        }
    }

    private boolean checkPrivileges() {
        List<String> missing = Privileges.missing();
        if (missing.isEmpty()) {
            ok("privileges", "CRIU can run (root or CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SETPCAP)");
        } else {
            fail("privileges", "missing " + String.join(", ", missing) + ": run thaw as root (CAP_CHECKPOINT_RESTORE does not"
                    + " replace CAP_SYS_ADMIN for thaw; docs/security.md lists what it needs)");
        }
        return missing.isEmpty();
    }

    private void checkPidNamespaces() {
        Criu.ProcessResult r = Criu.ProcessResult.run(List.of("unshare", "--pid", "--mount", "--fork", "--mount-proc", "true"), 10);
        if (r.exitCode() == 0) {
            ok("pid namespaces", "unshare --pid works (each worker is restored in its own)");
        } else {
            fail("pid namespaces", "'unshare --pid --mount --fork --mount-proc true' failed: " + r.firstLine()
                    + ": run as root on a kernel with user/PID namespaces (install util-linux)");
        }
    }

    private void checkKsm() {
        Path run = Path.of("/sys/kernel/mm/ksm/run");
        if (!Files.isRegularFile(run)) {
            warn("ksm", "not available in this kernel (CONFIG_KSM): workers that copy the image (--restore-mode copy) will not share its pages; mapped workers still do");
            return;
        }
        try {
            String state = Files.readString(run).strip();
            ok("ksm", "available (run=" + state + "); page sharing between workers is possible");
        } catch (IOException e) {
            warn("ksm", "cannot read " + run + ": " + e.getMessage());
        }
    }

    /** Every pin hashes the whole image: with the JDK's SHA-256 under thaw's C1-only JVM that is ~15x slower (docs/images.md). */
    private void checkHashing() {
        if (dev.thaw.image.Sha256.implementation().startsWith("libcrypto")) {
            ok("image digests", "SHA-256 by libcrypto (OpenSSL): an image is verified at about 1 GB/s when a pool pins it");
        } else {
            warn("image digests", "no libcrypto.so.3 here: SHA-256 by the JDK, about 15x slower, so 'thaw run' and each HUP take"
                    + " seconds per 100 MiB of image to verify; install OpenSSL's library (Debian: apt-get install libssl3)");
        }
    }

    private void ok(String what, String detail) {
        out.printf("ok    %-15s %s%n", what, detail);
    }

    private void warn(String what, String detail) {
        out.printf("warn  %-15s %s%n", what, detail);
    }

    private void fail(String what, String detail) {
        failures++;
        out.printf("FAIL  %-15s %s%n", what, detail);
    }
}
