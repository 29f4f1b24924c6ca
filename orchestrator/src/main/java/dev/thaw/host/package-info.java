/**
 * Machine-wide kernel settings a pool changes (KSM's ksmd, sysctls) and how the host gets them back.
 * A pool changes a setting only through {@link dev.thaw.host.HostSettings}, which writes the value
 * found to a shared record before the change; the last pool to leave, or the next one to start after a
 * crash, puts those values back. {@link dev.thaw.host.KsmScanGovernor} slows ksmd down once merging
 * has settled, so that a pool does not pay for a full-speed scan with nothing left to merge.
 */
package dev.thaw.host;
