package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ThawCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int thaw(String... args) {
        return ThawCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void help_lists_every_command() {
        assertEquals(0, thaw("--help"), err.toString());
        for (String command : new String[] {"checkpoint", "run", "inspect", "doctor"}) {
            assertTrue(out.toString().contains(command), out.toString());
        }
    }

    @Test
    void every_command_answers_help_even_without_its_required_options() {
        for (String command : ThawCli.commandLine().getSubcommands().keySet()) {
            if (command.equals("help")) {
                continue;
            }
            out.getBuffer().setLength(0);
            assertEquals(0, thaw(command, "--help"), command + ": " + err);
            assertTrue(out.toString().startsWith("Usage: thaw " + command), command + ": " + out);
        }
    }

    @Test
    void a_missing_required_option_is_one_line_with_a_pointer_to_help() {
        assertEquals(2, thaw("run"));
        String[] lines = err.toString().strip().split("\n");
        assertEquals(1, lines.length, err.toString());
        assertTrue(lines[0].startsWith("thaw: error: Missing required option: '--image=DIR'"), lines[0]);
        assertTrue(lines[0].endsWith("(see 'thaw run --help')"), lines[0]);
    }

    @Test
    void inspect_of_a_missing_directory_is_a_bad_image_error() {
        assertEquals(5, thaw("inspect", "/nonexistent/image"));
        assertTrue(err.toString().startsWith("thaw: error: image /nonexistent/image does not exist: make one with 'thaw checkpoint"),
                err.toString());
    }

    @Test
    void an_allowlist_entry_without_a_reason_is_a_usage_error_before_any_jvm_starts() {
        assertEquals(2, thaw("check", "--warmup-url", "http://127.0.0.1:1/", "--allow", "listen:*:9090", "--", "java", "-jar", "app.jar"));
        assertTrue(err.toString().contains("allow = 'listen:*:9090' from flag --allow is invalid"), err.toString());
        assertTrue(err.toString().contains("KIND:PATTERN=REASON"), err.toString());
    }

    @Test
    void guardrail_flags_become_the_leaders_system_properties() {
        picocli.CommandLine cli = ThawCli.commandLine();
        picocli.CommandLine check = cli.getSubcommands().get("check");
        cli.parseArgs("check", "--allow", "listen:*:9090=admin port", "--allow", "file:/var/log/*.log=reopened", "--strict-threads",
                "--detective", "--", "java", "-jar", "app.jar");

        java.util.List<String> props = GuardrailOptions.leaderProperties(check.getCommandSpec());

        assertEquals(java.util.List.of("-Dthaw.guardrail.mode=refuse", "-Dthaw.guardrail.strict-threads=true",
                "-Dthaw.guardrail.allow.0=listen:*:9090=admin port", "-Dthaw.guardrail.allow.1=file:/var/log/*.log=reopened",
                "-Dthaw.detective=true"), props);
    }

    @Test
    void check_and_checkpoint_give_the_leader_the_same_jit_young_generation_and_guardrail_options() {
        String[] options = {"--jit-untaken-paths", "compile", "--young-gen-max", "96", "--strict-threads", "--warmup-url", "http://127.0.0.1:1/"};
        java.util.List<String> app = java.util.List.of("java", "-jar", "app.jar");
        picocli.CommandLine cli = ThawCli.commandLine();
        picocli.CommandLine checkpoint = cli.getSubcommands().get("checkpoint");
        picocli.CommandLine check = cli.getSubcommands().get("check");
        java.util.List<String> checkpointArgs = new java.util.ArrayList<>(java.util.List.of("checkpoint", "--image", "/tmp/unused"));
        checkpointArgs.addAll(java.util.List.of(options));
        checkpointArgs.add("--");
        checkpointArgs.addAll(app);
        cli.parseArgs(checkpointArgs.toArray(String[]::new));
        java.util.List<String> checkArgs = new java.util.ArrayList<>(java.util.List.of("check"));
        checkArgs.addAll(java.util.List.of(options));
        checkArgs.add("--");
        checkArgs.addAll(app);
        cli.parseArgs(checkArgs.toArray(String[]::new));

        dev.thaw.config.SettingSources checkpointSources = SettingOptions.sources(checkpoint.getCommandSpec());
        dev.thaw.config.SettingSources checkSources = SettingOptions.sources(check.getCommandSpec());
        java.util.List<String> forCheckpoint = LeaderOptions.of(dev.thaw.config.CheckpointSettings.forCheckpoint(checkpointSources, app),
                checkpointSources, app).options();
        java.util.List<String> forCheck = LeaderOptions.of(dev.thaw.config.CheckpointSettings.forCheck(checkSources), checkSources, app).options();

        assertEquals(forCheckpoint, forCheck);
        assertTrue(forCheck.contains("-XX:PerMethodTrapLimit=0"), forCheck.toString());
        assertTrue(forCheck.contains("-Dthaw.guardrail.strict-threads=true"), forCheck.toString());
        assertTrue(forCheck.contains("-XX:MaxNewSize=96m"), forCheck.toString());
    }
}
