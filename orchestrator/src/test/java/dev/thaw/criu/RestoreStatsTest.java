package dev.thaw.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RestoreStatsTest {
    @Test
    void reads_restore_time_and_pages_from_the_stats_file_criu_4_2_wrote_for_a_worker() {
        // stats-restore of a real restore of a 123 MiB image on this machine (criu 4.2.1)
        byte[] file = HexFormat.of().parseHex("405910550633095710000000120e080010001801"
                + "20c5e10928d5f501");
        RestoreStats stats = RestoreStats.parse(file);
        assertEquals(159_941, stats.restoreMicros());
        assertEquals(159, stats.restoreMillis());
        assertEquals(31_445, stats.pagesRestored());
        assertEquals(31_445L * 4096, stats.bytesRestored());
    }

    @Test
    void splits_a_mapped_restore_into_pages_mapped_and_pages_copied() {
        // the same entry with thaw's pages_mapped (field 6) = 31,000 of the 31,445 pages restored
        byte[] file = HexFormat.of().parseHex("40591055063309571400000012120800100018012"
                + "0c5e10928d5f5013098f201");
        RestoreStats stats = RestoreStats.parse(file);
        assertEquals(31_445, stats.pagesRestored());
        assertEquals(31_000L * 4096, stats.bytesMapped());
        assertEquals(445L * 4096, stats.bytesCopied());
    }

    @Test
    void a_stock_criu_restore_maps_nothing() {
        byte[] file = HexFormat.of().parseHex("405910550633095710000000120e08001000180120c5e10928d5f501");
        assertEquals(0, RestoreStats.parse(file).bytesMapped());
        assertEquals(31_445L * 4096, RestoreStats.parse(file).bytesCopied());
    }
}
