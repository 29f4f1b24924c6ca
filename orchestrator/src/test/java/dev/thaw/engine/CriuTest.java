package dev.thaw.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CriuTest {
    @Test
    void versions_compare_numerically_not_as_text() {
        assertTrue(Criu.compareVersions("4.10", "4.2") > 0);
        assertTrue(Criu.compareVersions("4.2.1", "4.2") > 0);
        assertTrue(Criu.compareVersions("4.2", "4.2.0") == 0);
        assertTrue(Criu.compareVersions("3.17.1", "4.2") < 0);
        assertTrue(Criu.compareVersions("4.1.1", "4.2") < 0);
    }
}
