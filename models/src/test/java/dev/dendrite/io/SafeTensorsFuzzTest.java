package dev.dendrite.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dendrite.io.SafeTensors.Loaded;
import dev.dendrite.io.SafeTensors.TensorEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations of a valid file. Whatever the bytes, {@link SafeTensors#read} returns a
 * consistent result or throws {@link IllegalArgumentException} / {@link IOException}: never another
 * exception, never {@link OutOfMemoryError}, never a hang.
 */
class SafeTensorsFuzzTest {
    private static final long SEED = 0x5AFE_7E45L;
    private static final int ITERATIONS = 2000;
    /** Characters that make JSON mutations interesting rather than merely invalid. */
    private static final byte[] JSON_CHARS = "{}[]\",:-0123456789eE.+ _".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void mutatedFilesFailCleanly() throws IOException {
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        t.put("w", TensorEntry.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("b", TensorEntry.of(new double[]{0.5, -0.5}, 2));
        t.put("i", TensorEntry.of(new int[]{7, 8, 9}, 3));
        t.put("s", TensorEntry.of(new long[]{42}));
        t.put("e", TensorEntry.of(new float[0], 0, 4));
        Path valid = dir.resolve("valid.safetensors");
        SafeTensors.write(valid, t, Map.of("epoch", "3"));
        byte[] base = Files.readAllBytes(valid);
        int headerEnd = 8 + (int) ByteBuffer.wrap(base, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();

        Random rnd = new Random(SEED);
        Path f = dir.resolve("mutant.safetensors");
        int[] outcomes = new int[2]; // [read fine, rejected]
        long start = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int it = 0; it < ITERATIONS; it++) {
                byte[] m = mutate(base, headerEnd, rnd);
                // Mostly in memory (writing 2000 files costs seconds on a busy disk); now and then
                // through a real file, to cover the public path.
                boolean onDisk = it % 100 == 0;
                if (onDisk) Files.write(f, m);
                try {
                    Loaded l = onDisk ? SafeTensors.read(f) : SafeTensors.read(f, new BytesChannel(m));
                    for (TensorEntry e : l.tensors().values()) {
                        long n = 1;
                        for (int d : e.shape()) n *= d;
                        assertEquals(n, e.elementCount(), "iteration " + it + ": " + e);
                    }
                    outcomes[0]++;
                } catch (IllegalArgumentException | IOException expected) {
                    // In memory there is no I/O to fail: every rejection must be one of our own messages.
                    if (!onDisk && !(expected instanceof SafeTensorsException))
                        fail("iteration " + it + ": rejected without a SafeTensorsException: " + expected, expected);
                    outcomes[1]++;
                } catch (Throwable other) {
                    fail("iteration " + it + " (seed " + SEED + "): unexpected " + other + " for bytes "
                            + Arrays.toString(Arrays.copyOf(m, Math.min(m.length, 64))) + "...", other);
                }
            }
        });
        long ms = (System.nanoTime() - start) / 1_000_000;
        // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
        assertTrue(outcomes[0] > 0 && outcomes[1] > ITERATIONS / 2,
                "read fine " + outcomes[0] + ", rejected " + outcomes[1] + " in " + ms + " ms");
    }

    /** A read-only {@link SeekableByteChannel} over a byte array. */
    static final class BytesChannel implements SeekableByteChannel {
        private final byte[] bytes;
        private long position;

        BytesChannel(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= bytes.length) return -1;
            int n = (int) Math.min(dst.remaining(), bytes.length - position);
            dst.put(bytes, (int) position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            position = newPosition;
            return this;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static byte[] mutate(byte[] base, int headerEnd, Random rnd) {
        byte[] m = base.clone();
        switch (rnd.nextInt(7)) {
            case 0 -> { // random bytes anywhere
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            }
            case 1 -> { // JSON-ish characters in the header
                for (int k = 1 + rnd.nextInt(3); k > 0; k--)
                    m[8 + rnd.nextInt(headerEnd - 8)] = JSON_CHARS[rnd.nextInt(JSON_CHARS.length)];
            }
            case 2 -> { // change one digit of the header: shapes and offsets stay well-formed JSON
                int[] digits = new int[headerEnd];
                int n = 0;
                for (int i = 8; i < headerEnd; i++) if (m[i] >= '0' && m[i] <= '9') digits[n++] = i;
                m[digits[rnd.nextInt(n)]] = (byte) ('0' + rnd.nextInt(10));
            }
            case 3 -> m = Arrays.copyOf(m, rnd.nextInt(m.length)); // truncate
            case 4 -> { // append bytes
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(extra);
                byte[] l = Arrays.copyOf(m, m.length + extra.length);
                System.arraycopy(extra, 0, l, m.length, extra.length);
                m = l;
            }
            case 5 -> { // a different header length: random, or off by a little
                long v = rnd.nextBoolean() ? rnd.nextLong() : headerEnd - 8 + rnd.nextInt(17) - 8;
                ByteBuffer.wrap(m, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
            }
            default -> { // delete one header byte and fix the length, so the JSON itself is what breaks
                int pos = 8 + rnd.nextInt(headerEnd - 8);
                byte[] l = new byte[m.length - 1];
                System.arraycopy(m, 0, l, 0, pos);
                System.arraycopy(m, pos + 1, l, pos, m.length - pos - 1);
                ByteBuffer.wrap(l, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerEnd - 9);
                m = l;
            }
        }
        return m;
    }
}
