package dev.thaw.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.Bytes;
import dev.thaw.ThawException;
import dev.thaw.host.AppUser;
import dev.thaw.leader.JdkInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What an image is: written last, so an image directory without it is half-written by definition.
 *
 * @param format manifest format; a reader refuses formats it does not know
 * @param generation 1 for an image made from a fresh leader
 * @param command the leader's command line as the user gave it (without thaw's additions)
 * @param appFiles digests of the jars on the leader's class path: a restore of changed jars would run old code
 * @param pipes inodes of the leader's stdin/stdout/stderr pipes, replaced by each worker's own at restore
 * @param imageFiles every file CRIU wrote, with size and SHA-256
 * @param coldStartMillis leader start to its first HTTP 200 (0 when no warm-up URL was given)
 * @param checkpointArguments the arguments of the 'thaw checkpoint' that made this image, without
 *     --image, --force and --generation: what 'thaw run' replays on USR2 to make the next image
 * @param madeFrom what was dumped: "leader" for 'thaw checkpoint', or the reforked worker
 *     ("worker 0 of generation 1 after 512 requests"); older manifests without it read as "leader"
 * @param host the kernel and CPU features of the host it was made on (null from an older thaw): a restore needs the CPU's
 * @param appUser the user the app runs as (--user); null when it runs as thaw's own user
 * @param memoryAtDump what the JVM held when it was dumped, after its full GC (null when it did not say)
 */
