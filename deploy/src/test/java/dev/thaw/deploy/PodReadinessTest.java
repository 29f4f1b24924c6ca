package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pods' section of the benchmark report: issue 20's target and its verdict, from the figures of one run. */
class PodReadinessTest {
    private static PodReadiness fetchingIn(long fetchingMillis) {
        return new PodReadiness(9685, 35699, "`deploy/k8s`", fetchingMillis, 3739, "unpacked and hashed in 1.63 s, synced in 0.17 s",
                167_772_160L, 308, 7738);
    }

    @Test
    void the_target_is_twice_one_restore_plus_the_containers_own_start() {
        PodReadiness r = fetchingIn(11495);
        assertEquals(16092, r.targetMillis());
        assertTrue(r.met());
        assertFalse(fetchingIn(16093).met());
        assertTrue(fetchingIn(16092).met(), "ready exactly at the target meets it");
    }

    @Test
    void the_section_has_its_heading_every_pod_and_the_verdict() {
        String md = fetchingIn(11495).markdown("One run of each pod.");
        assertTrue(md.startsWith("## Pods: time to readiness\n\nOne run of each pod.\n\n| pod |"), md);
        assertTrue(md.contains("| plain JVM: the sample app started without thaw in the same image (`GET /health` of the app) | 9.7 s |"), md);
        assertTrue(md.contains("| checkpoints for itself: `deploy/k8s` | 35.7 s |"), md);
        assertTrue(md.contains("| **fetches the image a Job made** (`deploy/k8s/prebuilt`) | **11.5 s** |"), md);
        assertTrue(md.contains("(a 160 MiB archive; thaw's own figures: unpacked and hashed in 1.63 s, synced in 0.17 s) | 3.7 s |"), md);
        assertTrue(md.contains("| one restore (the slowest worker, restore to ready, `thaw status`) | 0.31 s |"), md);
        assertTrue(md.contains("| issue 20's target: 2 x (one restore + the container's own start) | 16.1 s: **met** |"), md);
        assertTrue(fetchingIn(17000).markdown("x").contains("16.1 s: **not met** |"));
        assertTrue(md.contains("ready 3.1x sooner than the one that checkpoints for itself, and 1.2x later than the plain JVM"), md);
    }

    @Test
    void the_json_has_every_figure_and_the_verdict() {
        String json = fetchingIn(11495).json();
        assertTrue(json.contains("\"fetchingMillis\":11495") && json.contains("\"targetMillis\":16092") && json.contains("\"met\":true"), json);
    }
}
