package dev.thaw.sample;

import java.util.function.UnaryOperator;

/**
 * The sample's settings. Each is read from a system property, else an environment variable, else its
 * default; {@link #load()} is the one place that reads them.
 *
 * @param upstreamUrl base URL for {@code /quote}'s outbound call, or null for the app itself
 */
public record SampleConfig(
        String host,
        int port,
        int datasetMb,
        String dbUrl,
        String dbUser,
        String dbPassword,
        String upstreamUrl) {

    private record Setting(String property, String env, String defaultValue) {

        String read(UnaryOperator<String> properties, UnaryOperator<String> environment) {
            String value = properties.apply(property);
            if (value == null) value = environment.apply(env);
            return value != null ? value : defaultValue;
        }

        int readInt(UnaryOperator<String> properties, UnaryOperator<String> environment, int min, int max) {
            String value = read(properties, environment).trim();
            try {
                int number = Integer.parseInt(value);
                if (number >= min && number <= max) return number;
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw new IllegalArgumentException(
                    property + " / " + env + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
        }
    }

    static final Setting HOST = new Setting("sample.host", "HOST", "127.0.0.1");
    static final Setting PORT = new Setting("sample.port", "PORT", "8080");
    static final Setting DATASET_MB = new Setting("sample.dataset.mb", "SAMPLE_DATASET_MB", "300");
    static final Setting DB_URL = new Setting("sample.db.url", "SAMPLE_DB_URL", "jdbc:h2:mem:sample;DB_CLOSE_DELAY=-1");
    static final Setting DB_USER = new Setting("sample.db.user", "SAMPLE_DB_USER", "sa");
    static final Setting DB_PASSWORD = new Setting("sample.db.password", "SAMPLE_DB_PASSWORD", "");
    static final Setting UPSTREAM_URL = new Setting("sample.upstream.url", "SAMPLE_UPSTREAM_URL", null);

    public static SampleConfig load() {
        return from(System::getProperty, System::getenv);
    }

    static SampleConfig from(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        String upstream = UPSTREAM_URL.read(properties, environment);
        return new SampleConfig(
                HOST.read(properties, environment),
                PORT.readInt(properties, environment, 0, 65_535),
                DATASET_MB.readInt(properties, environment, 1, 1_000_000),
                DB_URL.read(properties, environment),
                DB_USER.read(properties, environment),
                DB_PASSWORD.read(properties, environment),
                upstream == null || upstream.isBlank() ? null : stripTrailingSlash(upstream.trim()));
    }

    @Override
    public String toString() {
        // The password stays out of logs.
        return "SampleConfig[host=" + host + ", port=" + port + ", datasetMb=" + datasetMb + ", dbUrl=" + dbUrl
                + ", dbUser=" + dbUser + ", upstreamUrl=" + (upstreamUrl == null ? "(self)" : upstreamUrl) + "]";
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
