package dev.thaw.leader;

/** Where long operations report what they are doing, one line at a time. */
@FunctionalInterface
public interface Progress {
    void say(String line);

    Progress SILENT = line -> { };
}
