/**
 * What thaw's test suites share, so that no module keeps a copy of its own.
 *
 * <ul>
 *   <li>{@link dev.thaw.testkit.Http}: GET on a connection of its own, closed before it returns (the
 *       JDK's HttpClient). Workers share a port through SO_REUSEPORT, which spreads connections, not
 *       requests; and a test listing the sockets its process holds finds none of its client's.</li>
 *   <li>{@link dev.thaw.testkit.FreePort}: a free port below the kernel's ephemeral range.</li>
 *   <li>{@link dev.thaw.testkit.TcpSockets}: listeners and held sockets, from /proc/self/net/tcp{,6}.</li>
 *   <li>{@link dev.thaw.testkit.MachineRequirement}: a test the machine cannot run is skipped, or fails under
 *       THAW_REQUIRE_CRIU=1.</li>
 * </ul>
 *
 * <p>A plain jar on release 17 with no thaw dependency: the first module of the reactor, used with test
 * scope everywhere (deploy, whose pod-test helpers are main code, uses it at compile scope). What needs thaw itself stays in
 * its suite: integration-tests' SampleAppImageExtension checkpoints the sample app once per run and
 * hands the image to every class that only restores from it; Pool waits for readiness on the pool's
 * /status from the test JVM.
 */
package dev.thaw.testkit;
