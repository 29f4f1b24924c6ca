package dev.thaw.host;

import java.nio.file.Path;

/**
 * One machine-wide kernel setting: the name an operator knows it by ({@code net.ipv4.tcp_migrate_req},
 * {@code ksm/pages_to_scan}) and the file that holds it. Made by {@link HostFiles}, which knows the roots.
 */
public record HostSetting(String name, Path file) {
    @Override
    public String toString() {
        return name;
    }
}
