package dev.thaw.lifecycle;

/** A checkpoint or restore callback of app code. */
@FunctionalInterface
public interface Hook {
    void run() throws Exception;
}
