package dev.dendrite.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dendrite.io.SafeTensors.Loaded;
import dev.dendrite.io.SafeTensors.TensorEntry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzz tests of {@link SafeTensors#read} with Jazzer. Whatever the bytes, the reader
 * returns a consistent result or throws an {@link IllegalArgumentException} whose message says
 * {@code safetensors: ...} ({@link SafeTensorsException} is one) or an {@link IOException}: never
 * another exception, never {@link OutOfMemoryError}, never a hang, and it allocates memory in
 * proportion to the file, not to what the header claims.
 *
 * <p>Note [Two fuzzing modes]. Plain {@code mvn test} runs each {@code @FuzzTest} in regression mode:
 * once on the empty input and once per file under
 * {@code src/test/resources/dev/dendrite/io/SafeTensorsJazzerTestInputs/<method>/}. {@code mvn verify}
 * also fuzzes each target for 10 s ({@code -Djazzer.fuzz.duration=5m} for longer) with
 * {@code JAZZER_FUZZ=1}, one target per JVM (Jazzer fuzzes one {@code @FuzzTest} per test run),
 * through the {@code jazzer-*} Surefire executions of {@code models/pom.xml} (Note [Fuzzing in CI]).
 * A finding fails the build and is written to {@code models/target/jazzer/<method>/crash-<sha1>}
 * (or {@code timeout-<sha1>}); to keep it as a regression test, fix the bug and copy the file into
 * the method's inputs directory. The growing corpus stays in {@code models/target/jazzer/} too.
 *
 * <p>{@link #readsFileBytes} sees the file's raw bytes (framing, JSON syntax); its seeds are valid
 * files and a few files each rejected for one reason. {@link #readsGeneratedFile} assembles a correctly framed
 * JSON header from fuzzer-chosen parts so that most inputs reach the checks of dtypes, shapes and
 * offsets; its seeds are inputs that decode to accepted files (found by a seeded random search; if
 * {@link GeneratedFile} changes they decode differently but remain valid inputs).
 *
 * <p>{@code @Timeout} is per input: in regression mode JUnit enforces it on each seed; in fuzzing mode
 * Jazzer passes it to libFuzzer as {@code -timeout}, and the fuzzing executions switch JUnit's own
 * enforcement off (it would otherwise apply to the whole fuzzing run).
 */
class SafeTensorsJazzerTest {
    /** Named in messages only: the bytes are read from memory. */
    private static final Path NAME = Path.of("fuzz.safetensors");

    /**
     * A reader that trusts no header field allocates a small constant (JSON parser buffers, one
     * read chunk) plus a few times the file: bytes, decoded header chars and string, tensor arrays.
     * 16 MiB + 64 x the file is far above that and far below what a trusted size field causes
     * (hundreds of MiB to GiB).
     */
    private static final long ALLOCATION_SLACK = 16L << 20;
    private static final long ALLOCATION_PER_INPUT_BYTE = 64;

    static {
        // Class loading and initialisation (Jackson, the logging backend) allocate tens of MiB once;
        // get them out of the way so the measured allocations are the reader's own.
        byte[] header = "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        byte[] file = ByteBuffer.allocate(8 + header.length + 4).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array();
        for (byte[] b : new byte[][]{file, Arrays.copyOf(file, file.length - 1), Arrays.copyOf(file, 20)}) {
            try {
                SafeTensors.read(NAME, new SafeTensorsFuzzTest.BytesChannel(b));
            } catch (IllegalArgumentException | IOException expected) {
                // only warming up
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F64\"",
            "\"I32\"", "\"I64\"", "\"BF16\"", "2147483647", "4294967296", "9223372036854775807"})
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void readsFileBytes(byte[] file) {
        check(file);
    }

    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void readsGeneratedFile(FuzzedDataProvider data) {
        check(GeneratedFile.from(data));
    }

    /** Reads {@code file} from memory and checks the contract; anything else thrown is a finding. */
    static void check(byte[] file) {
        long before = allocatedBytes();
        Loaded loaded = null;
        try {
            loaded = SafeTensors.read(NAME, new SafeTensorsFuzzTest.BytesChannel(file));
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith("safetensors: "),
                    "a rejection must say what failed, got: " + e);
        } catch (IOException e) {
            // Allowed by the contract, although a channel over a byte array has no I/O to fail.
        }
        long allocated = allocatedBytes() - before;
        if (before >= 0) {
            long bound = ALLOCATION_SLACK + ALLOCATION_PER_INPUT_BYTE * file.length;
            assertTrue(allocated <= bound, "reading " + file.length + " bytes allocated " + allocated
                    + " bytes, more than " + bound + ": is a size from the header trusted?");
        }
        if (loaded != null) checkConsistent(file, loaded);
    }

    /**
     * An accepted file's tensors tile its data section exactly, so their sizes add up to what follows
     * the header, and each tensor has as many elements as its shape says.
     */
    private static void checkConsistent(byte[] file, Loaded loaded) {
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long dataSection = file.length - 8 - headerLength;
        long sum = 0;
        for (TensorEntry e : loaded.tensors().values()) {
            long n = 1;
            for (int d : e.shape()) n *= d;
            assertEquals(n, e.elementCount(), "tensor " + e + " has the wrong number of elements");
            sum += e.byteSize();
        }
        assertEquals(dataSection, sum, "the tensors of an accepted file must cover its " + dataSection
                + "-byte data section exactly: " + loaded.tensors());
        assertTrue(!loaded.tensors().containsKey(SafeTensors.METADATA_KEY), "metadata read as a tensor");
    }

    /** Bytes allocated so far by this thread (HotSpot counts them exactly), or -1 where not measurable. */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getThreadAllocatedBytes(Thread.currentThread().getId());
        }
        return -1;
    }

    /**
     * A safetensors file built from fuzzer choices: a JSON header of up to four tensors whose dtype,
     * shape and offsets are each either sensible or adversarial (boundary values, overflowing
     * products, wrong JSON types), optional metadata, a data section that fits the offsets or not,
     * and a header-length prefix that is exact or not.
     */
    static final class GeneratedFile {
        private static final String[] DTYPES = {"F32", "F64", "I32", "I64", "BF16", "U8", "f32", "", "F32 "};
        /** Numbers and non-numbers that sit on the reader's limits: 2^31-9 is the largest array it makes. */
        private static final String[] ODD_NUMBERS = {"2147483639", "2147483640", "2147483647", "2147483648",
                "4294967296", "4611686018427387904", "9223372036854775807", "9223372036854775808",
                "18446744073709551615", "-1", "-0", "1.0", "1e3", "\"4\"", "null", "[]", "{}", "true"};
        private static final String[] NAMES = {"w", "__metadata__", "", "\u00e9\u4e2d", "a\\\"b", "\\u0000"};
        private static final String[] METADATA = {"{\"format\":\"pt\"}", "{}", "{\"k\":1}", "[]", "\"x\"",
                "{\"k\":\"v\",\"k\":\"w\"}", "null"};

        private GeneratedFile() {
        }

        static byte[] from(FuzzedDataProvider d) {
            StringBuilder json = new StringBuilder("{");
            int tensors = d.consumeInt(0, 4);
            int metadataAt = d.consumeBoolean() ? d.consumeInt(0, tensors) : -1;
            BigInteger offset = BigInteger.ZERO; // where the next sensible tensor starts
            for (int i = 0; i <= tensors; i++) {
                if (i == metadataAt) {
                    comma(json).append("\"__metadata__\":").append(d.pickValue(METADATA));
                }
                if (i == tensors) break;
                String name = d.consumeInt(0, 3) > 0 ? "t" + i : d.pickValue(NAMES);
                String dtype = d.pickValue(DTYPES);
                int rank = d.consumeInt(0, 4);
                StringBuilder shape = new StringBuilder("[");
                BigInteger count = BigInteger.ONE; // null once a dimension is not an integer
                for (int k = 0; k < rank; k++) {
                    String dim = d.consumeInt(0, 7) > 0 ? Integer.toString(d.consumeInt(0, 8)) : d.pickValue(ODD_NUMBERS);
                    if (k > 0) shape.append(',');
                    shape.append(dim);
                    count = count == null || !dim.matches("-?[0-9]+") ? null : count.multiply(new BigInteger(dim));
                }
                shape.append(']');
                String begin;
                String end;
                if (d.consumeInt(0, 3) > 0 && count != null) {
                    BigInteger size = count.multiply(BigInteger.valueOf(elementSize(dtype)));
                    begin = offset.toString();
                    offset = offset.add(size);
                    end = offset.toString();
                } else {
                    begin = number(d);
                    end = number(d);
                }
                comma(json).append('"').append(name).append("\":{");
                // The reader must not care about key order, and must skip keys it does not know.
                String[] fields = {"\"dtype\":\"" + dtype + "\"", "\"shape\":" + shape,
                        "\"data_offsets\":[" + begin + "," + end + "]", "\"extra\":{\"a\":[1,{}]}"};
                int rotate = d.consumeInt(0, fields.length - 1);
                int kept = d.consumeInt(0, 15) > 0 ? fields.length : fields.length - 1; // sometimes drop one
                for (int f = 0; f < kept; f++) {
                    if (f > 0) json.append(',');
                    json.append(fields[(f + rotate) % fields.length]);
                }
                json.append('}');
            }
            json.append('}');
            if (d.consumeInt(0, 15) == 0) json.append(d.pickValue(new String[]{" ", "}", ",{}", "\u0000", "x"}));
            byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);

            int dataLength = d.consumeBoolean() && offset.bitLength() < 17
                    ? offset.intValue() + d.consumeInt(-1, 1)
                    : d.consumeInt(0, 1 << 12);
            long prefix = d.consumeInt(0, 7) > 0 ? header.length : Long.parseLong(d.pickValue(new String[]{
                    "0", "1", "-1", "100000000", "100000001", "9223372036854775807"})) + d.consumeInt(-1, 1);
            byte[] payload = d.consumeRemainingAsBytes();

            ByteBuffer file = ByteBuffer.allocate(8 + header.length + Math.max(0, dataLength))
                    .order(ByteOrder.LITTLE_ENDIAN);
            file.putLong(prefix).put(header);
            file.put(Arrays.copyOf(payload, Math.max(0, dataLength)));
            return file.array();
        }

        private static StringBuilder comma(StringBuilder json) {
            if (json.length() > 1) json.append(',');
            return json;
        }

        private static String number(FuzzedDataProvider d) {
            return d.consumeInt(0, 3) > 0 ? Integer.toString(d.consumeInt(0, 64)) : d.pickValue(ODD_NUMBERS);
        }

        private static int elementSize(String dtype) {
            return switch (dtype) {
                case "F64", "I64" -> 8;
                case "BF16" -> 2;
                case "U8" -> 1;
                default -> 4;
            };
        }
    }
}
