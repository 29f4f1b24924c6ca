package dev.thaw.lifecycle.runtime;

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
}
