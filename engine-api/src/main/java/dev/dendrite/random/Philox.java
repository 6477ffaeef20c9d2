package dev.dendrite.random;

/**
 * Philox4x32-10 counter-based random numbers: the single source of randomness for every Dendrite
 * backend (initialisers, {@code rand}/{@code randn}, dropout masks).
 *
 * <h2>Algorithm</h2>
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3", SC11),
 * bit-for-bit the {@code philox4x32} function of Random123 with 10 rounds. A block maps a 128-bit
 * counter {@code (c0, c1, c2, c3)} and a 64-bit key {@code (k0, k1)} to 128 output bits. Each round
 * takes the full 64-bit products {@code 0xD2511F53 * c0} and {@code 0xCD9E8D57 * c2} (unsigned 32×32→64)
 * and produces
 * <pre>
 *   (c0, c1, c2, c3) ← (hi(M1·c2) ^ c1 ^ k0,  lo(M1·c2),  hi(M0·c0) ^ c3 ^ k1,  lo(M0·c0))
 * </pre>
 * Between rounds the key is bumped by the Weyl increments {@code k0 += 0x9E3779B9},
 * {@code k1 += 0xBB67AE85} (mod 2³²); 10 rounds use 9 bumps. All arithmetic is on unsigned 32-bit
 * words, carried in Java {@code int}s (the bit patterns are what matter) with products done in
 * {@code long}.
 *
 * <h2>Keying scheme</h2>
 * A random tensor is addressed by {@code (seed, stream, index)}, where {@code index} is the logical
 * (row-major, contiguous) element index, never a thread or chunk id:
 * <pre>
 *   key     = (low32(seed), high32(seed))
 *   counter = (low32(index / 4), high32(index / 4), low32(stream), high32(stream))
 *   bits    = philox4x32_10(counter, key)[index % 4]
 * </pre>
 * So four consecutive elements share one block. See Note [Why counter-based, keyed by element].
 *
 * <pre>
 * Note [Why counter-based, keyed by element]
 * A stateful generator (Mersenne Twister, java.util.Random) gives results that depend on the order in
 * which elements are drawn, so a tensor filled by 1 thread, by 16 threads in chunks, or by a CUDA grid
 * would differ. Here every element's 32 bits are a pure function of (seed, stream, index): any thread
 * count, chunking or backend yields bit-identical bits, uniforms and dropout masks. The CUDA kernel
 * implements this same function (same keying, same uniform maps), and parity tests compare them exactly.
 * The stream word separates independent draws under one seed (e.g. one stream per parameter tensor or
 * per dropout call), so they never share counters.
 * </pre>
 *
 * <h2>Derived distributions</h2>
 * <ul>
 *   <li>{@link #uniformFloat}: {@code (bits >>> 8) · 2⁻²⁴} — exact in float, in {@code [0, 1)}.</li>
 *   <li>{@link #uniformDouble}: {@code unsigned(bits) · 2⁻³²} — uses only 32 bits (not 53) so that a
 *       backend producing one 32-bit word per element can match it exactly.</li>
 *   <li>{@link #fillUniform}: {@code fma(u, high - low, low)}, a single rounding, which CUDA's
 *       {@code fmaf}/{@code fma} reproduces exactly.</li>
 *   <li>{@link #fillNormal}: Box–Muller on aligned pairs; see Note [Box–Muller pairing].</li>
 *   <li>{@link #keep}: dropout keeps element {@code i} iff {@code uniformFloat(bits(i)) >= p}.</li>
 * </ul>
 * All methods are stateless and thread-safe.
 */
public final class Philox {

    /** Round multipliers of Philox4x32 (Random123's PHILOX_M4x32_0/1). */
    private static final long M0 = 0xD2511F53L;
    private static final long M1 = 0xCD9E8D57L;
    /** Weyl key increments: the fractional parts of the golden ratio and of sqrt(3) - 1, as 32 bits. */
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private static final float TWO_POW_MINUS_24 = 0x1p-24f;
    private static final double TWO_POW_MINUS_32 = 0x1p-32;
    /** The angle of Box–Muller is {@code TWO_PI * u2}, one rounding; a backend must use the same product. */
    private static final double TWO_PI = 2.0 * Math.PI;

