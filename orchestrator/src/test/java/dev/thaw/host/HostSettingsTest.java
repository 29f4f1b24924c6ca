package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSettingsTest {
    @TempDir
    Path root;
    FakeHost host;
    HostSetting migrate;
    HostSetting ksmRun;

    @BeforeEach
    void setUp() throws IOException {
        host = new FakeHost(root);
        migrate = host.files.sysctl("net.ipv4.tcp_migrate_req");
        ksmRun = host.files.ksm("run");
    }

    @Test
    void should_record_the_original_before_changing_and_give_it_back_when_the_pool_leaves() throws IOException {
        HostSettings pool = host.pool("100@1");
        assertTrue(pool.set(migrate, "1"));
        assertEquals("1", host.read(migrate));
        String record = Files.readString(ChangeRecord.fileIn(host.files.records()));
        assertTrue(record.contains("net.ipv4.tcp_migrate_req.original=0"), record);
        assertEquals(Optional.of("0"), pool.original(migrate));
        pool.close();
        assertEquals("0", host.read(migrate));
        assertFalse(Files.exists(ChangeRecord.fileIn(host.files.records())), "the record is removed once given back");
        assertTrue(host.log.contains("net.ipv4.tcp_migrate_req given back: 0 (thaw had set 1)"), host.log.toString());
    }

    @Test
    void should_keep_the_first_original_when_a_setting_changes_twice() throws IOException {
        HostSettings pool = host.pool("100@1");
        pool.set(host.files.ksm("pages_to_scan"), "5000");
        pool.set(host.files.ksm("pages_to_scan"), "200");
        assertEquals(Optional.of("100"), pool.original(host.files.ksm("pages_to_scan")));
        pool.close();
        assertEquals("100", host.read(host.files.ksm("pages_to_scan")));
    }

    @Test
    void should_change_and_record_nothing_when_the_setting_already_has_the_value() throws IOException {
        host.write(migrate, "1");
        HostSettings pool = host.pool("100@1");
        assertFalse(pool.set(migrate, "1"));
        assertEquals(Optional.empty(), pool.original(migrate));
        pool.close();
        assertEquals("1", host.read(migrate));
    }

    @Test
    void should_give_back_only_when_the_last_pool_leaves() throws IOException {
        HostSettings first = host.pool("100@1");
        first.set(ksmRun, "1");
        HostSettings second = host.pool("200@2");
        assertFalse(second.set(ksmRun, "1"), "already 1, set by the first pool");
        first.close();
        assertEquals("1", host.read(ksmRun), "the second pool still uses it");
        second.close();
        assertEquals("0", host.read(ksmRun), "the original value, recorded by the first pool");
    }

    @Test
    void should_give_back_what_a_killed_pool_left_when_the_next_pool_starts() throws IOException {
        HostSettings killed = host.pool("100@1");
        killed.set(migrate, "1");
        killed.set(ksmRun, "1");
        host.crash("100@1"); // kill -9: no close()
        HostSettings next = host.pool("200@2");
        assertEquals("0", host.read(migrate));
        assertEquals("0", host.read(ksmRun));
        assertTrue(host.log.contains("a thaw pool that is gone (pid 100) was using host settings"), host.log.toString());
        next.set(migrate, "1");
        next.close();
        assertEquals("0", host.read(migrate));
    }

    @Test
    void should_not_give_back_while_another_live_pool_uses_them_even_if_one_crashed() throws IOException {
        HostSettings live = host.pool("100@1");
        live.set(migrate, "1");
        HostSettings killed = host.pool("200@2");
        host.crash("200@2");
        HostSettings third = host.pool("300@3");
        assertEquals("1", host.read(migrate), "the live pool still needs it");
        live.close();
        third.close();
        assertEquals("0", host.read(migrate));
        assertFalse(Files.exists(host.files.records().resolve("users/200@2")), "the dead pool's entry is gone");
    }

    @Test
    void should_leave_a_value_someone_else_changed_after_thaw() throws IOException {
        HostSettings pool = host.pool("100@1");
        pool.set(migrate, "1");
        host.write(migrate, "2"); // the operator's sysctl -w
        pool.close();
        assertEquals("2", host.read(migrate));
        assertTrue(host.log.stream().anyMatch(l -> l.startsWith("net.ipv4.tcp_migrate_req left at 2")), host.log.toString());
    }

    @Test
    void should_drop_a_record_from_before_a_reboot_without_applying_it() throws IOException {
        HostSettings killed = host.pool("100@1");
        killed.set(migrate, "1");
        host.reboot();
        host.write(migrate, "1"); // the admin's sysctl.conf after the reboot
        HostSettings next = host.pool("100@1"); // even a pool with the same pid and start time
        assertEquals("1", host.read(migrate), "values of an earlier boot are not applied");
        next.close();
        assertEquals("1", host.read(migrate));
    }

    @Test
    void should_match_values_whatever_their_spacing() {
        assertTrue(HostSettings.sameValue("4096\t87380\t6291456\n", "4096 87380 6291456"));
        assertFalse(HostSettings.sameValue("1", "10"));
    }

    @Test
    void should_refuse_a_records_directory_others_can_write() throws IOException {
        Files.createDirectories(host.files.records(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(host.files.records(), PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> host.pool("100@1"));
        assertTrue(e.getMessage().endsWith("is writable by other users: 'chmod 700 " + host.files.records()
                + "' (thaw writes the host settings it names)"), e.getMessage());
    }

    @Test
    void should_not_write_outside_sys_and_proc_sys_when_a_record_names_another_file() throws IOException {
        Path victim = root.resolve("etc/passwd");
        Files.createDirectories(victim.getParent());
        Files.writeString(victim, "1");
        HostSettings crashed = host.pool("100@1");
        crashed.set(migrate, "1");
        host.crash("100@1");
        Path record = ChangeRecord.fileIn(host.files.records());
        Files.writeString(record, Files.readString(record).replace(host.files.procSys().toString() + "/net/ipv4/tcp_migrate_req",
                victim.toString()));
        host.pool("200@2").close();
        assertEquals("1", Files.readString(victim));
    }

    @Test
    void should_refuse_changes_after_leaving() throws IOException {
        HostSettings pool = host.pool("100@1");
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.set(migrate, "1"));
        pool.close(); // a second close does nothing
    }

    @Test
    void should_record_nothing_when_the_write_fails() throws IOException {
        HostSettings pool = host.pool("100@1");
        HostSetting missing = host.files.sysctl("net.ipv4.no_such_setting");
        assertThrows(IOException.class, () -> pool.set(missing, "1"));
        assertEquals(Optional.empty(), pool.original(missing));
    }
}
