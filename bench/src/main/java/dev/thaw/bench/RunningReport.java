package dev.thaw.bench;

import dev.thaw.bench.BenchResult.Failure;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a bench run has measured so far. Each scenario runs through {@link #measure}, which keeps its
 * figures, or its error when it fails, and then writes bench.json, bench.md and the charts again:
 * the report grows as the run goes, and a scenario that fails late (or a run killed midway) loses
 * nothing measured before it.
 */
final class RunningReport {
    /** One scenario's measurement; any exception fails that scenario only. */
    @FunctionalInterface
    interface Measurement<T> {
        T measure() throws Exception;
    }

    private final BenchSettings settings;
    private final Progress progress;
    private final Instant startedAt = Instant.now();
    private final long startedNanos = System.nanoTime();
    private final List<String> notes;
    private final List<Failure> failures = new ArrayList<>();

    Machine machine;
    BenchResult.Image image;
    List<BenchResult.Startup> startup = List.of();
    List<BenchResult.Memory> memory = List.of();
    BenchResult.Scaling scaling;
    BenchResult.Economy economy;
    BenchResult.Reliability reliability;
    BenchResult.Reference reference;

    /** {@code notes} is the run's list of notes, which scenarios add to as they go. */
    RunningReport(BenchSettings settings, Progress progress, List<String> notes) {
        this.settings = settings;
        this.progress = progress;
        this.notes = notes;
    }

    /**
     * Runs one scenario: on success {@code keep} takes its figures; on failure its error is recorded and
     * the run goes on. The report is written either way. Interruption stops the run (after writing).
     */
    <T> Optional<T> measure(Scenario scenario, Measurement<T> measurement, Consumer<T> keep) throws InterruptedException {
        try {
            T figures = measurement.measure();
            keep.accept(figures);
            return Optional.ofNullable(figures);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            fail(scenario, e);
            return Optional.empty();
        } finally {
            write();
        }
    }

    /** A scenario that could not run because one it needs failed: reported as failed, with the reason. */
    void skip(Scenario scenario, Scenario because) {
        failures.add(new Failure(scenario.label, "not run: " + because.label + " failed"));
    }

    boolean failed(Scenario scenario) {
        return failures.stream().anyMatch(f -> f.scenario().equals(scenario.label));
    }

    boolean anyFailed() {
        return !failures.isEmpty();
    }

    private void fail(Scenario scenario, Exception e) {
        String error = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName().equals("ThawException")
                ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
        failures.add(new Failure(scenario.label, error));
        progress.say("bench: " + scenario.label + " FAILED (the report says so; going on with the next): " + error);
    }

    BenchResult result() {
        return new BenchResult(startedAt, (System.nanoTime() - startedNanos) / 1e9, machine, settings, image, startup, memory,
                reliability, reference, economy, scaling, notes, failures);
    }

    /** Writes the report so far; a report that cannot be written is said, and the run goes on measuring. */
    List<Path> write() {
        try {
            return Reports.write(result(), settings.out());
        } catch (IOException | RuntimeException e) {
            progress.say("bench: could not write the report into " + settings.out() + ": " + e);
            return List.of();
        }
    }
}