    private Philox() {}

    /**
     * One Philox4x32-10 block, exactly Random123's {@code philox4x32_R(10, ctr, key)}.
     * Words are unsigned 32-bit values carried in {@code int}s.
     *
     * @param out4 receives the 4 output words in {@code out4[0..3]}; length at least 4
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out4) {
        if (out4 == null || out4.length < 4)
            throw new IllegalArgumentException("philox.block: out4 must have length >= 4, got "
                    + (out4 == null ? "null" : "length " + out4.length));
        for (int round = 0; round < 10; round++) {
            if (round > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = M0 * Integer.toUnsignedLong(c0);  // < 2^64 as unsigned; >>> reads it correctly
            long p1 = M1 * Integer.toUnsignedLong(c2);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
        }
        out4[0] = c0;
        out4[1] = c1;
        out4[2] = c2;
        out4[3] = c3;
    }

    /**
     * The 32 random bits of logical element {@code index} of stream {@code stream} under {@code seed}:
     * word {@code index % 4} of the block with key {@code (low32(seed), high32(seed))} and counter
     * {@code (low32(index/4), high32(index/4), low32(stream), high32(stream))}.
     * Each call computes a whole block (about 10 ns on one core); use the {@code fill*} methods for
     * ranges, which compute one block per 4 elements.
     *
     * @param index logical element index, {@code >= 0}
     * @throws IllegalArgumentException if {@code index < 0}
     */
    public static int bits(long seed, long stream, long index) {
        if (index < 0)
            throw new IllegalArgumentException("philox.bits: index must be >= 0, got " + index);
        int[] out = new int[4];
        blockFor(seed, stream, index >>> 2, out);
        return out[(int) (index & 3)];
    }

    /**
     * Uniform float in {@code [0, 1)}: {@code (bits >>> 8) · 2⁻²⁴}. The top 24 bits fit a float
     * significand exactly, so the result is exact and at most {@code 1 - 2⁻²⁴}, never {@code 1.0f}.
     */
    public static float uniformFloat(int bits) {
        return (bits >>> 8) * TWO_POW_MINUS_24;
    }

    /**
     * Uniform double in {@code [0, 1)}: {@code unsigned(bits) · 2⁻³²}, exact, at most {@code 1 - 2⁻³²}.
     * Deliberately uses only 32 bits (a 2⁻³² grid, not 2⁻⁵³): every backend draws one 32-bit word per
     * element, so every backend can match this value exactly.
     */
    public static double uniformDouble(int bits) {
        return Integer.toUnsignedLong(bits) * TWO_POW_MINUS_32;
    }

    /**
     * Fills {@code dst[dstOff .. dstOff+count)} with uniform values in {@code [low, high)} for logical
     * elements {@code firstIndex .. firstIndex+count-1} of {@code (seed, stream)}: element {@code i}
     * gets {@code fma(uniformFloat(bits(seed, stream, i)), high - low, low)} (float arithmetic),
     * lowered to {@code Math.nextDown(high)} in the rare case rounding lands on {@code high}.
     * The result for an element does not depend on {@code firstIndex}/{@code dstOff}, so chunked and
     * multi-threaded fills agree bit-for-bit. One Philox block is computed per 4 elements.
     *
     * @throws IllegalArgumentException on a bad range, negative index, or out-of-bounds region
     */
    public static void fillUniform(long seed, long stream, long firstIndex,
                                   float[] dst, int dstOff, int count, float low, float high) {
        checkRegion("fillUniform", firstIndex, dst == null ? -1 : dst.length, dstOff, count);
        float range = high - low;
        if (!(low < high) || !Float.isFinite(low) || !Float.isFinite(high) || !Float.isFinite(range))
            throw new IllegalArgumentException("fillUniform: need finite low < high with finite high - low, got low="
                    + low + ", high=" + high);
        float below = Math.nextDown(high);
        int[] out = new int[4];
        long index = firstIndex;
        int pos = dstOff;
        int end = dstOff + count;
        while (pos < end) {
            int word = (int) (index & 3);
            blockFor(seed, stream, index >>> 2, out);
            int n = Math.min(4 - word, end - pos);
            for (int k = 0; k < n; k++) {
                float v = Math.fma(uniformFloat(out[word + k]), range, low);
                dst[pos + k] = v < high ? v : below;
            }
            pos += n;
            index += n;
        }
    }

