package dev.dendrite.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deterministic embedding backward of embedding.cu against EmbeddingKernels (compiled from engine-cpu's
 * source at test time):
 * <ul>
 *   <li>the single-block bucket construction ({@code embedding_bwd_buckets}), replayed here phase by phase
 *       with the block's threads run in turn between barriers ({@link #bucketsAsTheKernelDoes}); it must give
 *       exactly the CPU's stable counting sort for several block sizes (fewer rows than threads, several
 *       chunks, repeated and out-of-range indices);</li>
 *   <li>the per-element sum ({@code dd_bucket_sum}, run on the host by nvcc) over those buckets must give the
 *       CPU's dweight bit for bit in float (double accumulation, single positions copied) and double.</li>
 * </ul>
 */
class EmbeddingHostTest {

    /**
     * embedding_bwd_buckets with blockDim = {@code block}: each phase between two __syncthreads runs every
     * thread's part in turn, which is a legal schedule since within a phase no thread reads what another
     * writes (the global atomics of the histogram commute).
     */
    static int[][] bucketsAsTheKernelDoes(int[] idx, int count, int v, int block) {
        int[] start = new int[v + 1], order = new int[count], chunk = new int[block];
        for (int t = 0; t < block; t++) for (int r = t; r <= v; r += block) start[r] = 0;
        for (int t = 0; t < block; t++)
            for (int p = t; p < count; p += block) if (idx[p] >= 0 && idx[p] < v) start[idx[p] + 1]++;
        int carry = 0;
        for (int base = 0; base <= v; base += block) {
            for (int t = 0; t < block; t++) chunk[t] = base + t <= v ? start[base + t] : 0;
            for (int off = 1; off < block; off <<= 1) {
                int[] add = new int[block];
                for (int t = 0; t < block; t++) add[t] = t >= off ? chunk[t - off] : 0;
                for (int t = 0; t < block; t++) chunk[t] += add[t];
            }
            for (int t = 0; t < block; t++) if (base + t <= v) start[base + t] = chunk[t] + carry;
            carry += chunk[block - 1];
        }
        for (int base = 0; base < count; base += block) {
            int[] k = new int[block], before = new int[block], after = new int[block];
            for (int t = 0; t < block; t++) {
                int p = base + t;
                k[t] = p < count && idx[p] >= 0 && idx[p] < v ? idx[p] : -1;
                chunk[t] = k[t];
            }
            for (int t = 0; t < block; t++) {
                if (k[t] < 0) continue;
                for (int u = 0; u < t; u++) before[t] += chunk[u] == k[t] ? 1 : 0;
                for (int u = t + 1; u < block; u++) after[t] += chunk[u] == k[t] ? 1 : 0;
                order[start[k[t]] + before[t]] = base + t;
            }
            for (int t = 0; t < block; t++) if (k[t] >= 0 && after[t] == 0) start[k[t]] += before[t] + 1;
        }
        for (int base = v; base > 0; base -= block) {
            int[] val = new int[block];
            for (int t = 0; t < block; t++) if (base - t >= 1) val[t] = start[base - t - 1];
            for (int t = 0; t < block; t++) if (base - t >= 1) start[base - t] = val[t];
        }
        start[0] = 0;
        return new int[][]{start, order};
    }

    @Test
    void bucketsMatchTheCpuCountingSort(@TempDir Path work) throws Exception {
        ClassLoader cl = HostHarness.cpuReference();
        Class<?> ek = Class.forName("dev.dendrite.cpu.nn.EmbeddingKernels", true, cl);
        Method buckets = ek.getDeclaredMethod("buckets", int[].class, int.class, int.class, int.class);
        buckets.setAccessible(true);
        Random rnd = new Random(3);
        int[][] cases = {{1, 1}, {5, 3}, {40, 7}, {300, 5}, {1000, 700}, {257, 1}, {64, 300}};
        for (int[] c : cases) {
            int count = c[0], v = c[1];
            int[] idx = new int[count];
            for (int i = 0; i < count; i++) idx[i] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(v);   // row 0 repeats a lot
            Object cpu = buckets.invoke(null, idx, 0, count, v);
            Method startOf = cpu.getClass().getDeclaredMethod("start"), orderOf = cpu.getClass().getDeclaredMethod("order");
            startOf.setAccessible(true);
            orderOf.setAccessible(true);
            int[] cpuStart = (int[]) startOf.invoke(cpu), cpuOrder = (int[]) orderOf.invoke(cpu);
            for (int block : new int[]{32, 64, 256}) {
                int[][] k = bucketsAsTheKernelDoes(idx, count, v, block);
                String what = "count=" + count + " V=" + v + " block=" + block;
                assertArrayEquals(cpuStart, k[0], what + ": start");
                assertArrayEquals(cpuOrder, k[1], what + ": order");
            }
        }
        // Out-of-range indices (rejected by index_check before the real launch) are skipped, not written.
        int[][] k = bucketsAsTheKernelDoes(new int[]{2, -1, 2, 9, 0}, 5, 3, 32);
        assertArrayEquals(new int[]{0, 1, 1, 3}, k[0]);
        assertArrayEquals(new int[]{4, 0, 2}, Arrays.copyOf(k[1], 3));
    }

