package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {
    @TempDir
    Path dir;

    @Test
    void a_file_hashes_to_the_standard_sha256() throws Exception {
        Path abc = Files.writeString(dir.resolve("abc"), "abc");
        assertEquals(new Sha256.Result(3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), Sha256.of(abc));
        Path empty = Files.createFile(dir.resolve("empty"));
        assertEquals(new Sha256.Result(0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), Sha256.of(empty));
    }

    @Test
    void libcrypto_and_the_jdk_agree_on_a_file_longer_than_the_read_buffer() throws Exception {
        byte[] bytes = new byte[(3 << 20) + 12345]; // three full 1 MiB reads and a partial one
        new Random(14).nextBytes(bytes);
        Path file = Files.write(dir.resolve("pages-1.img"), bytes);
        Sha256.Result used = Sha256.of(file);
        assertEquals(Sha256.ofWithJdk(file), used, "hashed with " + Sha256.implementation());
        assertEquals(bytes.length, used.size());
    }

    @Test
    void this_host_hashes_with_libcrypto() {
        // The project's machines have OpenSSL 3; without it a 400 MiB image takes seconds to hash under C1 (see Sha256).
        assertEquals("libcrypto (OpenSSL)", Sha256.implementation());
    }
}
