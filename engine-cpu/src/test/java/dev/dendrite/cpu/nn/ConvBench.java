package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.ops.Conv2dParams;
import java.util.Random;

/**
 * Float32 convolution timings, not a test. Run with the test classpath, e.g.
 * {@code java --add-modules jdk.incubator.vector -cp ... dev.dendrite.cpu.nn.ConvBench}. For each
 * case reports the best of several timed runs (after warm-up) of forward, backward-data and
 * backward-filter, and their sum.
 */
public final class ConvBench {
    private ConvBench() {
    }

    public static void main(String[] args) {
        System.out.printf("GEMM %s, threads=%d%n", Gemm.kernelDescription(), Parallel.threads());
        run("3x3 conv 64->64, x[64,64,32,32] pad 1", new int[]{64, 64, 32, 32}, new int[]{64, 64, 3, 3}, Conv2dParams.of(1, 1));
        run("depthwise 3x3, x[64,32,56,56] pad 1", new int[]{64, 32, 56, 56}, new int[]{32, 1, 3, 3}, Conv2dParams.of(1, 1).withGroups(32));
        run("1x1 conv 64->128, x[64,64,32,32]", new int[]{64, 64, 32, 32}, new int[]{128, 64, 1, 1}, Conv2dParams.defaults());
    }

    private static void run(String name, int[] xs, int[] ws, Conv2dParams p) {
        int[] ys = ConvOracle.outputShape(xs, ws, p);
        Random rnd = new Random(1);
        float[] x = fill(rnd, size(xs)), w = fill(rnd, size(ws)), dy = fill(rnd, size(ys));
        float[] y = new float[size(ys)], dx = new float[size(xs)], dw = new float[size(ws)];
        double fwd = Double.MAX_VALUE, data = Double.MAX_VALUE, filter = Double.MAX_VALUE, total = Double.MAX_VALUE;
        for (int round = 0; round < 40; round++) {
            long t0 = System.nanoTime();
            Conv2dKernels.forward(x, 0, xs, w, 0, ws, p, y, 0, ys);
            long t1 = System.nanoTime();
            Conv2dKernels.backwardData(dy, 0, ys, w, 0, ws, p, dx, 0, xs);
            long t2 = System.nanoTime();
            Conv2dKernels.backwardFilter(x, 0, xs, dy, 0, ys, p, dw, 0, ws);
            long t3 = System.nanoTime();
            if (round < 5) continue;
            fwd = Math.min(fwd, (t1 - t0) / 1e6);
            data = Math.min(data, (t2 - t1) / 1e6);
            filter = Math.min(filter, (t3 - t2) / 1e6);
            total = Math.min(total, (t3 - t0) / 1e6);
        }
        double flops = 2.0 * ys[0] * ys[1] * ys[2] * ys[3] * ws[1] * ws[2] * ws[3];
        System.out.printf("%-42s fwd %7.2f ms  bwd-data %7.2f ms  bwd-filter %7.2f ms  total %7.2f ms  (%.1f GFLOP/s)%n",
                name, fwd, data, filter, total, 3 * flops / total / 1e6);
    }

    private static float[] fill(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() - 0.5f;
        return a;
    }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) n *= d;
        return n;
    }
}
