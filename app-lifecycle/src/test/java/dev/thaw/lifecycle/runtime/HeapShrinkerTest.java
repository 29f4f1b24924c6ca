package dev.thaw.lifecycle.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeapShrinkerTest {
    @Test
    void the_heap_is_shrunk_unless_the_leader_says_false() {
        assertTrue(new HeapShrinker(null).isEnabled());
        assertTrue(new HeapShrinker("true").isEnabled());
        assertFalse(new HeapShrinker("false").isEnabled());
        assertFalse(new HeapShrinker("FALSE").isEnabled());
    }

    @Test
    void a_value_that_is_neither_true_nor_false_keeps_the_smaller_image() {
        assertTrue(HeapShrinker.enabled("off"));
        assertTrue(HeapShrinker.enabled(""));
    }

    @Test
    void the_regrow_asks_g1_for_the_heap_the_leader_had_before_the_shrink() {
        long mib = 1 << 20;
        // 313 MiB live, 1383 MiB committed before: G1 grows to used / (1 - ratio/100) >= the target
        int ratio = HeapShrinker.minFreeRatioFor(313 * mib, 1383 * mib);
        assertEquals(77, ratio);
        assertTrue(313 * mib / (1 - ratio / 100.0) <= 1383 * mib);
        assertTrue(313 * mib / (1 - (ratio + 1) / 100.0) > 1383 * mib);
        assertEquals(99, HeapShrinker.minFreeRatioFor(1 * mib, 2048 * mib));
    }

    @Test
    void the_regrow_is_on_unless_the_leader_says_false() {
        assertTrue(new HeapShrinker(null, null).regrows());
        assertTrue(new HeapShrinker(null, "true").regrows());
        assertFalse(new HeapShrinker(null, "false").regrows());
    }

    @Test
    void no_second_gc_when_the_shrink_left_the_heap_about_as_large_as_before() {
        long mib = 1 << 20;
        assertEquals(-1, HeapShrinker.minFreeRatioFor(313 * mib, 320 * mib));
        assertEquals(-1, HeapShrinker.minFreeRatioFor(313 * mib, 313 * mib));
        assertEquals(-1, HeapShrinker.minFreeRatioFor(313 * mib, 100 * mib));
        assertEquals(-1, HeapShrinker.minFreeRatioFor(0, 100 * mib));
    }
}
