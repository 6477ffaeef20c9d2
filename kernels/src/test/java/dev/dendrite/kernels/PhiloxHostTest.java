package dev.dendrite.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * random.cu's Philox functions against the reference, dev.dendrite.random.Philox (engine-api), run on the
 * host: raw bits, the float/double uniforms, the uniform fills with their fma and clamp-below-high, dropout
 * decisions — all bit for bit — and Box–Muller normals (log/cos/sin come from different libms, so the
 * double normals may differ by a few ulp; the float ones by at most one). Random123's published
 * known-answer vectors for philox4x32-10 pin both implementations to the standard algorithm.
 */
class PhiloxHostTest {
    private static final long[] SEEDS = {0L, 1L, 42L, 0x123456789ABCDEF0L, -1L, Long.MIN_VALUE, 0x00000001_00000000L};
    private static final long[] STREAMS = {0L, 1L, 7L, 0xDEADBEEFCAFEBABEL, -1L};
    private static final long[] INDICES = {0, 1, 2, 3, 4, 5, 6, 7, 9, 1023, 2147483647L, (1L << 32) + 5, (1L << 40) + 2};
    private static final float[][] FLOAT_RANGES = {{0f, 1f}, {-3.5f, 2.25f}, {16777216f, 16777218f}, {-1e-30f, 1e-30f}};
    private static final double[][] DOUBLE_RANGES = {{0, 1}, {-3.5, 2.25}, {9007199254740992.0, 9007199254740994.0}, {-1e300, 1e300}};
    private static final float[] DROP_P = {0f, 0.1f, 0.5f, 0.9999999f, 1f};
    private static final double MEAN = 0.5, STD = 2.0;

