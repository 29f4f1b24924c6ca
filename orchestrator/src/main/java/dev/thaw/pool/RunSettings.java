package dev.thaw.pool;

import dev.thaw.config.RunSettingsSpec;
import dev.thaw.config.SettingException;
import dev.thaw.config.SettingSources;
import dev.thaw.criu.RestoreMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The validated settings of one {@code thaw run}, read once from flags, environment and config file
 * (see {@link RunSettingsSpec} for what each one means) and then immutable.
 */
public record RunSettings(int workers, Duration timeout, Duration gracefulTimeout, Duration readyTimeout,
                          int maxBootFailures, int maxRequests, int maxRequestsJitter, long maxMemoryMiB,
                          String memoryMetric, int maxUnavailable, List<Integer> reforkAfter, int reforkMaxUnavailable,
                          Duration dumpTimeout, Duration heartbeat, String ksm, String restoreMode, Path socket,
                          Map<String, String> env, Map<String, String> properties) {

    public RunSettings {
        env = Map.copyOf(env);
        properties = Map.copyOf(properties);
        reforkAfter = List.copyOf(reforkAfter);
        if (heartbeat.compareTo(timeout) >= 0) {
            throw new SettingException("heartbeat (" + heartbeat.toMillis() + " ms) must be shorter than timeout ("
                    + timeout.toMillis() + " ms), or every worker would look hung");
        }
    }

    public static RunSettings from(SettingSources s, Map<String, String> env) {
        return from(s, env, Map.of());
    }

    /** {@code env} and {@code properties}: what every worker gets at restore (System.getenv, System.getProperty). */
    public static RunSettings from(SettingSources s, Map<String, String> env, Map<String, String> properties) {
        return new RunSettings(s.value(RunSettingsSpec.WORKERS), s.value(RunSettingsSpec.TIMEOUT),
                s.value(RunSettingsSpec.GRACEFUL_TIMEOUT), s.value(RunSettingsSpec.READY_TIMEOUT),
                s.value(RunSettingsSpec.MAX_BOOT_FAILURES), s.value(RunSettingsSpec.MAX_REQUESTS),
                s.value(RunSettingsSpec.MAX_REQUESTS_JITTER), s.value(RunSettingsSpec.MAX_MEMORY),
                s.value(RunSettingsSpec.MEMORY_METRIC), s.value(RunSettingsSpec.MAX_UNAVAILABLE),
                s.value(RunSettingsSpec.REFORK_AFTER), s.value(RunSettingsSpec.REFORK_MAX_UNAVAILABLE),
                s.value(RunSettingsSpec.DUMP_TIMEOUT), s.value(RunSettingsSpec.HEARTBEAT), s.value(RunSettingsSpec.KSM),
                s.value(RunSettingsSpec.RESTORE_MODE), Path.of(s.value(RunSettingsSpec.SOCKET)), env, properties);
    }

    /**
     * Whether the workers' pages are merged (--ksm): {@code auto} merges only when they copy the image, because
     * mapped workers share its pages through the page cache and have little else in common to merge.
     */
    public boolean mergesPages(RestoreMode mode) {
        return ksm.equals("true") || ksm.equals("auto") && mode == RestoreMode.COPY;
    }

    /** Requests a worker of the {@code reforksDone}+1-th generation this run makes must serve before it is reforked; 0 = never. */
    public int reforkThreshold(int reforksDone) {
        return reforkAfter.isEmpty() ? 0 : reforkAfter.get(Math.min(reforksDone, reforkAfter.size() - 1));
    }

    public RunSettings withWorkers(int n) {
        return new RunSettings(n, timeout, gracefulTimeout, readyTimeout, maxBootFailures, maxRequests, maxRequestsJitter,
                maxMemoryMiB, memoryMetric, maxUnavailable, reforkAfter, reforkMaxUnavailable, dumpTimeout, heartbeat, ksm, restoreMode, socket, env, properties);
    }
}
