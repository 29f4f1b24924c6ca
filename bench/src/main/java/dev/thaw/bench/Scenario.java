package dev.thaw.bench;

/**
 * The parts of a bench run that can fail on their own. One that fails is reported with its error in
 * bench.md and bench.json, and the run goes on with the next: a late failure loses nothing measured before it.
 */
enum Scenario {
    AOT_TRAINING("AOT training run"),
    CHECKPOINT("thaw checkpoint of the app"),
    STARTUP("time to first 200 and first second"),
    MEMORY("N workers: time to ready and memory"),
    LARGER_IMAGE("a larger image"),
    ECONOMY("image economy, reforking and page sharing"),
    POOL_START("thaw run: all workers ready"),
    ROLLING_RESTART("rolling restart (HUP) under load"),
    KILL("kill -9 of a worker under load"),
    TTIN("TTIN to a new worker"),
    REFERENCE("the reference pre-fork server");

    final String label;

    Scenario(String label) {
        this.label = label;
    }
}
