package dev.thaw.host;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts ksmd for a pool and raises its scan rate to {@link KsmScanGovernor#FAST_PAGES_TO_SCAN} pages every
 * {@link KsmScanGovernor#FAST_SLEEP_MILLIS} ms, through {@link HostSettings} so that the host gets its
 * own values back. Settings are only raised, never lowered: a host that merges faster keeps its rate.
 */
public final class KsmTuning {
    private KsmTuning() {
    }

    /** What could not be set, one short reason each; empty when ksmd runs at least at the fast rate. */
    public static List<String> raise(HostSettings host, HostFiles files) {
        List<String> problems = new ArrayList<>();
        HostSetting run = files.ksm("run");
        HostSetting pages = files.ksm("pages_to_scan");
        HostSetting sleep = files.ksm("sleep_millisecs");
        if (host.read(run).map(v -> !v.equals("1")).orElse(false)) {
            set(host, run, 1, problems);
        }
        if (host.read(pages).map(v -> Integer.parseInt(v) < KsmScanGovernor.FAST_PAGES_TO_SCAN).orElse(false)) {
            set(host, pages, KsmScanGovernor.FAST_PAGES_TO_SCAN, problems);
        }
        if (host.read(sleep).map(v -> Integer.parseInt(v) > KsmScanGovernor.FAST_SLEEP_MILLIS).orElse(false)) {
            set(host, sleep, KsmScanGovernor.FAST_SLEEP_MILLIS, problems);
        }
        return problems;
    }

    private static void set(HostSettings host, HostSetting s, int value, List<String> problems) {
        try {
            host.set(s, Integer.toString(value));
        } catch (IOException e) {
            problems.add("cannot write " + s.file() + " (" + e.getMessage() + "): run as root");
        }
    }
}
