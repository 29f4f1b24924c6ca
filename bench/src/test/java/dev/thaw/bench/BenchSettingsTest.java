package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.cli.SettingOptions;
import dev.thaw.config.CheckpointSettingsSpec;
import dev.thaw.config.RunSettingsSpec;
import dev.thaw.config.SettingException;
import dev.thaw.config.SettingSources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchSettingsTest {
    private static final List<String> APP = List.of("java", "-jar", "app.jar");
    private static final String URL = "http://127.0.0.1:8080/health";

    @TempDir
    Path dir;

    /** The settings as thaw bench reads them from {@code args} (its options, then '--' and the app) and {@code env}. */
    private static BenchSettings read(Map<String, String> env, String... args) {
        BenchCommand command = new BenchCommand();
        CommandLine cli = new CommandLine(command);
        SettingOptions.addTo(cli.getCommandSpec(), BenchSettingsSpec.ALL);
        cli.parseArgs(args);
        return BenchSettings.from(SettingOptions.sources(command.spec, BenchSettingsSpec.ALL, env), command.command, Path.of("work"), List.of());
    }

    private static String[] withApp(String... options) {
        List<String> args = new java.util.ArrayList<>(List.of(options));
        args.add("--");
        args.addAll(APP);
        return args.toArray(String[]::new);
    }

    /** Runs thaw bench's main as a user would, for its exit code and its one-line errors. */
    private static String[] execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BenchMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void should_take_every_flag_scripts_bench_and_the_docs_use() {
        BenchSettings s = read(Map.of(), withApp("--out", dir.toString(), "--runs", "3", "--workers", "4,1,2,2", "--ksm-wait", "30",
                "--steady-seconds", "2", "--pool-workers", "0", "--warmup-requests", "2000", "--economy-runs", "0",
                "--sharing-seconds", "5", "--large-image-flag=-Dsample.dataset.mb=750", "--large-image-runs", "1", "--url", URL,
                "--load-url", "http://127.0.0.1:8080/items/42", "--load-url", "http://127.0.0.1:8080/search?q=oak",
                "--reference-name", "gunicorn", "--reference-server", "gunicorn --preload app:app", "--reference-url",
                "http://127.0.0.1:9000/items/42", "--ready-timeout", "30", "--connections", "2", "--no-aot", "--keep-work"));
        assertEquals(List.of(1, 2, 4), s.workers());
        assertEquals(3, s.runs());
        assertEquals(30, s.ksmWaitSeconds());
        assertEquals(2, s.steadySeconds());
        assertEquals(0, s.poolWorkers());
        assertEquals(2000, s.warmupRequests());
        assertEquals("-Dsample.dataset.mb=750", s.largeImageFlag());
        assertEquals(30, s.readyTimeoutSeconds());
        assertEquals(2, s.connections());
        assertFalse(s.aot());
        assertEquals("gunicorn", s.referenceName());
        assertEquals(List.of(URI.create("http://127.0.0.1:8080/items/42"), URI.create("http://127.0.0.1:8080/search?q=oak")), s.load());
        assertEquals(dir.toAbsolutePath(), s.out());
        assertEquals(List.of(1, 2), read(Map.of(), withApp("--url", URL, "-w", "2,1")).workers());
    }

    @Test
    void should_share_the_declarations_and_defaults_of_thaw_checkpoint_and_thaw_run() {
        assertSame(CheckpointSettingsSpec.WARMUP_REQUESTS, BenchSettingsSpec.WARMUP_REQUESTS);
        assertSame(CheckpointSettingsSpec.WARMUP_URL, BenchSettingsSpec.WARMUP_URL);
        assertSame(CheckpointSettingsSpec.LEADER_READY_TIMEOUT, BenchSettingsSpec.LEADER_READY_TIMEOUT);
        assertSame(RunSettingsSpec.RESTORE_MODE, BenchSettingsSpec.RESTORE_MODE);
        BenchSettings defaults = read(Map.of(), withApp("--url", URL));
        assertEquals(1000, defaults.warmupRequests()); // thaw checkpoint's default, no longer a bench-only 2000
        assertEquals(180, defaults.readyTimeoutSeconds());
        assertEquals("auto", defaults.restoreMode());
        assertEquals(List.of(1, 2, 4, 8), defaults.workers());
        assertTrue(defaults.reusePort());
        assertEquals(List.of(URI.create(URL)), defaults.warmup());
        assertEquals(Path.of("thaw-bench").toAbsolutePath(), defaults.out());
    }

    @Test
    void should_read_a_flag_over_thaw_env_over_the_config_file_over_the_default() throws Exception {
        Path config = dir.resolve("bench.properties");
        // One file for the checkpoint and the bench: the other commands' keys are known here too.
        Files.writeString(config, "runs = 2\nconnections = 8\nsteady-seconds = 4\nwarmup-requests = 300\nworkers = 3\n");
        BenchSettings s = read(Map.of("THAW_CONNECTIONS", "6", "THAW_STEADY_SECONDS", "5", "THAW_RESTORE_MODE", "copy"),
                withApp("--config", config.toString(), "--url", URL, "--steady-seconds", "7"));
        assertEquals(2, s.runs());
        assertEquals(6, s.connections());
        assertEquals(7, s.steadySeconds());
        assertEquals(300, s.warmupRequests());
        assertEquals("copy", s.restoreMode());
        assertEquals(List.of(1, 2, 4, 8), s.workers()); // 'workers' is thaw run's pool size, not the bench's worker-counts
    }

    @Test
    void should_refuse_an_unknown_key_in_the_config_file() throws Exception {
        Path config = dir.resolve("bench.properties");
        Files.writeString(config, "rnus = 2\n");
        SettingException e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--config", config.toString(), "--url", URL)));
        assertTrue(e.getMessage().startsWith("unknown setting 'rnus' in config file"), e.getMessage());
    }

    @Test
    void should_name_the_setting_its_source_and_what_is_accepted_in_one_line() {
        SettingException e = assertThrows(SettingException.class, () -> read(Map.of("THAW_WORKER_COUNTS", "1,99"), withApp("--url", URL)));
        assertEquals("worker-counts = '1,99' from environment variable THAW_WORKER_COUNTS is invalid: expected worker counts from 1 to 64,"
                + " e.g. 1,2,4,8", e.getMessage());
        e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--url", "https://127.0.0.1:8080/health")));
        assertTrue(e.getMessage().contains("is not a plain http URL"), e.getMessage());
        e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--url", URL, "--load-url", "http://127.0.0.1:9090/x")));
        assertEquals("--load-url http://127.0.0.1:9090/x must be plain http on the host and port of --url (" + URL + ")", e.getMessage());
        e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--url", URL, "--reference-server", "gunicorn app:app")));
        assertEquals("--reference-server needs --reference-url, a plain http URL of that server", e.getMessage());
        e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--url", URL, "--economy-runs", "21")));
        assertEquals("economy-runs = '21' from flag --economy-runs is invalid: expected 0..20", e.getMessage());
        e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--url", URL, "--large-image-flag", "sample.dataset.mb=750")));
        assertTrue(e.getMessage().endsWith("expected a JVM flag, e.g. -Dsample.dataset.mb=750"), e.getMessage());
        e = assertThrows(SettingException.class, () -> read(Map.of(), withApp("--url", URL, "--restore-mode", "mmap")));
        assertEquals("restore-mode = 'mmap' from flag --restore-mode is invalid: expected one of auto, map, copy", e.getMessage());
    }

    @Test
    void should_fail_before_measuring_with_exit_2_and_one_line() {
        String[] r = execute("--runs", "3");
        assertEquals("2", r[0]);
        assertEquals("thaw: error: thaw bench needs --url and the app's command after '--', e.g. thaw bench --url"
                + " http://127.0.0.1:8080/health -- java -jar app.jar\n", r[2]);
        r = execute(withApp("--url", URL, "--runs", "0"));
        assertEquals("2", r[0]);
        assertEquals("thaw: error: runs = '0' from flag --runs is invalid: expected 1..100\n", r[2]);
        r = execute(withApp("--url", URL, "--warmup-url", URL, "-Dspring.context.checkpoint=onRefresh"));
        assertEquals("2", r[0], r[2]);
    }

    @Test
    void should_show_each_default_and_its_variable_in_the_help() {
        String[] r = execute("--help");
        assertEquals("0", r[0]);
        r[1] = r[1].replaceAll("\\s+", " "); // picocli wraps the descriptions
        for (var s : BenchSettingsSpec.ALL) {
            assertTrue(r[1].contains("(default: " + s.shownDefault() + "; env " + s.envVar() + ")"), s.name() + " in:\n" + r[1]);
            s.flags().forEach(flag -> assertTrue(r[1].contains(flag), flag));
        }
        assertTrue(r[1].contains("--render"));
        assertTrue(r[1].contains("--first-second-of"));
    }

    @Test
    void should_skip_the_memory_phase_only_when_told() {
        assertFalse(read(Map.of(), withApp("--url", URL)).noMemory());
        assertTrue(read(Map.of(), withApp("--url", URL, "--no-memory")).noMemory());
        assertTrue(read(Map.of("THAW_NO_MEMORY", "true"), withApp("--url", URL)).noMemory());
    }

    @Test
    void should_refuse_another_app_s_first_second_without_render() {
        String[] r = execute(withApp("--url", URL, "--first-second-of", "the Spring sample=spring/bench.json"));
        assertEquals("2", r[0], r[2]);
        assertEquals("thaw: error: --first-second-of only joins an earlier run's report: give it with --render BENCH_JSON\n", r[2]);
    }

    @Test
    void should_give_the_image_thaws_reuse_port_option_unless_told_not_to_or_the_command_sets_it() {
        assertEquals(List.of("java", "-Dthaw.reuse-port=true", "-jar", "app.jar"), read(Map.of(), withApp("--url", URL)).checkpointedCommand());
        assertEquals(APP, read(Map.of(), withApp("--url", URL, "--reuse-port", "false")).checkpointedCommand());
        List<String> own = List.of("java", "-Dthaw.reuse-port=false", "-jar", "app.jar");
        BenchSettings s = BenchSettings.from(new SettingSources(Map.of("url", URL), Map.of(), null), own, Path.of("w"), List.of());
        assertEquals(own, s.checkpointedCommand());
    }

    @Test
    void should_warm_up_with_the_warmup_urls_when_given_else_the_probe_then_the_load() {
        assertEquals(List.of(URI.create(URL), URI.create("http://127.0.0.1:8080/a")),
                read(Map.of(), withApp("--url", URL, "--load-url", "http://127.0.0.1:8080/a", "--load-url", URL)).warmup());
        assertEquals(List.of(URI.create("http://127.0.0.1:8080/b")),
                read(Map.of("THAW_WARMUP_URL", "http://127.0.0.1:8080/b"), withApp("--url", URL)).warmup());
    }

    @Test
    void every_bench_setting_has_a_valid_default_and_a_name_no_other_command_uses_for_something_else() {
        SettingSources defaults = new SettingSources(Map.of(), Map.of(), null);
        BenchSettingsSpec.ALL.forEach(defaults::value);
        for (var s : BenchSettingsSpec.ALL) {
            dev.thaw.config.CommandSettings.every().stream().filter(o -> o.name().equals(s.name()))
                    .forEach(o -> assertSame(o, s, s.name() + " is another command's setting with another meaning"));
        }
    }

    /** docs/bench-settings.md is generated; run with -Dthaw.regenerate-docs=true to rewrite it after changing a setting. */
    @Test
    void docs_bench_settings_md_matches_the_declarations() throws Exception {
        Path doc = Path.of("..", "docs", "bench-settings.md");
        String expected = BenchSettingsDoc.markdown();
        if (Boolean.getBoolean("thaw.regenerate-docs")) {
            Files.writeString(doc, expected);
        }
        assertEquals(expected, Files.exists(doc) ? Files.readString(doc) : "",
                "docs/bench-settings.md is out of date: run 'mvn -pl bench test -Dtest=BenchSettingsTest -Dthaw.regenerate-docs=true'");
        for (var s : BenchSettingsDoc.shared()) {
            assertTrue(expected.contains("[settings.md](settings.md#" + s.name() + ")"), s.name());
        }
    }

    @Test
    void user_runs_every_jvm_of_the_app_as_that_user_and_reaches_thaw_checkpoint_by_number() {
        BenchSettings s = read(Map.of(), withApp("--url", URL, "--user", "nobody"));
        assertEquals(65534, s.appUser().uid());
        assertEquals(List.of("setpriv", "--reuid", "65534", "--regid", Integer.toString(s.appUser().gid()), "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", "java", "-jar", "app.jar"), s.asAppUser(APP));
        List<String> checkpoint = new ThawCheckpoint(s, line -> { }).commandLine(Path.of("/tmp/img"), APP);
        List<String> options = checkpoint.subList(0, checkpoint.indexOf("--"));
        int user = options.indexOf("--user");
        assertTrue(user > 0, "thaw checkpoint gets --user: " + checkpoint);
        assertEquals(List.of("--user", "65534", "--group", Integer.toString(s.appUser().gid())), options.subList(user, user + 4));

        BenchSettings root = read(Map.of(), withApp("--url", URL));
        assertEquals(null, root.appUser());
        assertEquals(APP, root.asAppUser(APP), "without --user the app runs as thaw's own user");
        assertFalse(new ThawCheckpoint(root, line -> { }).commandLine(Path.of("/tmp/img"), APP).contains("--user"));
        assertEquals(65534, read(Map.of("THAW_USER", "nobody"), withApp("--url", URL)).appUser().uid(), "THAW_USER sets it too");
    }

    @Test
    void warmup_jit_wait_reaches_the_benchs_thaw_checkpoint_and_is_off_by_default() {
        List<String> off = new ThawCheckpoint(read(Map.of(), withApp("--url", URL)), line -> { }).commandLine(Path.of("/tmp/img"), APP);
        assertEquals("0", off.get(off.indexOf("--warmup-jit-wait") + 1), off.toString());
        BenchSettings s = read(Map.of("THAW_WARMUP_JIT_WAIT", "30"), withApp("--url", URL));
        assertEquals(30, s.warmupJitWaitSeconds());
        List<String> on = new ThawCheckpoint(s, line -> { }).commandLine(Path.of("/tmp/img"), APP);
        assertEquals("30", on.get(on.indexOf("--warmup-jit-wait") + 1), on.toString());
        assertTrue(on.indexOf("--warmup-jit-wait") < on.indexOf("--"), "a thaw option, not the app's: " + on);
    }

    @Test
    void group_without_user_or_a_user_that_does_not_exist_fails_with_exit_2_and_one_line() {
        String[] r = execute(withApp("--url", URL, "--group", "nogroup"));
        assertEquals("2", r[0], r[2]);
        assertEquals("thaw: error: --group nogroup needs --user: give the user the app runs as\n", r[2]);
        r = execute(withApp("--url", URL, "--user", "no-such-user-thaw"));
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].startsWith("thaw: error: no user 'no-such-user-thaw' on this host") && r[2].lines().count() == 1, r[2]);
    }
}
