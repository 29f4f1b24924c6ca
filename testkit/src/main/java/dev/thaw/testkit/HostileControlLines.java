package dev.thaw.testkit;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * What a confused or hostile local peer sends to a thaw control socket: a HELLO claiming a worker's
 * slot (from the wrong process), or a CLI's, or no HELLO at all; then random bytes, lines cut short,
 * lines over the 64 KiB limit, and valid message types with fields that do not parse. Seeded, so a
 * failure can be replayed.
 */
public final class HostileControlLines {
    private final Random random;

    public HostileControlLines(long seed) {
        this.random = new Random(seed);
    }

    /** One connection's worth: a first line, then two bad ones. */
    public List<String> next() {
        String hello = switch (random.nextInt(4)) {
            case 0 -> "HELLO role=worker worker=" + random.nextInt(3) + " pid=" + ProcessHandle.current().pid() + " protocol=1";
            case 1 -> "HELLO role=worker worker=" + random.nextInt(5) + " pid=1 protocol=1";
            case 2 -> "HELLO role=cli pid=1 protocol=1";
            default -> randomLine();
        };
        List<String> bad = List.of(
                randomLine(),
                "HEARTBEAT worker=0 requests=" + randomLine().replace(' ', '_'),
                "HELLO role=worker worker=0 pid=1 protocol=1".substring(0, random.nextInt(10) + 1),
                "READY worker=0",
                "SCALE workers=-" + random.nextInt(1000),
                "SCALE workers=99999999999999",
                "HEARTBEAT worker=0 requests=1 inflight=0 oldest-ms=0 latency-bounds-ms=5,1 latency-cumulative=1,1 latency-count=1"
                        + " latency-sum-us=1 heap-used=1 heap-committed=1 gc-pause-ms=0 gc-count=0",
                "X".repeat(70_000),
                "READY_TO_DUMP pid=1 heap-used=%ZZ");
        return List.of(hello, bad.get(random.nextInt(bad.size())), bad.get(random.nextInt(bad.size())));
    }

    /** Connects to {@code socket}, sends {@code lines} and hangs up; the other side may hang up first. */
    public static void sendAndClose(Path socket, List<String> lines) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            for (String line : lines) {
                c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.ISO_8859_1)));
            }
        } catch (IOException closedByThePool) {
            // thaw closes a bad peer's connection, possibly before all is sent: that is the point
        }
    }

    private String randomLine() {
        byte[] b = new byte[random.nextInt(200)];
        random.nextBytes(b);
        return new String(b, StandardCharsets.ISO_8859_1).replace('\n', ' ');
    }
}
