package dev.thaw.criu;

import dev.thaw.ThawException;
import java.util.List;

/**
 * How a restore fills a worker's memory from the image.
 *
 * <ul>
 *   <li>{@link #MAP}: the image's pages are mapped into the worker copy-on-write ({@code criu restore
 *       --mmap-page-image}, thaw's patch to CRIU, see criu/README.md). A restore is page-table work, not a
 *       copy, and every worker shares the pages it has not written through the page cache, like forked
 *       workers share their master's.</li>
 *   <li>{@link #COPY}: stock CRIU: every page is read into fresh anonymous memory. The restore's time and each
 *       worker's memory grow with the image; pages are shared only once KSM has merged them.</li>
 * </ul>
 */
public enum RestoreMode {
    MAP, COPY;

    /** The CRIU feature (criu check --feature) and restore option of thaw's patch. */
    public static final String FEATURE = "mmap-page-image";
    public static final String OPTION = "--mmap-page-image";

    /** What a chosen mode means on this machine, with the line thaw prints once at start. */
    public record Choice(RestoreMode mode, String announcement) {
    }

    /**
     * Resolves the --restore-mode setting ({@code auto}, {@code map} or {@code copy}) against this CRIU.
     *
     * @throws ThawException {@code map} was asked for and this CRIU cannot map
     */
    public static Choice choose(String setting, Criu criu) {
        boolean canMap = criu.supports(FEATURE);
        return switch (setting) {
            case "copy" -> new Choice(COPY, "restore mode copy (--restore-mode copy): each worker copies the image into its own memory");
            case "map" -> {
                if (!canMap) {
                    throw ThawException.environment("--restore-mode map needs CRIU with thaw's " + FEATURE + " patch, and "
                            + criu.binary() + " (" + criu.version() + ") has not: run scripts/setup to build it, or use --restore-mode copy");
                }
                yield new Choice(MAP, "restore mode map: workers map the image's pages copy-on-write and share what they do not write");
            }
            default -> canMap
                    ? new Choice(MAP, "restore mode map: workers map the image's pages copy-on-write and share what they do not write")
                    : new Choice(COPY, "restore mode copy: " + criu.binary() + " (" + criu.version() + ") cannot map the image (no "
                            + FEATURE + " patch; scripts/setup builds a CRIU that can), so each worker copies it");
        };
    }

    /** The options this mode adds to {@code criu restore}. */
    public List<String> criuOptions() {
        return this == MAP ? List.of(OPTION) : List.of();
    }

    public String label() {
        return name().toLowerCase();
    }
}
