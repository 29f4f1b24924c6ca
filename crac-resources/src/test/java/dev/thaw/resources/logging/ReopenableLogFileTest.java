package dev.thaw.resources.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReopenableLogFileTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearWorkerId() {
        System.clearProperty("thaw.worker.id");
    }

    @Test
    void lines_are_appended_to_the_file() throws IOException {
        Files.writeString(dir.resolve("app.log"), "earlier\n");
        try (ReopenableLogFile file = ReopenableLogFile.open(dir.resolve("app.log").toString());
             PrintStream log = new PrintStream(file, true, StandardCharsets.UTF_8)) {
            log.println("hello");
        }
        assertEquals("earlier\nhello\n", Files.readString(dir.resolve("app.log")));
    }

    @Test
    void the_file_is_not_open_during_the_checkpoint_and_is_reopened_after_restore() throws IOException {
        Path path = dir.resolve("app.log");
        ReopenableLogFile file = ReopenableLogFile.open(path.toString());
        PrintStream log = new PrintStream(file, true, StandardCharsets.UTF_8);
        log.println("leader");
        assertTrue(openInThisProcess(path), "open while serving");

        file.beforeCheckpoint(null);
        assertFalse(openInThisProcess(path), "CRIU must not find the file open");
        file.afterRestore(null);

        log.println("worker");
        assertTrue(openInThisProcess(path));
        assertEquals("leader\nworker\n", Files.readString(path));
        assertEquals(2, file.opens());
        file.close();
    }

    @Test
    void reopen_after_a_rotation_writes_to_a_new_file_at_the_path() throws IOException {
        Path path = dir.resolve("app.log");
        ReopenableLogFile file = ReopenableLogFile.open(path.toString());
        PrintStream log = new PrintStream(file, true, StandardCharsets.UTF_8);
        log.println("before rotation");
        Files.move(path, dir.resolve("app.log.1")); // what logrotate does before it signals

        log.println("still the old file");
        file.reopen();
        log.println("after rotation");
        file.close();

        assertEquals("before rotation\nstill the old file\n", Files.readString(dir.resolve("app.log.1")));
        assertEquals("after rotation\n", Files.readString(path));
    }

    @Test
    void the_worker_placeholder_gives_each_worker_its_own_file() throws IOException {
        ReopenableLogFile file = ReopenableLogFile.open(dir.resolve("logs/app-{worker}.log").toString());
        assertEquals(dir.resolve("logs/app-leader.log"), file.path(), "the directory is created too");
        file.beforeCheckpoint(null);
        System.setProperty("thaw.worker.id", "2"); // thaw sets it before any afterRestore runs
        file.afterRestore(null);
        assertEquals(dir.resolve("logs/app-2.log"), file.path());
        file.close();
    }

    @Test
    void writing_after_the_app_closed_the_file_is_an_error() throws IOException {
        ReopenableLogFile file = ReopenableLogFile.open(dir.resolve("app.log").toString());
        file.close();
        IOException e = assertThrows(IOException.class, () -> file.write(1));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
    }

    /** Whether any file descriptor of this JVM points at {@code path}: what CRIU would see. */
    private static boolean openInThisProcess(Path path) throws IOException {
        Path target = path.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException gone) {
                    return false;
                }
            });
        }
    }
}