    @Test
    void bucketSumsMatchEmbeddingKernelsBackward(@TempDir Path work) throws Exception {
        ClassLoader cl = HostHarness.cpuReference();
        Class<?> ek = Class.forName("dev.dendrite.cpu.nn.EmbeddingKernels", true, cl);
        Method bwdF = ek.getMethod("backward", int[].class, int.class, int.class, float[].class, int.class, int.class, int.class, float[].class, int.class);
        Method bwdD = ek.getMethod("backward", int[].class, int.class, int.class, double[].class, int.class, int.class, int.class, double[].class, int.class);

        int count = 60, v = 9, d = 5;
        Random rnd = new Random(5);
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = i % 7 == 0 ? 4 : rnd.nextInt(v - 1);   // row 8 unused, row 4 frequent
        idx[7] = 8 - 1;
        double[] drows = new double[count * d];
        for (int i = 0; i < drows.length; i++) drows[i] = rnd.nextGaussian() * (i % 3 == 0 ? 1e4 : 1e-3);
        drows[3] = -0.0;
        float[] drowsF = new float[drows.length];
        for (int i = 0; i < drows.length; i++) drowsF[i] = (float) drows[i];
        int[][] b = bucketsAsTheKernelDoes(idx, count, v, 32);

        StringBuilder s = new StringBuilder("#include <cstdio>\n#include <cstring>\n#include \"embedding.cu\"\n");
        s.append("static unsigned int fbits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }\n");
        s.append("static unsigned long long dbits(double x) { unsigned long long u; memcpy(&u, &x, 8); return u; }\n");
        s.append("static const int START[] = {");
        for (int x : b[0]) s.append(x).append(", ");
        s.append("};\nstatic const int ORDER[] = {");
        for (int x : b[1]) s.append(x).append(", ");
        s.append("};\nstatic const double DR[] = {");
        for (double x : drows) s.append(Double.toHexString(x)).append(", ");
        s.append("};\nstatic const float FR[] = {");
        for (float x : drowsF) s.append(Double.toHexString(x)).append("f, ");
        s.append("};\nint main() {\n");
        s.append("    for (int r = 0; r < ").append(v).append("; ++r) for (int j = 0; j < ").append(d).append("; ++j) {\n");
        s.append("        const int lo = START[r], hi = START[r + 1];\n");
        s.append("        const float f = lo == hi ? 0.0f : dd_bucket_sum<float>(ORDER, lo, hi, ").append(d).append(", j, FR);\n");
        s.append("        const double x = lo == hi ? 0.0 : dd_bucket_sum<double>(ORDER, lo, hi, ").append(d).append(", j, DR);\n");
        s.append("        printf(\"F %d %08x\\n\", r * ").append(d).append(" + j, fbits(f));\n");
        s.append("        printf(\"D %d %016llx\\n\", r * ").append(d).append(" + j, dbits(x));\n");
        s.append("    }\n    return 0;\n}\n");
        Map<String, String> got = new HashMap<>();
        for (String line : HostHarness.runHostProgram(work, List.of("embedding.cu"), s.toString())) {
            if (line.isBlank()) continue;
            int last = line.lastIndexOf(' ');
            got.put(line.substring(0, last), line.substring(last + 1).trim());
        }

        float[] dwF = new float[v * d];
        double[] dwD = new double[v * d];
        Arrays.fill(dwF, Float.NaN);   // fully overwritten, unused rows included
        Arrays.fill(dwD, Double.NaN);
        bwdF.invoke(null, idx, 0, count, drowsF, 0, v, d, dwF, 0);
        bwdD.invoke(null, idx, 0, count, drows, 0, v, d, dwD, 0);
        List<String> problems = new ArrayList<>();
        for (int e = 0; e < v * d; e++) {
            String wf = String.format(Locale.ROOT, "%08x", Float.floatToRawIntBits(dwF[e]));
            String wd = String.format(Locale.ROOT, "%016x", Double.doubleToRawLongBits(dwD[e]));
            if (!wf.equals(got.get("F " + e))) problems.add("f32 dweight[" + e + "]: kernel " + got.get("F " + e) + ", CPU " + wf);
            if (!wd.equals(got.get("D " + e))) problems.add("f64 dweight[" + e + "]: kernel " + got.get("D " + e) + ", CPU " + wd);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(2 * v * d, got.size());
    }
}
