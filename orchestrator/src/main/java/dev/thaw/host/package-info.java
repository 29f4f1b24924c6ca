/**
 * What thaw asks of the host, and what it changes on it. Processes named by PID and start time
 * ({@link dev.thaw.host.HostProcess}), privileges, disk space, native calls, a process's memory and
 * page merging ({@link dev.thaw.host.PageMerging}).
 *
 * <p>Machine-wide kernel settings a pool changes (KSM's ksmd, sysctls) go only through
 * {@link dev.thaw.host.HostSettings}, which writes the value found to a record shared by every pool
 * before the change; the last pool to leave, or the next one to start after a crash, puts those values
 * back. {@link dev.thaw.host.KsmScanGovernor} slows ksmd down once merging has settled, so that a pool
 * does not pay for a full-speed scan with nothing left to merge.
 */
package dev.thaw.host;
