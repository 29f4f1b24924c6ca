package dev.thaw.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JitActivityTest {
    private static String stat(String name, long utime, long stime) {
        return "4242 (" + name + ") S 1 4242 4242 0 -1 4194368 100 0 0 0 " + utime + " " + stime + " 0 0 20 0 30 0 1234 0 0";
    }

    @Test
    void counts_only_the_compiler_threads_user_and_system_time() {
        assertEquals(17 + 3, JitActivity.compilerTicks(stat("C2 CompilerThre", 17, 3)));
        assertEquals(5, JitActivity.compilerTicks(stat("C1 CompilerThre", 4, 1)));
        assertEquals(0, JitActivity.compilerTicks(stat("qtp123-45", 900, 100)));
        assertEquals(0, JitActivity.compilerTicks(stat("GC Thread#0", 50, 5)));
    }

    @Test
    void a_thread_name_with_spaces_and_parentheses_is_read_up_to_the_last_parenthesis() {
        assertEquals(0, JitActivity.compilerTicks(stat("a (C2 CompilerThre) b", 7, 7)));
        assertEquals(0, JitActivity.compilerTicks("garbage"));
    }

    @Test
    void sums_the_threads_of_a_process_in_milliseconds(@TempDir Path proc) throws IOException {
        write(proc.resolve("1/stat"), stat("java", 1000, 10));
        write(proc.resolve("2/stat"), stat("C2 CompilerThre", 30, 2));
        write(proc.resolve("3/stat"), stat("C1 CompilerThre", 8, 0));
        assertEquals((30 + 2 + 8) * 10, new JitActivity(proc).compilerCpuMillis());
    }

    @Test
    void a_process_that_is_gone_has_no_activity(@TempDir Path proc) {
        assertEquals(0, new JitActivity(proc.resolve("gone")).compilerCpuMillis());
    }

    @Test
    void this_jvm_has_compiler_threads_the_kernel_accounts_for() {
        // The names HotSpot gives its compiler threads, as the kernel shows them: if a JDK renamed them, the warm-up
        // would think every JIT idle and this fails first. Burn some CPU so that C1 or C2 has something to compile.
        long sum = 0;
        for (int i = 0; i < 5_000_000; i++) {
            sum += Integer.toString(i).hashCode();
        }
        assertTrue(sum != 1);
        assertTrue(new JitActivity(ProcessHandle.current().pid()).compilerCpuMillis() > 0,
                "no CPU time found on threads named C1/C2 CompilerThre in /proc/self/task");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
