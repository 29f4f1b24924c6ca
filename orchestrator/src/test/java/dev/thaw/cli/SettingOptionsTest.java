package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.config.CheckpointSettings;
import dev.thaw.config.CheckpointSettingsSpec;
import dev.thaw.config.CommandSettings;
import dev.thaw.config.ControlSettingsSpec;
import dev.thaw.config.GuardrailSettingsSpec;
import dev.thaw.config.RunSettingsSpec;
import dev.thaw.config.Setting;
import dev.thaw.config.SettingSources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every command's settings on a real command line: flag > THAW_* > --config file > default, help, errors. */
class SettingOptionsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** The settings of the subcommand that {@code args} run, with {@code env} as thaw's environment. */
    private static SettingSources parse(Map<String, String> env, String... args) {
        CommandLine thaw = ThawCli.commandLine();
        CommandLine.ParseResult parsed = thaw.parseArgs(args);
        return SettingOptions.sources(parsed.subcommand().commandSpec(), env);
    }

    private Path config(String text) throws Exception {
        return Files.writeString(dir.resolve("thaw.properties"), text);
    }

    private int thaw(String... args) {
        return ThawCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void checkpoint_settings_come_from_the_flag_then_the_environment_then_the_config_file_then_the_default() throws Exception {
        Path file = config("warmup-requests = 30\nleader-ready-timeout = 40\ncheckpoint-timeout = 50\n");
        SettingSources s = parse(Map.of("THAW_WARMUP_REQUESTS", "20", "THAW_LEADER_READY_TIMEOUT", "25"),
                "checkpoint", "--image", "/img", "--config", file.toString(), "--warmup-requests", "10", "--", "java", "-jar", "app.jar");
        assertEquals(10, s.value(CheckpointSettingsSpec.WARMUP_REQUESTS));
        assertEquals(Duration.ofSeconds(25), s.value(CheckpointSettingsSpec.LEADER_READY_TIMEOUT));
        assertEquals(Duration.ofSeconds(50), s.value(CheckpointSettingsSpec.CHECKPOINT_TIMEOUT));
        assertEquals(List.of(), s.value(CheckpointSettingsSpec.WARMUP_URL));
        assertEquals(false, s.value(CheckpointSettingsSpec.PRIVATE_NETWORK));
    }

    @Test
    void check_reads_the_same_settings_the_same_way() throws Exception {
        Path file = config("warmup-url = http://127.0.0.1:8080/health http://127.0.0.1:8080/items\ncheckpoint-timeout = 5\n");
        SettingSources s = parse(Map.of("THAW_WARMUP_REQUESTS", "7", "THAW_CHECKPOINT_TIMEOUT", "9"),
                "check", "--config", file.toString(), "--ready-timeout", "12", "--", "java", "-jar", "app.jar");
        CheckpointSettings check = CheckpointSettings.forCheck(s);
        assertEquals(List.of(URI.create("http://127.0.0.1:8080/health"), URI.create("http://127.0.0.1:8080/items")), check.warmupUrls());
        assertEquals(7, check.warmupRequests());
        assertEquals(Duration.ofSeconds(12), check.leaderReadyTimeout());
        assertEquals(Duration.ofSeconds(9), check.checkpointTimeout());
        SettingSources defaults = parse(Map.of(), "check", "--warmup-url", "http://127.0.0.1:1/", "--", "java");
        assertEquals(1000, defaults.value(CheckpointSettingsSpec.WARMUP_REQUESTS), "check warms up as much as checkpoint");
        assertEquals(Duration.ofSeconds(180), defaults.value(CheckpointSettingsSpec.LEADER_READY_TIMEOUT));
    }

    @Test
    void run_settings_come_from_the_flag_then_the_environment_then_the_config_file_then_the_default() throws Exception {
        Path file = config("workers = 3\ntimeout = 10\nmax-requests = 500\n");
        SettingSources s = parse(Map.of("THAW_TIMEOUT", "20", "THAW_WORKERS", "4"),
                "run", "--image", "/img", "--config", file.toString(), "--workers", "5");
        assertEquals(5, s.value(RunSettingsSpec.WORKERS));
        assertEquals(Duration.ofSeconds(20), s.value(RunSettingsSpec.TIMEOUT));
        assertEquals(500, s.value(RunSettingsSpec.MAX_REQUESTS));
        assertEquals(Duration.ofSeconds(60), s.value(RunSettingsSpec.READY_TIMEOUT));
    }

    @Test
    void status_scale_and_reload_find_the_socket_as_run_does() throws Exception {
        Path file = config("socket = /run/from-file.sock\n");
        for (String[] command : new String[][] {{"status"}, {"scale", "3"}, {"reload"}}) {
            String name = command[0];
            assertEquals("/run/thaw/thaw.sock", parse(Map.of(), command).value(ControlSettingsSpec.SOCKET), name);
            String[] withFile = concat(new String[] {name, "--config", file.toString()}, tail(command));
            assertEquals("/run/from-file.sock", parse(Map.of(), withFile).value(ControlSettingsSpec.SOCKET), name);
            assertEquals("/run/env.sock", parse(Map.of("THAW_SOCKET", "/run/env.sock"), withFile).value(ControlSettingsSpec.SOCKET), name);
            String[] withFlag = concat(withFile, new String[] {"--socket", "/run/flag.sock"});
            assertEquals("/run/flag.sock", parse(Map.of("THAW_SOCKET", "/run/env.sock"), withFlag).value(ControlSettingsSpec.SOCKET), name);
        }
    }

    @Test
    void the_old_ready_timeout_flag_of_checkpoint_sets_the_leaders_timeout_and_thaw_runs_variable_does_not() {
        SettingSources s = parse(Map.of("THAW_READY_TIMEOUT", "5"), "checkpoint", "--image", "/img", "--ready-timeout", "2",
                "--warmup-url", "http://127.0.0.1:1/", "--", "java");
        assertEquals(Duration.ofSeconds(2), s.value(CheckpointSettingsSpec.LEADER_READY_TIMEOUT));
        SettingSources unset = parse(Map.of("THAW_READY_TIMEOUT", "5"), "checkpoint", "--image", "/img", "--", "java");
        assertEquals(Duration.ofSeconds(180), unset.value(CheckpointSettingsSpec.LEADER_READY_TIMEOUT),
                "THAW_READY_TIMEOUT is the workers' timeout: a leader's cold start is another thing");
    }

    @Test
    void a_switch_alone_is_true_takes_true_or_false_and_leaves_the_java_command_alone() {
        CommandLine.ParseResult p = ThawCli.commandLine().parseArgs("checkpoint", "--image", "/img", "--private-network",
                "--app-checkpoint", "false", "--", "java", "-jar", "app.jar");
        SettingSources s = SettingOptions.sources(p.subcommand().commandSpec(), Map.of());
        assertTrue(s.value(CheckpointSettingsSpec.PRIVATE_NETWORK));
        assertFalse(s.value(CheckpointSettingsSpec.APP_CHECKPOINT));
        assertEquals(List.of("java", "-jar", "app.jar"), p.subcommand().matchedPositionalValue(0, List.<String>of()));
        assertEquals("false", parse(Map.of(), "run", "--image", "/img", "--ksm", "false").value(RunSettingsSpec.KSM));
        assertEquals("true", parse(Map.of(), "run", "--image", "/img", "--ksm").value(RunSettingsSpec.KSM), "a switch with a third value");
        assertEquals("auto", parse(Map.of(), "run", "--image", "/img").value(RunSettingsSpec.KSM));
    }

    @Test
    void repeated_flags_are_one_list_and_the_environment_separates_the_same_values() {
        SettingSources flags = parse(Map.of(), "check", "--warmup-url", "http://a:1/x", "--warmup-url", "http://a:1/y",
                "--allow", "listen:*:9090=admin", "--allow", "file:/log/*=reopened", "--", "java");
        SettingSources env = parse(Map.of("THAW_WARMUP_URL", "http://a:1/x  http://a:1/y", "THAW_ALLOW", "listen:*:9090=admin;file:/log/*=reopened"),
                "check", "--", "java");
        assertEquals(flags.value(CheckpointSettingsSpec.WARMUP_URL), env.value(CheckpointSettingsSpec.WARMUP_URL));
        assertEquals(2, env.value(CheckpointSettingsSpec.WARMUP_URL).size());
        assertEquals(flags.value(GuardrailSettingsSpec.ALLOW).toString(), env.value(GuardrailSettingsSpec.ALLOW).toString());
    }

    @Test
    void a_bad_value_is_one_line_naming_the_setting_where_it_came_from_and_what_is_accepted() throws Exception {
        assertEquals(2, thaw("checkpoint", "--image", "/img", "--warmup-requests", "-1", "--warmup-url", "http://127.0.0.1:1/", "--", "java"));
        assertEquals("thaw: error: warmup-requests = '-1' from flag --warmup-requests is invalid: expected 0..100000000",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, thaw("check", "--warmup-url", "ftp://127.0.0.1/", "--", "java"));
        assertEquals("thaw: error: warmup-url = 'ftp://127.0.0.1/' from flag --warmup-url is invalid: 'ftp://127.0.0.1/' is not"
                + " an http(s) URL: use e.g. http://127.0.0.1:8080/health", err.toString().strip());
        err.getBuffer().setLength(0);
        Path file = config("socket = thaw.sock\n");
        assertEquals(2, thaw("status", "--config", file.toString()));
        assertEquals("thaw: error: socket = 'thaw.sock' from config file " + file + " is invalid: expected an absolute path",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, thaw("checkpoint", "--image", "/img", "--ready-timeout", "0.5", "--app-checkpoint", "--", "java"));
        assertEquals("thaw: error: leader-ready-timeout = '0.5' from flag --leader-ready-timeout is invalid: must be at least 1000 ms",
                err.toString().strip());
    }

    @Test
    void one_config_file_may_hold_every_commands_settings_but_no_unknown_key() throws Exception {
        Path shared = config("workers = 4\nwarmup-url = http://127.0.0.1:8080/health\nsocket = /run/app.sock\nstrict-threads = true\n");
        assertEquals(4, parse(Map.of(), "run", "--image", "/img", "--config", shared.toString()).value(RunSettingsSpec.WORKERS));
        assertTrue(parse(Map.of(), "check", "--config", shared.toString(), "--", "java").value(GuardrailSettingsSpec.STRICT_THREADS));
        assertEquals("/run/app.sock", parse(Map.of(), "status", "--config", shared.toString()).value(ControlSettingsSpec.SOCKET));
        Path typo = Files.writeString(dir.resolve("typo.properties"), "warmup-requets = 5\n");
        assertEquals(2, thaw("status", "--config", typo.toString()));
        assertTrue(err.toString().startsWith("thaw: error: unknown setting 'warmup-requets' in config file"), err.toString());
    }

    @Test
    void every_commands_help_shows_each_setting_with_its_default_and_variable() {
        for (String command : CommandSettings.commands()) {
            out.getBuffer().setLength(0);
            assertEquals(0, thaw(command, "--help"), command + ": " + err);
            String help = out.toString().replaceAll("\\s+", " ");
            assertTrue(help.contains("--config=FILE"), command + ": " + help);
            for (Setting<?> s : CommandSettings.of(command)) {
                for (String flag : s.flags()) {
                    assertTrue(help.contains(flag), command + " --help lacks " + flag + ": " + help);
                }
                assertTrue(help.contains("(default: " + s.shownDefault() + "; env " + s.envVar() + ")"),
                        command + " --help lacks the default of " + s.name() + ": " + help);
            }
        }
    }

    private static String[] tail(String[] a) {
        return java.util.Arrays.copyOfRange(a, 1, a.length);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
