package dev.thaw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @TempDir
    Path dir;

    @Test
    void a_flag_wins_over_the_environment_which_wins_over_the_config_file_which_wins_over_the_default() throws Exception {
        Path config = dir.resolve("thaw.properties");
        Files.writeString(config, "workers = 3\ntimeout = 10\nmax-requests = 500\n");
        SettingSources s = new SettingSources(Map.of("workers", "5"), Map.of("THAW_TIMEOUT", "20", "THAW_WORKERS", "4"), config);
        assertEquals(5, s.value(RunSettingsSpec.WORKERS));
        assertEquals(Duration.ofSeconds(20), s.value(RunSettingsSpec.TIMEOUT));
        assertEquals(500, s.value(RunSettingsSpec.MAX_REQUESTS));
        assertEquals(Duration.ofSeconds(30), s.value(RunSettingsSpec.GRACEFUL_TIMEOUT));
    }

    @Test
    void a_bad_value_names_the_setting_its_source_and_what_is_accepted() {
        SettingSources s = new SettingSources(Map.of(), Map.of("THAW_WORKERS", "many"), null);
        SettingException e = assertThrows(SettingException.class, () -> s.value(RunSettingsSpec.WORKERS));
        assertEquals("workers = 'many' from environment variable THAW_WORKERS is invalid: expected a whole number", e.getMessage());
    }

    @Test
    void an_unknown_key_in_the_config_file_is_an_error_not_a_silent_default() throws Exception {
        Path config = dir.resolve("thaw.properties");
        Files.writeString(config, "wrokers = 3\n");
        SettingException e = assertThrows(SettingException.class, () -> new SettingSources(Map.of(), Map.of(), config));
        assertTrue(e.getMessage().startsWith("unknown setting 'wrokers' in config file"), e.getMessage());
    }

    @Test
    void durations_take_seconds_or_a_unit() {
        SettingSources s = new SettingSources(Map.of("timeout", "1500ms", "graceful-timeout", "2m", "heartbeat", "0.5"), Map.of(), null);
        assertEquals(Duration.ofMillis(1500), s.value(RunSettingsSpec.TIMEOUT));
        assertEquals(Duration.ofMinutes(2), s.value(RunSettingsSpec.GRACEFUL_TIMEOUT));
        assertEquals(Duration.ofMillis(500), s.value(RunSettingsSpec.HEARTBEAT));
    }

    @Test
    void refork_after_takes_a_schedule_of_request_counts_or_false_and_the_last_count_repeats() {
        SettingSources s = new SettingSources(Map.of("refork-after", "500, 1000,2000"), Map.of("THAW_REFORK_MAX_UNAVAILABLE", "2"), null);
        assertEquals(java.util.List.of(500, 1000, 2000), s.value(RunSettingsSpec.REFORK_AFTER));
        assertEquals(2, s.value(RunSettingsSpec.REFORK_MAX_UNAVAILABLE));
        dev.thaw.pool.RunSettings run = dev.thaw.pool.RunSettings.from(s, Map.of());
        assertEquals(500, run.reforkThreshold(0));
        assertEquals(2000, run.reforkThreshold(2));
        assertEquals(2000, run.reforkThreshold(7));
        SettingSources off = new SettingSources(Map.of("refork-after", "false"), Map.of(), null);
        assertEquals(0, dev.thaw.pool.RunSettings.from(off, Map.of()).reforkThreshold(0));
        SettingException e = assertThrows(SettingException.class,
                () -> new SettingSources(Map.of("refork-after", "500,0"), Map.of(), null).value(RunSettingsSpec.REFORK_AFTER));
        assertEquals("refork-after = '500,0' from flag --refork-after is invalid: expected request counts like 500,1000,2000"
                + " (each >= 1), or false", e.getMessage());
    }

    @Test
    void ksm_auto_merges_the_pages_of_workers_that_copy_the_image_and_not_of_those_that_map_it() {
        java.util.function.Function<String, dev.thaw.pool.RunSettings> ksm = value -> dev.thaw.pool.RunSettings.from(
                new SettingSources(value == null ? Map.of() : Map.of("ksm", value), Map.of(), null), Map.of());
        assertTrue(ksm.apply(null).mergesPages(dev.thaw.criu.RestoreMode.COPY), "auto is the default");
        assertFalse(ksm.apply(null).mergesPages(dev.thaw.criu.RestoreMode.MAP));
        assertTrue(ksm.apply("true").mergesPages(dev.thaw.criu.RestoreMode.MAP));
        assertFalse(ksm.apply("false").mergesPages(dev.thaw.criu.RestoreMode.COPY));
        assertThrows(SettingException.class, () -> ksm.apply("maybe"));
    }

    @Test
    void every_setting_default_is_valid() {
        SettingSources defaults = new SettingSources(Map.of(), Map.of(), null);
        RunSettingsSpec.ALL.forEach(defaults::value);
    }

    @Test
    void every_commands_defaults_are_valid() {
        SettingSources defaults = new SettingSources(Map.of(), Map.of(), null);
        CommandSettings.every().forEach(defaults::value);
    }

    @Test
    void a_setting_two_commands_share_is_one_declaration_so_its_default_is_one() {
        assertSame(RunSettingsSpec.SOCKET, ControlSettingsSpec.SOCKET);
        for (String command : List.of("status", "scale", "reload", "run")) {
            assertTrue(CommandSettings.of(command).stream().anyMatch(s -> s == ControlSettingsSpec.SOCKET), command);
        }
        for (Setting<?> leader : CheckpointSettingsSpec.LEADER) {
            assertTrue(CommandSettings.of("check").stream().anyMatch(s -> s == leader), "check: " + leader.name());
            assertTrue(CommandSettings.of("checkpoint").stream().anyMatch(s -> s == leader), "checkpoint: " + leader.name());
        }
        Map<String, Setting<?>> byName = new HashMap<>();
        for (String command : CommandSettings.commands()) {
            for (Setting<?> s : CommandSettings.of(command)) {
                Setting<?> other = byName.putIfAbsent(s.name(), s);
                assertTrue(other == null || other == s, "two declarations named " + s.name()
                        + ": one THAW_ variable and one config key would mean two things");
            }
        }
    }

    @Test
    void the_leaders_ready_timeout_and_the_workers_are_two_settings_with_their_own_names() {
        assertEquals("ready-timeout", RunSettingsSpec.READY_TIMEOUT.name());
        assertEquals("60", RunSettingsSpec.READY_TIMEOUT.defaultValue());
        assertEquals("leader-ready-timeout", CheckpointSettingsSpec.LEADER_READY_TIMEOUT.name());
        assertEquals("180", CheckpointSettingsSpec.LEADER_READY_TIMEOUT.defaultValue());
        assertEquals(List.of("--leader-ready-timeout", "--ready-timeout"), CheckpointSettingsSpec.LEADER_READY_TIMEOUT.flags());
    }

    @Test
    void a_checkpoint_needs_one_way_to_tell_when_the_app_is_ready() {
        SettingSources none = new SettingSources(Map.of(), Map.of(), null);
        SettingException e = assertThrows(SettingException.class, () -> CheckpointSettings.forCheckpoint(none, List.of("java", "-jar", "a.jar")));
        assertTrue(e.getMessage().contains("give --warmup-url URL") && e.getMessage().contains("or --app-checkpoint"), e.getMessage());
        e = assertThrows(SettingException.class, () -> CheckpointSettings.forCheck(none));
        assertTrue(e.getMessage().startsWith("thaw check needs --warmup-url URL"), e.getMessage());
        SettingSources both = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/"), Map.of("THAW_APP_CHECKPOINT", "true"), null);
        e = assertThrows(SettingException.class, () -> CheckpointSettings.forCheckpoint(both, List.of("java")));
        assertEquals("--warmup-url cannot be used when the app checkpoints itself (--app-checkpoint): it is dumped before it serves;"
                + " drop --warmup-url", e.getMessage());
        SettingSources spring = new SettingSources(Map.of(), Map.of(), null);
        assertTrue(CheckpointSettings.forCheckpoint(spring, List.of("java", CheckpointSettings.SPRING_CHECKPOINT, "-jar", "a.jar")).appCheckpoint());
    }

    @Test
    void the_young_generation_bound_is_auto_by_default_or_mib_and_anything_else_is_refused() {
        List<String> java = List.of("java", "-jar", "a.jar");
        SettingSources byDefault = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/"), Map.of(), null);
        assertEquals(CheckpointSettingsSpec.YOUNG_GEN_AUTO, CheckpointSettings.forCheckpoint(byDefault, java).youngGenMaxMib());
        SettingSources mib = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/", "young-gen-max", "96"), Map.of(), null);
        assertEquals(96, CheckpointSettings.forCheck(mib).youngGenMaxMib());
        SettingException e = assertThrows(SettingException.class, () -> new SettingSources(Map.of("young-gen-max", "lots"), Map.of(), null)
                .value(CheckpointSettingsSpec.YOUNG_GEN_MAX));
        assertTrue(e.getMessage().contains("expected auto, or MiB"), e.getMessage());
    }

    @Test
    void a_checkpoint_is_rehearsed_and_a_check_checks_the_rehearsal_unless_told_not_to_or_the_app_checkpoints_itself() {
        List<String> java = List.of("java", "-jar", "a.jar");
        SettingSources byDefault = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/"), Map.of(), null);
        assertTrue(CheckpointSettings.forCheckpoint(byDefault, java).rehearse());
        assertTrue(CheckpointSettings.forCheck(byDefault).rehearse());
        SettingSources off = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/", "checkpoint-rehearsal", "false"), Map.of(), null);
        assertFalse(CheckpointSettings.forCheckpoint(off, java).rehearse());
        assertFalse(CheckpointSettings.forCheck(off).rehearse());
        SettingSources none = new SettingSources(Map.of(), Map.of(), null);
        assertFalse(CheckpointSettings.forCheckpoint(none, List.of("java", CheckpointSettings.SPRING_CHECKPOINT, "-jar", "a.jar")).rehearse(),
                "thaw does not warm up an app that checkpoints itself");
    }

    @Test
    void the_leader_compiles_untaken_paths_unless_told_to_keep_the_jvms_traps() {
        List<String> java = List.of("java", "-jar", "a.jar");
        SettingSources byDefault = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/"), Map.of(), null);
        assertTrue(CheckpointSettings.forCheckpoint(byDefault, java).compileUntakenPaths());
        assertTrue(CheckpointSettings.forCheck(byDefault).compileUntakenPaths(), "thaw check rehearses the checkpoint's leader");
        SettingSources trap = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/", "jit-untaken-paths", "trap"), Map.of(), null);
        assertFalse(CheckpointSettings.forCheckpoint(trap, java).compileUntakenPaths());
        SettingSources typo = new SettingSources(Map.of("warmup-url", "http://127.0.0.1:8080/", "jit-untaken-paths", "yes"), Map.of(), null);
        assertThrows(SettingException.class, () -> CheckpointSettings.forCheckpoint(typo, java));
    }

    @Test
    void the_settings_page_describes_every_setting_of_every_command_once() {
        String md = SettingsDoc.markdown();
        for (Setting<?> s : CommandSettings.every()) {
            int at = md.indexOf("\n## " + s.name() + "\n");
            assertTrue(at >= 0, s.name() + " is not described in docs/settings.md");
            assertEquals(at, md.lastIndexOf("\n## " + s.name() + "\n"), s.name() + " is described twice");
            for (String command : CommandSettings.takingIt(s)) {
                assertTrue(md.indexOf("`thaw " + command + "`", at) > 0, s.name() + ": " + command);
            }
        }
    }

    /** docs/settings.md is generated; run with -Dthaw.regenerate-docs=true to rewrite it after changing a setting. */
    @Test
    void docs_settings_md_matches_the_declarations() throws Exception {
        Path doc = Path.of("..", "docs", "settings.md");
        String expected = SettingsDoc.markdown();
        if (Boolean.getBoolean("thaw.regenerate-docs")) {
            Files.writeString(doc, expected);
        }
        assertEquals(expected, Files.readString(doc),
                "docs/settings.md is out of date: run 'mvn -f orchestrator/pom.xml test -Dtest=SettingsTest -Dthaw.regenerate-docs=true'");
    }
}