    /**
     * Double counterpart of {@link #fillUniform(long, long, long, float[], int, int, float, float)}:
     * element {@code i} gets {@code fma(uniformDouble(bits(seed, stream, i)), high - low, low)}, in
     * {@code [low, high)}. Only 32 random bits per element (see {@link #uniformDouble}).
     */
    public static void fillUniform(long seed, long stream, long firstIndex,
                                   double[] dst, int dstOff, int count, double low, double high) {
        checkRegion("fillUniform", firstIndex, dst == null ? -1 : dst.length, dstOff, count);
        double range = high - low;
        if (!(low < high) || !Double.isFinite(low) || !Double.isFinite(high) || !Double.isFinite(range))
            throw new IllegalArgumentException("fillUniform: need finite low < high with finite high - low, got low="
                    + low + ", high=" + high);
        double below = Math.nextDown(high);
        int[] out = new int[4];
        long index = firstIndex;
        int pos = dstOff;
        int end = dstOff + count;
        while (pos < end) {
            int word = (int) (index & 3);
            blockFor(seed, stream, index >>> 2, out);
            int n = Math.min(4 - word, end - pos);
            for (int k = 0; k < n; k++) {
                double v = Math.fma(uniformDouble(out[word + k]), range, low);
                dst[pos + k] = v < high ? v : below;
            }
            pos += n;
            index += n;
        }
    }

    /*
     * Note [Box–Muller pairing]
     * Logical elements are paired as (2j, 2j+1) by their absolute index, so a pair always lies in one
     * Philox block (words 0,1 or words 2,3) and never straddles a chunk boundary in a way that changes
     * values. For a pair:
     *   u1 = 1 - uniformDouble(bits(2j))      in (0, 1], so log(u1) is finite
     *   u2 = uniformDouble(bits(2j+1))        in [0, 1)
     *   r  = sqrt(-2 ln u1),  θ = TWO_PI * u2
     *   element 2j   = mean + std * r cos θ
     *   element 2j+1 = mean + std * r sin θ
     * So element i depends only on (seed, stream, i) — a fill starting at an odd index recomputes its
     * partner's uniforms rather than shifting the pairing. Math is in double, then cast for float.
     * log/sqrt/cos/sin come from StrictMath (fdlibm) so CPU results are identical on every JVM and
     * CPU; a CUDA kernel's libm may differ by an ulp in double, which almost never survives the cast
     * to float — parity tests for normals should allow a 1-ulp tolerance, while bits, uniforms and
     * dropout masks must match exactly.
     */

    /**
     * Fills {@code dst[dstOff .. dstOff+count)} with Normal({@code mean}, {@code std}) samples for
     * logical elements {@code firstIndex ..} of {@code (seed, stream)}, by Box–Muller on the pairs
     * {@code (2j, 2j+1)} — see Note [Box–Muller pairing]. Computed in double, then cast to float.
     * Each element's value depends only on {@code (seed, stream, index)}.
     *
     * @param std standard deviation, {@code >= 0}
     * @throws IllegalArgumentException on negative/NaN std, non-finite mean, negative index, or
     *         out-of-bounds region
     */
    public static void fillNormal(long seed, long stream, long firstIndex,
                                  float[] dst, int dstOff, int count, double mean, double std) {
        checkRegion("fillNormal", firstIndex, dst == null ? -1 : dst.length, dstOff, count);
        checkNormal(mean, std);
        int[] out = new int[4];
        long index = firstIndex;
        int pos = dstOff;
        int end = dstOff + count;
        while (pos < end) {
            int word = (int) (index & 3);
            blockFor(seed, stream, index >>> 2, out);
            int n = Math.min(4 - word, end - pos);
            // Words [word, word+n) are wanted; handle each pair (0,1), (2,3) that overlaps them.
            for (int first = word & ~1; first < word + n; first += 2) {
                double u1 = 1.0 - uniformDouble(out[first]);
                double u2 = uniformDouble(out[first + 1]);
                double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
                double theta = TWO_PI * u2;
                if (first >= word) dst[pos + first - word] = (float) (mean + std * (r * StrictMath.cos(theta)));
                if (first + 1 < word + n) dst[pos + first + 1 - word] = (float) (mean + std * (r * StrictMath.sin(theta)));
            }
            pos += n;
            index += n;
        }
    }

