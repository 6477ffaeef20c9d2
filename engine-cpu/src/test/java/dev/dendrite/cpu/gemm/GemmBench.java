package dev.dendrite.cpu.gemm;

import dev.dendrite.cpu.Parallel;
import java.util.Random;

/**
 * SGEMM/DGEMM throughput, not a test. Run with the test classpath, e.g.
 * {@code java --add-modules jdk.incubator.vector -Ddendrite.cpu.threads=1 -cp ... dev.dendrite.cpu.gemm.GemmBench 256 512 1024 2048}.
 * Flags: {@code --double} for DGEMM, {@code --scalar} for the scalar path, {@code --tn}/{@code --nt}/{@code --tt}
 * for transposed operands; a size is {@code N} (square) or {@code MxNxK}. Reports the best of five timed
 * rounds after three warm-up rounds, as GFLOP/s counting 2·m·n·k; best-of because the machines we
 * share are noisy and the best round is the one least disturbed.
 */
public final class GemmBench {
    private GemmBench() {
    }

    public static void main(String[] args) {
        boolean dbl = false, scalar = false, ta = false, tb = false;
        java.util.List<int[]> sizes = new java.util.ArrayList<>();
        for (String s : args) {
            switch (s) {
                case "--double" -> dbl = true;
                case "--scalar" -> scalar = true;
                case "--tn" -> ta = true;
                case "--nt" -> tb = true;
                case "--tt" -> { ta = true; tb = true; }
                default -> sizes.add(parseSize(s));
            }
        }
        if (sizes.isEmpty()) for (int s : new int[]{256, 512, 1024, 2048}) sizes.add(new int[]{s, s, s});
        System.out.printf("%s %s%s%s, threads=%d%n", dbl ? "dgemm" : "sgemm",
                scalar ? "scalar" : Gemm.kernelDescription(), ta ? " transA" : "", tb ? " transB" : "", Parallel.threads());
        Random rnd = new Random(1);
        for (int[] size : sizes) {
            int m = size[0], n = size[1], k = size[2];
            double flops = 2.0 * m * n * k;
            // enough repetitions for ~1 s of work per measurement at ~100 GFLOP/s
            int reps = (int) Math.max(1, Math.min(2000, 2e10 / flops / 10));
            double best = Double.MAX_VALUE;
            if (dbl) {
                double[] a = new double[m * k], b = new double[k * n], c = new double[m * n];
                for (int i = 0; i < a.length; i++) a[i] = rnd.nextDouble() - 0.5;
                for (int i = 0; i < b.length; i++) b[i] = rnd.nextDouble() - 0.5;
                int lda = ta ? m : k, ldb = tb ? k : n;
                for (int round = 0; round < 8; round++) {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        if (scalar) ScalarGemm.dgemm(ta, tb, m, n, k, 1.0, a, 0, lda, b, 0, ldb, 0.0, c, 0, n);
                        else Gemm.dgemm(ta, tb, m, n, k, 1.0, a, 0, lda, b, 0, ldb, 0.0, c, 0, n);
                    }
                    if (round >= 3) best = Math.min(best, (System.nanoTime() - t0) / (double) reps);
                }
            } else {
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
                for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
                int lda = ta ? m : k, ldb = tb ? k : n;
                for (int round = 0; round < 8; round++) {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        if (scalar) ScalarGemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                        else Gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                    }
                    if (round >= 3) best = Math.min(best, (System.nanoTime() - t0) / (double) reps);
                }
            }
            String name = m == n && n == k ? m + "^3" : m + "x" + n + "x" + k;
            System.out.printf("%14s: %8.1f GFLOP/s  (%.3f ms)%n", name, flops / best, best / 1e6);
        }
    }

    /** {@code "1024"} (square) or {@code "MxNxK"}. */
    private static int[] parseSize(String s) {
        String[] p = s.split("x");
        if (p.length == 1) {
            int v = Integer.parseInt(s);
            return new int[]{v, v, v};
        }
        if (p.length != 3) throw new IllegalArgumentException("GemmBench: size must be N or MxNxK, got '" + s + "'");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }
}
