package dev.thaw.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class SampleConfigTest {

    private static final Map<String, String> NONE = Map.of();

    @Test
    void defaults_apply_when_nothing_is_set() {
        SampleConfig config = SampleConfig.from(NONE::get, NONE::get);

        assertEquals("127.0.0.1", config.host());
        assertEquals(8080, config.port());
        assertEquals(300, config.datasetMb());
        assertEquals("jdbc:h2:mem:sample;DB_CLOSE_DELAY=-1", config.dbUrl());
        assertEquals("sa", config.dbUser());
        assertEquals("", config.dbPassword());
        assertNull(config.upstreamUrl(), "null means the app calls itself");
    }

    @Test
    void system_property_wins_over_environment_variable() {
        Map<String, String> properties = Map.of("sample.port", "9001");
        Map<String, String> environment = Map.of("PORT", "9002", "SAMPLE_DATASET_MB", "12",
                "SAMPLE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/sample", "SAMPLE_UPSTREAM_URL", "http://10.0.0.7:8080/");

        SampleConfig config = SampleConfig.from(properties::get, environment::get);

        assertEquals(9001, config.port());
        assertEquals(12, config.datasetMb());
        assertEquals("jdbc:postgresql://127.0.0.1:5432/sample", config.dbUrl());
        assertEquals("http://10.0.0.7:8080", config.upstreamUrl());
    }

    @Test
    void a_bad_number_is_rejected_naming_the_property_and_the_variable() {
        Map<String, String> environment = Map.of("PORT", "eighty");

        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class,
                () -> SampleConfig.from(NONE::get, environment::get));

        assertTrue(rejected.getMessage().contains("sample.port / PORT"), rejected.getMessage());
        assertTrue(rejected.getMessage().contains("'eighty'"), rejected.getMessage());
    }

    @Test
    void the_password_stays_out_of_toString() {
        Map<String, String> properties = Map.of("sample.db.password", "s3cret");

        assertTrue(!SampleConfig.from(properties::get, NONE::get).toString().contains("s3cret"));
    }
}
