package dev.thaw.metrics;

import dev.thaw.config.RunSettingsSpec;
import dev.thaw.config.SettingException;
import dev.thaw.config.SettingSources;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The HTTP endpoint's settings, validated once.
 *
 * @param address where to listen; empty when {@code --http-address off}
 * @param minReadyWorkers {@code /readyz} answers 200 while at least this many workers are ready
 */
public record EndpointSettings(Optional<InetSocketAddress> address, int minReadyWorkers) {

    public static EndpointSettings from(SettingSources s, int workers) {
        int minReady = s.value(RunSettingsSpec.MIN_READY_WORKERS);
        if (minReady > workers) {
            throw new SettingException("min-ready-workers (" + minReady + ") is more than workers (" + workers
                    + "): /readyz would never answer 200; lower --min-ready-workers or raise --workers");
        }
        return new EndpointSettings(s.value(RunSettingsSpec.HTTP_ADDRESS), minReady);
    }
}