    /** Random123 kat_vectors, philox4x32 with 10 rounds: counter, key → output. */
    private static final int[][] KAT = {
            {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
            {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
            {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };

    @Test
    void kernelPhiloxMatchesPhiloxJavaBitForBit(@TempDir Path work) throws Exception {
        ClassLoader cl = HostHarness.cpuReference();
        Class<?> philox = Class.forName("dev.dendrite.random.Philox", true, cl);
        Method block = philox.getMethod("block", int.class, int.class, int.class, int.class, int.class, int.class, int[].class);
        Method bits = philox.getMethod("bits", long.class, long.class, long.class);
        Method uniformFloat = philox.getMethod("uniformFloat", int.class);
        Method uniformDouble = philox.getMethod("uniformDouble", int.class);
        Method fillUniformF = philox.getMethod("fillUniform", long.class, long.class, long.class, float[].class, int.class, int.class, float.class, float.class);
        Method fillUniformD = philox.getMethod("fillUniform", long.class, long.class, long.class, double[].class, int.class, int.class, double.class, double.class);
        Method fillNormalF = philox.getMethod("fillNormal", long.class, long.class, long.class, float[].class, int.class, int.class, double.class, double.class);
        Method fillNormalD = philox.getMethod("fillNormal", long.class, long.class, long.class, double[].class, int.class, int.class, double.class, double.class);
        Method keep = philox.getMethod("keep", long.class, long.class, long.class, float.class);

        Map<String, String> got = parse(HostHarness.runHostProgram(work, List.of("random.cu"), harness()));

        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (int k = 0; k < KAT.length; k++) {
            int[] v = KAT[k], out = new int[4];
            block.invoke(null, v[0], v[1], v[2], v[3], v[4], v[5], out);
            for (int w = 0; w < 4; w++) {
                String want = hex32(v[6 + w]);
                if (!want.equals(hex32(out[w]))) problems.add("Philox.java KAT " + k + " word " + w + ": " + hex32(out[w]) + " != " + want);
                checked += expect(problems, got, "KAT " + k + " " + w, want);
            }
        }
        int c = 0;
        for (long seed : SEEDS) {
            for (long stream : STREAMS) {
                for (long index : INDICES) {
                    int b = (int) bits.invoke(null, seed, stream, index);
                    String key = Integer.toString(c);
                    checked += expect(problems, got, "B " + key, hex32(b));
                    checked += expect(problems, got, "UF " + key, hex32(Float.floatToRawIntBits((float) uniformFloat.invoke(null, b))));
                    checked += expect(problems, got, "UD " + key, hex64(Double.doubleToRawLongBits((double) uniformDouble.invoke(null, b))));
                    for (int r = 0; r < FLOAT_RANGES.length; r++) {
                        float[] f = new float[1];
                        fillUniformF.invoke(null, seed, stream, index, f, 0, 1, FLOAT_RANGES[r][0], FLOAT_RANGES[r][1]);
                        checked += expect(problems, got, "FU " + key + " " + r, hex32(Float.floatToRawIntBits(f[0])));
                    }
                    for (int r = 0; r < DOUBLE_RANGES.length; r++) {
                        double[] d = new double[1];
                        fillUniformD.invoke(null, seed, stream, index, d, 0, 1, DOUBLE_RANGES[r][0], DOUBLE_RANGES[r][1]);
                        checked += expect(problems, got, "DU " + key + " " + r, hex64(Double.doubleToRawLongBits(d[0])));
                    }
                    for (int p = 0; p < DROP_P.length; p++)
                        checked += expect(problems, got, "K " + key + " " + p, (boolean) keep.invoke(null, seed, stream, index, DROP_P[p]) ? "1" : "0");

                    // Normals: a single-element fill at `index` recomputes its pair partner, as the kernel does.
                    float[] nf = new float[1];
                    double[] nd = new double[1];
                    fillNormalF.invoke(null, seed, stream, index, nf, 0, 1, MEAN, STD);
                    fillNormalD.invoke(null, seed, stream, index, nd, 0, 1, MEAN, STD);
                    String gf = got.get("NF " + key), gd = got.get("ND " + key);
                    if (gf == null || gd == null) {
                        problems.add("missing normal output for case " + c);
                    } else {
                        float kf = Float.intBitsToFloat((int) Long.parseLong(gf, 16));
                        double kd = Double.longBitsToDouble(Long.parseUnsignedLong(gd, 16));
                        if (Math.abs(kf - nf[0]) > Math.ulp(nf[0]))
                            problems.add("normal f32 case " + c + ": kernel " + kf + " vs Philox.java " + nf[0]);
                        if (Math.abs(kd - nd[0]) > 4 * Math.ulp(nd[0]))
                            problems.add("normal f64 case " + c + ": kernel " + kd + " vs Philox.java " + nd[0]);
                        checked += 2;
                    }
                    c++;
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " mismatches, first ones:\n" + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        assertEquals(3 * 4 + c * (3 + FLOAT_RANGES.length + DOUBLE_RANGES.length + DROP_P.length + 2), checked);
    }

    private static int expect(List<String> problems, Map<String, String> got, String key, String want) {
        String g = got.get(key);
        if (!want.equals(g)) problems.add(key + ": kernel " + g + ", Philox.java " + want);
        return 1;
    }

    /** Output lines "TAG n [k] value" → map "TAG n [k]" → value. */
    private static Map<String, String> parse(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String line : lines) {
            if (line.isBlank()) continue;
            int last = line.lastIndexOf(' ');
            m.put(line.substring(0, last), line.substring(last + 1).trim());
        }
        return m;
    }

    private static String cFloat(float f) {
        return Double.toHexString(f) + "f";
    }

    private static String hex32(int v) {
        return String.format(Locale.ROOT, "%08x", v);
    }

    private static String hex64(long v) {
        return String.format(Locale.ROOT, "%016x", v);
    }

    private static String harness() {
        StringBuilder s = new StringBuilder();
        s.append("#include <cstdio>\n#include <cstring>\n#include \"random.cu\"\n\n");
        s.append("static unsigned int fbits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }\n");
        s.append("static unsigned long long dbits(double d) { unsigned long long u; memcpy(&u, &d, 8); return u; }\n");
        s.append("static const unsigned int KAT[][6] = {\n");
        for (int[] v : KAT)
            s.append(String.format(Locale.ROOT, "  {0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu, 0x%08xu},%n", v[0], v[1], v[2], v[3], v[4], v[5]));
        s.append("};\n");
        s.append("static const unsigned long long SEEDS[] = {");
        for (long v : SEEDS) s.append(HostHarness.hex(v)).append(", ");
        s.append("};\nstatic const unsigned long long STREAMS[] = {");
        for (long v : STREAMS) s.append(HostHarness.hex(v)).append(", ");
        s.append("};\nstatic const unsigned long long INDICES[] = {");
        for (long v : INDICES) s.append(HostHarness.hex(v)).append(", ");
        s.append("};\nstatic const float FR[][2] = {");
        for (float[] r : FLOAT_RANGES) s.append("{").append(cFloat(r[0])).append(", ").append(cFloat(r[1])).append("}, ");
        s.append("};\nstatic const double DR[][2] = {");
        for (double[] r : DOUBLE_RANGES) s.append("{").append(Double.toHexString(r[0])).append(", ").append(Double.toHexString(r[1])).append("}, ");
        s.append("};\nstatic const float P[] = {");
        for (float p : DROP_P) s.append(cFloat(p)).append(", ");
        s.append("};\n");
        s.append("""
                int main() {
                    for (int k = 0; k < (int)(sizeof(KAT) / sizeof(KAT[0])); ++k) {
                        unsigned int out[4];
                        dd_philox(KAT[k][0], KAT[k][1], KAT[k][2], KAT[k][3], KAT[k][4], KAT[k][5], out);
                        for (int w = 0; w < 4; ++w) printf("KAT %d %d %08x\\n", k, w, out[w]);
                    }
                    int c = 0;
                    for (unsigned long long seed : SEEDS) for (unsigned long long stream : STREAMS) for (unsigned long long index : INDICES) {
                        unsigned int w[4];
                        dd_philox_block(seed, stream, index >> 2, w);
                        const unsigned int b = w[index & 3];
                        printf("B %d %08x\\n", c, b);
                        printf("UF %d %08x\\n", c, fbits(dd_uniform_float(b)));
                        printf("UD %d %016llx\\n", c, dbits(dd_uniform_double(b)));
                        for (int r = 0; r < (int)(sizeof(FR) / sizeof(FR[0])); ++r)
                            printf("FU %d %d %08x\\n", c, r, fbits(dd_uniform_in(b, FR[r][0], FR[r][1] - FR[r][0], FR[r][1])));
                        for (int r = 0; r < (int)(sizeof(DR) / sizeof(DR[0])); ++r)
                            printf("DU %d %d %016llx\\n", c, r, dbits(dd_uniform_in(b, DR[r][0], DR[r][1] - DR[r][0], DR[r][1])));
                        for (int p = 0; p < (int)(sizeof(P) / sizeof(P[0])); ++p)
                            printf("K %d %d %d\\n", c, p, dd_uniform_float(b) >= P[p] ? 1 : 0);
                        const int first = (int)(index & 2);       // the aligned pair (2j, 2j+1) inside the block
                        double z0, z1;
                        dd_box_muller(w[first], w[first + 1], %MEAN%, %STD%, z0, z1);
                        const double z = (index & 1) ? z1 : z0;
                        printf("NF %d %08x\\n", c, fbits((float)z));
                        printf("ND %d %016llx\\n", c, dbits(z));
                        ++c;
                    }
                    return 0;
                }
                """.replace("%MEAN%", Double.toString(MEAN)).replace("%STD%", Double.toString(STD)));
        return s.toString();
    }
}