public record ImageManifest(int format, String thawVersion, Instant createdAt, long generation,
                            JdkInfo jdk, List<String> command, String workingDirectory, List<FileDigest> appFiles,
                            String criuVersion, PipeInodes pipes, long leaderPid, long imageBytes,
                            List<FileDigest> imageFiles, long coldStartMillis, long dumpMillis,
                            List<String> checkpointArguments, String madeFrom, MemoryAtDump memoryAtDump, AppUser appUser,
                            HostFingerprint host) {

    public static final String MADE_FROM_LEADER = "leader";

    public ImageManifest {
        checkpointArguments = checkpointArguments == null ? List.of() : List.copyOf(checkpointArguments);
        madeFrom = madeFrom == null ? MADE_FROM_LEADER : madeFrom;
    }

    /**
     * The manifest of an image dumped from a live worker of this image: same JDK, app and recipe
     * (so USR2 can still remake a leader image), the next generation, the worker's own pipes and files.
     */
    public ImageManifest reforked(Instant at, PipeInodes workerPipes, long pidInImage, List<FileDigest> files, long dumpMillis,
                                  String worker, MemoryAtDump memory) {
        return new ImageManifest(FORMAT, thawVersion, at, generation + 1, jdk, command, workingDirectory, appFiles, criuVersion,
                workerPipes, pidInImage, ImageDirectory.sizeOf(files), files, coldStartMillis, dumpMillis, checkpointArguments, worker,
                memory, appUser, host);
    }

    /**
     * 2: SHA-256 of every file and a seal over the manifest (format 1 had CRC32C and no seal, and is refused:
     * accepting it would let anyone strip an image's seal by writing a format-1 manifest).
     */
    public static final int FORMAT = 2;
    public static final String FILE_NAME = "manifest.json";
    /** Where CRIU's files live inside an image directory. */
    public static final String CRIU_DIR = "criu";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .findAndAddModules()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** The inodes of a dumped JVM's stdin, stdout and stderr pipes, which each restore swaps for the worker's own. */
    public record PipeInodes(long stdin, long stdout, long stderr) {
        /** Reads them from /proc: each of the three must be a pipe (thaw starts its leaders so). */
        public static PipeInodes of(long pid) throws IOException {
            return new PipeInodes(pipeInode(pid, 0), pipeInode(pid, 1), pipeInode(pid, 2));
        }

        private static long pipeInode(long pid, int fd) throws IOException {
            String link = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd))).toString();
            if (!link.startsWith("pipe:[")) {
                throw new IllegalStateException("fd " + fd + " of pid " + pid + " is " + link + ", not a pipe");
            }
            return Long.parseLong(link.substring(6, link.length() - 1));
        }
    }

    /**
     * What the dumped JVM held, in bytes, as it reported in READY_TO_DUMP: heap used and committed after the
     * full GC, metaspace and code cache committed. The image holds more than the live heap, metaspace and
     * code cache: {@link #otherBytes}, made of free heap pages still resident (G1 keeps the heap at
     * least at -Xms, and committed pages touched before stay resident), thread stacks, GC structures
     * (card table, remembered sets, marking bitmaps), malloc arenas and the native libraries' data.
     */
    public record MemoryAtDump(long heapUsed, long heapCommitted, long metaspace, long codeCache) {
        /** What READY_TO_DUMP said. */
        public static MemoryAtDump of(dev.thaw.lifecycle.control.ControlMessage.MemoryAfterGc m) {
            return new MemoryAtDump(m.heapUsed(), m.heapCommitted(), m.metaspace(), m.codeCache());
        }

        /** "live heap 18 MiB (20 MiB committed), metaspace 40 MiB, code cache 12 MiB, everything else 9 MiB" of an image. */
        public String describe(long imageBytes) {
            return "live heap " + Bytes.human(heapUsed) + " (" + Bytes.human(heapCommitted) + " committed), metaspace "
                    + Bytes.human(metaspace) + ", code cache " + Bytes.human(codeCache) + ", everything else "
                    + Bytes.human(otherBytes(imageBytes));
        }

        /** Image bytes beyond the live heap, metaspace and code cache. */
        public long otherBytes(long imageBytes) {
            return Math.max(0, imageBytes - heapUsed - metaspace - codeCache);
        }
    }

    /** Writes the manifest, sealed ({@link ManifestSeal}), atomically: the last file of an image. */
    public void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        JSON.writeValue(tmp.toFile(), ManifestSeal.sign(JSON.valueToTree(this)));
        Files.move(tmp, dir.resolve(FILE_NAME), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the manifest of the image in {@code dir} for use: its format, its seal and its required fields
     * are checked before any field is. Every path that restores, replays or shows an image reads it here.
     */
    public static ImageManifest read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        ObjectNode tree = readTree(dir, file);
        requireFormat(dir, tree);
        ManifestSeal.check(tree, file);
        ImageManifest m;
        try {
            m = JSON.treeToValue(tree, ImageManifest.class);
        } catch (IOException | IllegalArgumentException e) {
            throw ThawException.badImage(file + " is unreadable (" + firstLine(e.getMessage()) + "): make the image again with 'thaw checkpoint'");
        }
        if (m.jdk() == null || m.pipes() == null || m.imageFiles() == null || m.command() == null) {
            throw ThawException.badImage(file + " is missing required fields: make the image again with 'thaw checkpoint'");
        }
        return m;
    }

    /**
     * Which image a directory holds now, by generation and creation time, without checking its seal: only
     * to tell whether it changed (HUP, a refork's commit). Never restore or replay what this returns: the
     * image is read with {@link #read} (through a pin) before it is used.
     */
    public static Identity identify(Path dir) {
        ObjectNode tree = readTree(dir, dir.resolve(FILE_NAME));
        Instant createdAt;
        try {
            createdAt = Instant.parse(tree.path("createdAt").asText());
        } catch (java.time.format.DateTimeParseException e) {
            createdAt = null;
        }
        return new Identity(tree.path("generation").asLong(), createdAt);
    }

    /** An image's generation and creation time, as its manifest says them ({@code createdAt} null when unreadable). */
    public record Identity(long generation, Instant createdAt) {
        public boolean is(ImageManifest m) {
            return generation == m.generation() && createdAt != null && createdAt.equals(m.createdAt());
        }
    }

    private static ObjectNode readTree(Path dir, Path file) {
        if (!Files.isRegularFile(file)) {
            throw ThawException.badImage(dir + " is not a complete thaw image (no " + FILE_NAME
                    + "; a checkpoint may have been interrupted): run 'thaw checkpoint --image " + dir + " --force -- ...' again");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw ThawException.badImage(file + " is unreadable (" + firstLine(e.getMessage()) + "): make the image again with 'thaw checkpoint'");
        }
        if (!(tree instanceof ObjectNode object)) {
            throw ThawException.badImage(file + " is not a thaw manifest (not a JSON object): make the image again with 'thaw checkpoint'");
        }
        return object;
    }

    private static void requireFormat(Path dir, ObjectNode object) {
        int format = object.path("format").asInt(-1);
        if (format != FORMAT) {
            throw ThawException.badImage(dir + " has manifest format " + format + " but this thaw reads format "
                    + FORMAT + (format == 1 ? " (SHA-256 digests and a seal, which format 1 lacks)" : "")
                    + ": make the image again with this thaw's 'thaw checkpoint --force'");
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
