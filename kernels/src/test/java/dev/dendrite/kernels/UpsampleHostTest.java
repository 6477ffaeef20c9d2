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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * upsample.cu's per-element functions against the CPU backend's UpsampleKernels (compiled from engine-cpu's
 * source at test time), bit for bit in float and double: bilinear forward, and the nearest and bilinear
 * backward, where the kernel gathers what the CPU scatters and must add the same terms in the same order.
 * Shapes include 1-pixel dimensions (every tap clamps onto the same row) and odd sizes.
 */
class UpsampleHostTest {
    private static final int[][] SHAPES = {{1, 1}, {1, 3}, {2, 2}, {3, 5}, {4, 1}, {5, 4}, {7, 6}};
    private static final int PLANES = 2;

    @Test
    void upsamplingMatchesUpsampleKernelsBitForBit(@TempDir Path work) throws Exception {
        ClassLoader cl = HostHarness.cpuReference();
        Class<?> uk = Class.forName("dev.dendrite.cpu.nn.UpsampleKernels", true, cl);
        Class<?> mode = Class.forName("dev.dendrite.ops.UpsampleMode", true, cl);
        Object nearest = HostHarness.enumConstant(mode, "NEAREST"), bilinear = HostHarness.enumConstant(mode, "BILINEAR");
        Method fwdF = uk.getMethod("forward", mode, float[].class, int.class, int[].class, float[].class, int.class);
        Method bwdF = uk.getMethod("backward", mode, float[].class, int.class, int[].class, float[].class, int.class);
        Method fwdD = uk.getMethod("forward", mode, double[].class, int.class, int[].class, double[].class, int.class);
        Method bwdD = uk.getMethod("backward", mode, double[].class, int.class, int[].class, double[].class, int.class);

        Random rnd = new Random(7);
        List<double[]> xs = new ArrayList<>(), gs = new ArrayList<>();
        for (int[] s : SHAPES) {
            double[] x = new double[PLANES * s[0] * s[1]], g = new double[4 * x.length];
            for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian() * 3;
            for (int i = 0; i < g.length; i++) g[i] = rnd.nextGaussian() / 7;
            xs.add(x);
            gs.add(g);
        }

        Map<String, String> got = new HashMap<>();
        for (String line : HostHarness.runHostProgram(work, List.of("upsample.cu"), harness(xs, gs))) {
            if (line.isBlank()) continue;
            int last = line.lastIndexOf(' ');
            got.put(line.substring(0, last), line.substring(last + 1).trim());
        }

        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (int c = 0; c < SHAPES.length; c++) {
            int[] shape = {1, PLANES, SHAPES[c][0], SHAPES[c][1]};
            double[] x = xs.get(c), g = gs.get(c);
            float[] xf = toFloat(x), gf = toFloat(g);
            float[] yf = new float[4 * x.length], dxf = new float[x.length], ndxf = new float[x.length];
            double[] yd = new double[4 * x.length], dxd = new double[x.length], ndxd = new double[x.length];
            fwdF.invoke(null, bilinear, xf, 0, shape, yf, 0);
            fwdD.invoke(null, bilinear, x, 0, shape, yd, 0);
            bwdF.invoke(null, bilinear, gf, 0, shape, dxf, 0);
            bwdD.invoke(null, bilinear, g, 0, shape, dxd, 0);
            bwdF.invoke(null, nearest, gf, 0, shape, ndxf, 0);
            bwdD.invoke(null, nearest, g, 0, shape, ndxd, 0);
            for (int i = 0; i < yf.length; i++) {
                checked += check(problems, got, "BF32 " + c + " " + i, hex32(Float.floatToRawIntBits(yf[i])));
                checked += check(problems, got, "BF64 " + c + " " + i, hex64(Double.doubleToRawLongBits(yd[i])));
            }
            for (int i = 0; i < x.length; i++) {
                checked += check(problems, got, "BB32 " + c + " " + i, hex32(Float.floatToRawIntBits(dxf[i])));
                checked += check(problems, got, "BB64 " + c + " " + i, hex64(Double.doubleToRawLongBits(dxd[i])));
                checked += check(problems, got, "NB32 " + c + " " + i, hex32(Float.floatToRawIntBits(ndxf[i])));
                checked += check(problems, got, "NB64 " + c + " " + i, hex64(Double.doubleToRawLongBits(ndxd[i])));
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " of " + checked + " differ, first ones:\n"
                + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        assertEquals(got.size(), checked, "every line the harness printed was checked");
    }

    private static int check(List<String> problems, Map<String, String> got, String key, String want) {
        if (!want.equals(got.get(key))) problems.add(key + ": kernel " + got.get(key) + ", UpsampleKernels " + want);
        return 1;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private static String hex32(int v) {
        return String.format(Locale.ROOT, "%08x", v);
    }

    private static String hex64(long v) {
        return String.format(Locale.ROOT, "%016x", v);
    }

    private static String harness(List<double[]> xs, List<double[]> gs) {
        StringBuilder s = new StringBuilder("#include <cstdio>\n#include <cstring>\n#include \"upsample.cu\"\n\n");
        s.append("static unsigned int fbits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }\n");
        s.append("static unsigned long long dbits(double d) { unsigned long long u; memcpy(&u, &d, 8); return u; }\n");
        s.append("""
                template <typename T> static void run(const char* tag, int c, int H, int W, const T* x, const T* g) {
                    for (int p = 0; p < %PLANES%; ++p) {
                        const T* xp = x + p * H * W;
                        const T* gp = g + p * 4 * H * W;
                        for (int d = 0; d < 2 * H; ++d) for (int e = 0; e < 2 * W; ++e) {
                            const T v = dd_bilinear_fwd_at<T>(xp, H, W, d, e);
                            const int i = (p * 2 * H + d) * 2 * W + e;
                            if (sizeof(T) == 4) printf("BF%s %d %d %08x\\n", tag, c, i, fbits((float)v));
                            else printf("BF%s %d %d %016llx\\n", tag, c, i, dbits((double)v));
                        }
                        for (int h = 0; h < H; ++h) for (int w = 0; w < W; ++w) {
                            const T b = dd_bilinear_bwd_at<T>(gp, H, W, h, w), nb = dd_nearest_bwd_at<T>(gp, W, h, w);
                            const int i = (p * H + h) * W + w;
                            if (sizeof(T) == 4) {
                                printf("BB%s %d %d %08x\\n", tag, c, i, fbits((float)b));
                                printf("NB%s %d %d %08x\\n", tag, c, i, fbits((float)nb));
                            } else {
                                printf("BB%s %d %d %016llx\\n", tag, c, i, dbits((double)b));
                                printf("NB%s %d %d %016llx\\n", tag, c, i, dbits((double)nb));
                            }
                        }
                    }
                }
                """.replace("%PLANES%", Integer.toString(PLANES)));
        for (int c = 0; c < xs.size(); c++) {
            s.append(array("double", "XD" + c, xs.get(c), "")).append(array("double", "GD" + c, gs.get(c), ""));
            s.append(array("float", "XF" + c, xs.get(c), "f")).append(array("float", "GF" + c, gs.get(c), "f"));
        }
        s.append("int main() {\n");
        for (int c = 0; c < xs.size(); c++) {
            s.append(String.format(Locale.ROOT, "    run<float>(\"32\", %d, %d, %d, XF%d, GF%d);%n", c, SHAPES[c][0], SHAPES[c][1], c, c));
            s.append(String.format(Locale.ROOT, "    run<double>(\"64\", %d, %d, %d, XD%d, GD%d);%n", c, SHAPES[c][0], SHAPES[c][1], c, c));
        }
        return s.append("    return 0;\n}\n").toString();
    }

    private static String array(String type, String name, double[] v, String suffix) {
        StringBuilder s = new StringBuilder("static const " + type + " " + name + "[] = {");
        for (double d : v) s.append(suffix.isEmpty() ? Double.toHexString(d) : Double.toHexString((float) d) + suffix).append(", ");
        return s.append("};\n").toString();
    }
}
