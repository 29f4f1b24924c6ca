package dev.thaw.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * This orchestrator's own command line up to the subcommand (java, its options, -jar thaw.jar or
 * -cp ... main class), read from /proc through ProcessHandle: how thaw starts thaw again with
 * the same JDK, flags and jar ('thaw checkpoint' on USR2 and --private-network).
 */
final class SelfCommand {
    private SelfCommand() {
    }

    static List<String> get() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> command = new ArrayList<>();
        command.add(info.command().orElseThrow(() -> new IllegalStateException("cannot read this process's command line")));
        String[] args = info.arguments().orElse(new String[0]);
        for (int i = 0; i < args.length; i++) {
            command.add(args[i]);
            if ("-jar".equals(args[i]) && i + 1 < args.length) {
                command.add(args[i + 1]);
                return command;
            }
            if (!args[i].startsWith("-") && !isOptionValue(args, i)) {
                return command; // the main class
            }
        }
        throw new IllegalStateException("cannot find thaw's jar or main class in this process's command line");
    }

    /** The value of -cp/-classpath/--class-path/-p and friends, which take the next argument. */
    private static boolean isOptionValue(String[] args, int i) {
        return i > 0 && List.of("-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-opens", "--add-exports")
                .contains(args[i - 1]);
    }
}
