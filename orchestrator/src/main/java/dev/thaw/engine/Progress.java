package dev.thaw.engine;

/** Where long operations report what they are doing, one line at a time. */
@FunctionalInterface
public interface Progress {
    void say(String line);

    Progress SILENT = line -> { };
}
