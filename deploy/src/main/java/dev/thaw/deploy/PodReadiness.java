package dev.thaw.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 20's measure of the three ways to run the app in a pod, from one run: a plain JVM, a pod that checkpoints for
 * itself, and a pod that fetches an image made once. The target: the fetching pod is ready (readiness 200) within
 * 2 x (one restore + the container's own start). PodmanPodTest prints it; scripts/bench --pods writes it into
 * docs/BENCHMARKS.md ({@link #markdown}).
 *
 * @param plainJvmMillis          kube play to the app's first 200, started without thaw in the same image
 * @param selfCheckpointingMillis kube play to readiness 200 of a pod whose init container checkpoints
 * @param selfCheckpointingHow    which pod that was
 * @param fetchingMillis          kube play to readiness 200 of a pod whose init container fetches the image
 * @param fetchMillis             that init container's run (thaw fetch, from its start to its exit)
 * @param fetchLine               thaw fetch's own account of it ("unpacked and hashed in ..., synced in ..."), or ""
 * @param archiveBytes            the archive's size
 * @param restoreMillis           one restore: the slowest worker's restore to ready, as thaw status reports it
 * @param containerStartMillis    kube play to thaw's /healthz in the fetching pod, less the fetch
 */
public record PodReadiness(long plainJvmMillis, long selfCheckpointingMillis, String selfCheckpointingHow, long fetchingMillis,
                           long fetchMillis, String fetchLine, long archiveBytes, long restoreMillis, long containerStartMillis) {

    public long targetMillis() {
        return 2 * (restoreMillis + containerStartMillis);
    }

    public boolean met() {
        return fetchingMillis <= targetMillis();
    }

    /** The figures as lines of text, for a test's output. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("plain JVM pod (app's /health): " + plainJvmMillis + " ms");
        out.add("pod that checkpoints for itself (" + selfCheckpointingHow + "): " + selfCheckpointingMillis + " ms");
        out.add("pod that fetches the image (" + fetchMillis + " ms of it the init container's fetch" + (fetchLine.isEmpty() ? "" : ": "
                + fetchLine) + "): " + fetchingMillis + " ms");
        out.add("  one restore (slowest worker, thaw status): " + restoreMillis + " ms");
        out.add("  the container's own start (kube play to /healthz, less the fetch): " + containerStartMillis + " ms");
        out.add("target, 2 x (restore + container start): " + targetMillis() + " ms: " + (met() ? "met" : "NOT met"));
        return out;
    }

    /** The report's section (its heading and the table), after {@code intro}: what was run, on what. */
    public String markdown(String intro) {
        StringBuilder md = new StringBuilder("## Pods: time to readiness\n\n").append(intro.strip()).append("\n\n");
        md.append("| pod | `kube play` to the first 200 |\n| --- | --- |\n");
        md.append("| plain JVM: the sample app started without thaw in the same image (`GET /health` of the app) | ")
                .append(s(plainJvmMillis)).append(" |\n");
        md.append("| checkpoints for itself: ").append(selfCheckpointingHow).append(" | ").append(s(selfCheckpointingMillis)).append(" |\n");
        md.append("| **fetches the image a Job made** (`deploy/k8s/prebuilt`) | **").append(s(fetchingMillis)).append("** |\n");
        md.append("| of which: the init container's `thaw fetch` (a ").append(mib(archiveBytes)).append(" archive")
                .append(fetchLine.isEmpty() ? "" : "; thaw's own figures: " + fetchLine).append(") | ").append(s(fetchMillis)).append(" |\n");
        md.append("| one restore (the slowest worker, restore to ready, `thaw status`) | ").append(s(restoreMillis)).append(" |\n");
        md.append("| the container's own start (`kube play` to thaw's `/healthz`, less the init container's fetch) | ")
                .append(s(containerStartMillis)).append(" |\n");
        md.append("| issue 20's target: 2 x (one restore + the container's own start) | ").append(s(targetMillis())).append(": **")
                .append(met() ? "met" : "not met").append("** |\n\n");
        md.append(String.format(Locale.ROOT, "The fetching pod was ready %.1fx sooner than the one that checkpoints for itself, and %.1fx"
                        + " later than the plain JVM, whose first requests are cold where the restored workers answer warmed up.%n",
                (double) selfCheckpointingMillis / fetchingMillis, (double) fetchingMillis / plainJvmMillis));
        return md.toString();
    }

    /** As JSON, for build/bench/pods.json. */
    public String json() {
        return String.format(Locale.ROOT, "{\"plainJvmMillis\":%d,\"selfCheckpointingMillis\":%d,\"fetchingMillis\":%d,\"fetchMillis\":%d,"
                        + "\"archiveBytes\":%d,\"restoreMillis\":%d,\"containerStartMillis\":%d,\"targetMillis\":%d,\"met\":%b}",
                plainJvmMillis, selfCheckpointingMillis, fetchingMillis, fetchMillis, archiveBytes, restoreMillis, containerStartMillis,
                targetMillis(), met());
    }

    private static String s(long millis) {
        return millis < 1000 ? String.format(Locale.ROOT, "%.2f s", millis / 1000.0) : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
