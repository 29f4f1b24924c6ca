package dev.thaw.lifecycle.guardrail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What this process has open, read from {@code /proc/self}: every fd ({@code /proc/self/fd},
 * {@code /proc/self/fdinfo} for the access mode), and the socket tables of its network namespace
 * ({@code /proc/self/net/tcp}, {@code tcp6}, {@code udp}, {@code udp6}, {@code unix}), joined by inode.
 * The tables list every socket of the namespace; only the inodes behind this process's fds count.
 */
final class OpenResources {
    /** TCP states from include/net/tcp_states.h. */
    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};
    private static final int TCP_CLOSE = 7;
    private static final int TCP_LISTEN = 10;
    private static final int O_ACCMODE = 3;

    private final Path proc;

    OpenResources(Path proc) {
        this.proc = proc;
    }

    static OpenResources self() {
        return new OpenResources(Path.of("/proc/self"));
    }

    /** One open fd that could not cross the snapshot, before allowlisting. */
    record Found(int fd, String link, Offender offender) {
    }

    List<Found> scan() throws IOException {
        Map<Long, Socket> sockets = new HashMap<>();
        readInet(proc.resolve("net/tcp"), false, true, sockets);
        readInet(proc.resolve("net/tcp6"), true, true, sockets);
        readInet(proc.resolve("net/udp"), false, false, sockets);
        readInet(proc.resolve("net/udp6"), true, false, sockets);
        readUnix(proc.resolve("net/unix"), sockets);
        List<Found> found = new ArrayList<>();
        for (Map.Entry<Integer, String> fd : fds().entrySet()) {
            Offender o = classify(fd.getKey(), fd.getValue(), sockets);
            if (o != null) {
                found.add(new Found(fd.getKey(), fd.getValue(), o));
            }
        }
        return found;
    }

    private Offender classify(int fd, String link, Map<Long, Socket> sockets) throws IOException {
        String fdText = "fd " + fd;
        if (link.startsWith("socket:[")) {
            long inode = Long.parseLong(link.substring(8, link.length() - 1));
            Socket s = sockets.get(inode);
            if (s == null) {
                return new Offender(Kind.SOCKET, "inode " + inode, "(not TCP, UDP or Unix; " + fdText + ")", List.of());
            }
            return s.offender(fdText);
        }
        if (link.startsWith("/") && !link.startsWith("/dev/") && !link.startsWith("/proc/") && openForWriting(fd)) {
            boolean deleted = link.endsWith(" (deleted)");
            String path = deleted ? link.substring(0, link.length() - 10) : link;
            if (deleted || Files.isRegularFile(Path.of(path))) {
                return new Offender(Kind.FILE, path, "(" + (deleted ? "deleted, " : "") + fdText + ")", List.of());
            }
        }
        return null; // pipes (fds 0-2 are swapped at restore), devices, read-only files, anon inodes
    }

    /** Every fd but 0, 1 and 2: thaw swaps those pipes for each worker's own at restore. */
    Map<Integer, String> fds() throws IOException {
        Map<Integer, String> fds = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path p : dir) {
                int fd = Integer.parseInt(p.getFileName().toString());
                if (fd <= 2) {
                    continue;
                }
                try {
                    fds.put(fd, Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // closed while we looked (the directory stream's own fd, among others)
                }
            }
        }
        return fds;
    }

    private boolean openForWriting(int fd) {
        try {
            for (String line : Files.readAllLines(proc.resolve("fdinfo/" + fd))) {
                if (line.startsWith("flags:")) {
                    int flags = Integer.parseInt(line.substring(6).strip(), 8);
                    return (flags & O_ACCMODE) != 0; // O_WRONLY or O_RDWR
                }
            }
        } catch (IOException | NumberFormatException e) {
            // closed meanwhile
        }
        return false;
    }

    /** A row of a socket table. */
    private record Socket(Kind kind, String local, String remote, String state) {
        Offender offender(String fdText) {
            return switch (kind) {
                case CONNECTION -> new Offender(kind, remote, "(from " + local + ", " + state + ", " + fdText + ")", List.of());
                case UNIX -> new Offender(kind, local, "(" + state + ", " + fdText + ")", List.of());
                default -> new Offender(kind, local, "(" + fdText + ")", List.of());
            };
        }
    }

    private static void readInet(Path table, boolean v6, boolean tcp, Map<Long, Socket> out) throws IOException {
        if (!Files.isReadable(table)) {
            return; // no IPv6 in this kernel
        }
        List<String> lines = Files.readAllLines(table);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            long inode = Long.parseLong(f[9]);
            int state = Integer.parseInt(f[3], 16);
            if (inode == 0) {
                continue;
            }
            String local = address(f[1], v6);
            if (!tcp) {
                out.put(inode, new Socket(Kind.UDP, local, address(f[2], v6), "UDP"));
            } else if (state == TCP_LISTEN) {
                out.put(inode, new Socket(Kind.LISTEN, local, "", "LISTEN"));
            } else if (state != TCP_CLOSE) {
                out.put(inode, new Socket(Kind.CONNECTION, local, address(f[2], v6),
                        state < TCP_STATES.length ? TCP_STATES[state] : "state " + state));
            }
            // TCP_CLOSE: created but never bound or connected; nothing to lose at a restore
        }
    }

    private static void readUnix(Path table, Map<Long, Socket> out) throws IOException {
        if (!Files.isReadable(table)) {
            return;
        }
        List<String> lines = Files.readAllLines(table);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.strip().split("\\s+", 8);
            if (f.length < 7) {
                continue;
            }
            String path = f.length == 8 ? f[7] : "(unnamed)";
            String type = switch (f[4]) {
                case "0001" -> "stream";
                case "0002" -> "datagram";
                case "0005" -> "seqpacket";
                default -> "type " + f[4];
            };
            String state = "01".equals(f[5]) && "00010000".equals(f[3]) ? "listening" : type;
            out.put(Long.parseLong(f[6]), new Socket(Kind.UNIX, path, "", state));
        }
    }

    /** {@code 0100007F:1F90} is 127.0.0.1:8080: each 32-bit word in host (little-endian) order, the port big-endian. */
    static String address(String hex, boolean v6) {
        int colon = hex.indexOf(':');
        String ip = hex.substring(0, colon);
        int port = Integer.parseInt(hex.substring(colon + 1), 16);
        byte[] bytes = new byte[ip.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(ip.substring(at, at + 2), 16);
            }
        }
        try {
            java.net.InetAddress a = java.net.InetAddress.getByAddress(bytes);
            String text = a.getHostAddress();
            if (a instanceof java.net.Inet6Address) {
                return "[" + compact(text) + "]:" + port;
            }
            return text + ":" + port;
        } catch (java.net.UnknownHostException e) {
            return hex;
        }
    }

    /** 0:0:0:0:0:0:0:1 becomes ::1, and an IPv4-mapped address ::ffff:127.0.0.1. */
    private static String compact(String v6) {
        String s = v6.replaceFirst("(^|:)(0(:|$)){2,}", "::");
        return s.replaceFirst(":::", "::");
    }
}
