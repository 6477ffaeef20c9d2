package dev.dendrite.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz test of {@link Idx#read(java.io.InputStream, String)} with Jazzer. Whatever
 * the bytes, the reader returns dims and data that agree, or throws an
 * {@link IllegalArgumentException} whose message says {@code idx: <source> ...} (or an
 * {@link IOException}): never another exception, never {@link OutOfMemoryError}, never a hang, and
 * it allocates in proportion to the input, not to the sizes its header claims (Note [Never trust the
 * header's size] in {@link Idx}). Gzip is transparent: gzipping an input does not change the outcome.
 *
 * <p>How the two modes run, and where findings go: see Note [Two fuzzing modes] in
 * {@code dev.dendrite.io.SafeTensorsJazzerTest}. The seeds are under
 * {@code src/test/resources/dev/dendrite/data/IdxJazzerTestInputs/readsBytes/}.
 */
class IdxJazzerTest {
    private static final String NAME = "fuzz";

    /**
     * The reader's fixed buffers (stream buffer, gzip window, a 1 MiB first data buffer) stay well
     * under 16 MiB; its data buffer grows geometrically only as bytes arrive, so in all it holds a
     * few times the decoded input. A header's size trusted up front means up to 2 GiB.
     */
    private static final long ALLOCATION_SLACK = 16L << 20;
    private static final long ALLOCATION_PER_DECODED_BYTE = 8;
    /** Deflate expands at most about 1032:1, so this bounds what gzip input can decode to. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    static {
        // Class loading and initialisation allocate once; get them out of the way so the measured
        // allocations are the reader's own.
        byte[] file = {0, 0, 8, 1, 0, 0, 0, 1, 42};
        for (byte[] b : new byte[][]{file, gzip(file), new byte[]{0x1f, (byte) 0x8b, 0}}) {
            try {
                Idx.read(new ByteArrayInputStream(b), NAME);
            } catch (IllegalArgumentException | IOException expected) {
                // only warming up
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void readsBytes(byte[] input) {
        Outcome plain = read(input);
        // Differential check: the same bytes inside a valid gzip container must give the same
        // outcome. Not for input that is gzip already: the reader unwraps one layer only.
        if (!isGzip(input)) {
            Outcome gzipped = read(gzip(input));
            assertEquals(plain.array == null, gzipped.array == null, "plain: " + plain + ", gzipped: " + gzipped);
            if (plain.array != null) {
                assertArrayEquals(plain.array.dims(), gzipped.array.dims());
                assertArrayEquals(plain.array.data(), gzipped.array.data());
            }
        }
    }

    /** Either a result or the rejection's message. */
    private record Outcome(IdxArray array, String rejection) {
    }

    /** Reads {@code input} from memory and checks the contract; anything else thrown is a finding. */
    private static Outcome read(byte[] input) {
        long before = allocatedBytes();
        Outcome outcome;
        try {
            IdxArray a = Idx.read(new ByteArrayInputStream(input), NAME);
            long n = 1;
            for (int d : a.dims()) {
                assertTrue(d > 0, "accepted a dimension " + d);
                n *= d;
            }
            assertEquals(n, a.data().length, "dims and data disagree");
            outcome = new Outcome(a, null);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith("idx: " + NAME + " "),
                    "a rejection must name the source and say what failed, got: " + e);
            outcome = new Outcome(null, e.getMessage());
        } catch (IOException e) {
            // Allowed by the contract, although a ByteArrayInputStream has no I/O to fail.
            outcome = new Outcome(null, e.toString());
        }
        long allocated = allocatedBytes() - before;
        if (before >= 0) {
            long decoded = isGzip(input) ? MAX_DEFLATE_RATIO * input.length : input.length;
            long bound = ALLOCATION_SLACK + ALLOCATION_PER_DECODED_BYTE * decoded;
            assertTrue(allocated <= bound, "reading " + input.length + " bytes allocated " + allocated
                    + " bytes, more than " + bound + ": is a size from the header trusted?");
        }
        return outcome;
    }

    /** Gzips in memory. (IdxTest has the same helper; a copy keeps that big class out of the fuzzing JVM.) */
    private static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 32);
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
        return out.toByteArray();
    }

    private static boolean isGzip(byte[] b) {
        return b.length >= 2 && (b[0] & 0xFF) == 0x1f && (b[1] & 0xFF) == 0x8b;
    }

    /** Bytes allocated so far by this thread (HotSpot counts them exactly), or -1 where not measurable. */
    private static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getThreadAllocatedBytes(Thread.currentThread().getId());
        }
        return -1;
    }
}
