package dev.thaw.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The arguments of a 'thaw checkpoint' as they are recorded in the image's manifest, so that
 * 'thaw run' can make the next image the same way on USR2. The options that name the image and
 * its place in the pool's history are dropped, and so is --private-network: the run adds its own.
 */
final class ReplayArguments {
    private static final Set<String> DROPPED_WITH_VALUE = Set.of("--image", "--generation");
    private static final Set<String> DROPPED_ALONE = Set.of("--force", "--private-network");

    private ReplayArguments() {
    }

    /** {@code args} as given on the command line; anything up to the subcommand's name is skipped. */
    static List<String> of(List<String> given) {
        List<String> args = afterSubcommand(given);
        List<String> kept = new ArrayList<>();
        boolean javaCommand = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (javaCommand || "--".equals(a)) {
                javaCommand = true;
                kept.add(a);
            } else if (DROPPED_WITH_VALUE.contains(a)) {
                i++; // and its value
            } else if (DROPPED_ALONE.contains(a)) {
                if (i + 1 < args.size() && isBoolean(args.get(i + 1))) {
                    i++; // '--private-network true': a switch may take a value
                }
            } else if (!DROPPED_ALONE.contains(optionName(a)) && !DROPPED_WITH_VALUE.contains(optionName(a))) {
                kept.add(a);
            }
        }
        return kept;
    }

    /** The arguments after 'checkpoint' (picocli's original arguments may include what came before it). */
    static List<String> afterSubcommand(List<String> given) {
        int end = given.indexOf("--") < 0 ? given.size() : given.indexOf("--");
        return given.subList(given.subList(0, end).indexOf("checkpoint") + 1, given.size());
    }

    private static boolean isBoolean(String arg) {
        return arg.equalsIgnoreCase("true") || arg.equalsIgnoreCase("false");
    }

    private static String optionName(String arg) {
        int eq = arg.indexOf('=');
        return eq > 0 && arg.startsWith("--") ? arg.substring(0, eq) : arg;
    }
}