    /**
     * Double counterpart of {@link #fillNormal(long, long, long, float[], int, int, double, double)};
     * identical values before the final cast.
     */
    public static void fillNormal(long seed, long stream, long firstIndex,
                                  double[] dst, int dstOff, int count, double mean, double std) {
        checkRegion("fillNormal", firstIndex, dst == null ? -1 : dst.length, dstOff, count);
        checkNormal(mean, std);
        int[] out = new int[4];
        long index = firstIndex;
        int pos = dstOff;
        int end = dstOff + count;
        while (pos < end) {
            int word = (int) (index & 3);
            blockFor(seed, stream, index >>> 2, out);
            int n = Math.min(4 - word, end - pos);
            for (int first = word & ~1; first < word + n; first += 2) {
                double u1 = 1.0 - uniformDouble(out[first]);
                double u2 = uniformDouble(out[first + 1]);
                double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
                double theta = TWO_PI * u2;
                if (first >= word) dst[pos + first - word] = mean + std * (r * StrictMath.cos(theta));
                if (first + 1 < word + n) dst[pos + first + 1 - word] = mean + std * (r * StrictMath.sin(theta));
            }
            pos += n;
            index += n;
        }
    }

    /**
     * Dropout keep decision for logical element {@code index}:
     * {@code uniformFloat(bits(seed, stream, index)) >= p}. Kept with probability {@code 1 - p}
     * (exactly, on the 2⁻²⁴ grid, when {@code p} is a multiple of 2⁻²⁴); {@code p = 0} keeps every
     * element, {@code p = 1} drops every element.
     *
     * @param p drop probability in {@code [0, 1]}
     * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1]} or NaN, or {@code index < 0}
     */
    public static boolean keep(long seed, long stream, long index, float p) {
        if (!(p >= 0f && p <= 1f))
            throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        return uniformFloat(bits(seed, stream, index)) >= p;
    }

    /** The block for counter {@code blockIndex} = index / 4 under the keying scheme. */
    private static void blockFor(long seed, long stream, long blockIndex, int[] out) {
        block((int) blockIndex, (int) (blockIndex >>> 32), (int) stream, (int) (stream >>> 32),
                (int) seed, (int) (seed >>> 32), out);
    }

    private static void checkRegion(String op, long firstIndex, int dstLength, int dstOff, int count) {
        if (dstLength < 0) throw new IllegalArgumentException(op + ": dst is null");
        if (firstIndex < 0)
            throw new IllegalArgumentException(op + ": firstIndex must be >= 0, got " + firstIndex);
        if (dstOff < 0 || count < 0 || dstOff > dstLength - count)
            throw new IllegalArgumentException(op + ": region [" + dstOff + ", " + dstOff + " + " + count
                    + ") does not fit dst of length " + dstLength);
        if (firstIndex > Long.MAX_VALUE - count)
            throw new IllegalArgumentException(op + ": elements " + firstIndex + " + " + count
                    + " overflow the 63-bit index space");
    }

    private static void checkNormal(double mean, double std) {
        if (!(std >= 0) || !Double.isFinite(std) || !Double.isFinite(mean))
            throw new IllegalArgumentException("fillNormal: need finite mean and finite std >= 0, got mean="
                    + mean + ", std=" + std);
    }
}
