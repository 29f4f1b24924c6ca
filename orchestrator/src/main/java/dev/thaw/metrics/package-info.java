/**
 * What an operator sees of a running pool: Prometheus metrics (Micrometer's Prometheus registry) and
 * the HTTP endpoint of {@code thaw run} ({@code /metrics}, {@code /healthz}, {@code /readyz}, {@code /status}).
 * The supervisor knows nothing of it: {@link dev.thaw.metrics.PoolMetrics} listens to it through
 * {@link dev.thaw.pool.PoolListener}. docs/metrics.md is generated from the registry ({@link dev.thaw.metrics.MetricsDoc}).
 */
package dev.thaw.metrics;
