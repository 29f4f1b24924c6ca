package dev.thaw.lifecycle.crac;

/**
 * A checkpoint/restore participant. Same shape as {@code org.crac.Resource}: org.crac finds this
 * package through {@code -Dorg.crac.Core.Compat=dev.thaw.lifecycle.crac} and proxies its own
 * resources to this interface, so apps written against org.crac run unchanged on any JDK 17+.
 */
public interface Resource {
    void beforeCheckpoint(Context<? extends Resource> context) throws Exception;

    void afterRestore(Context<? extends Resource> context) throws Exception;
}
