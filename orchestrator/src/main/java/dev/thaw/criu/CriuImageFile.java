package dev.thaw.criu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading CRIU's image files by hand: two magic numbers, then entries, each a little-endian 32-bit length
 * and a protobuf message. thaw reads a few fields of a few files (stats, ghost files): the protobuf wire
 * format's varints and lengths do not justify a protobuf runtime and CRIU's generated classes.
 */
final class CriuImageFile {
    private CriuImageFile() {
    }

    /** The entries of an image file, each its message's bytes. */
    static List<ByteBuffer> entries(Path image) throws IOException {
        return entries(Files.readAllBytes(image));
    }

    static List<ByteBuffer> entries(byte[] file) {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        in.position(8); // the two magic numbers
        List<ByteBuffer> entries = new ArrayList<>();
        while (in.remaining() >= 4) {
            int length = in.getInt();
            entries.add(in.slice(in.position(), length));
            in.position(in.position() + length);
        }
        return entries;
    }

    /** A message's fields by number: varints as Long, length-delimited ones as ByteBuffer; the last of each number wins. */
    static Map<Integer, Object> fields(ByteBuffer message) {
        ByteBuffer in = message.duplicate();
        Map<Integer, Object> fields = new HashMap<>();
        while (in.hasRemaining()) {
            long key = varint(in);
            int number = (int) (key >>> 3);
            switch ((int) (key & 7)) {
                case 0 -> fields.put(number, varint(in));
                case 1 -> in.position(in.position() + 8);
                case 2 -> {
                    int n = (int) varint(in);
                    fields.put(number, in.slice(in.position(), n));
                    in.position(in.position() + n);
                }
                case 5 -> in.position(in.position() + 4);
                default -> throw new IllegalArgumentException("unexpected wire type " + (key & 7));
            }
        }
        return fields;
    }

    static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }
}
