package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.Engine;
import dev.dendrite.Shape;
import dev.dendrite.ops.*;
import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.Storage;
import dev.dendrite.spi.View;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every SPI method of the CUDA backend against the CPU backend, on a GPU. Skipped (with the probe's
 * reason) where the CUDA backend is unavailable; the integration-tests module's op catalog is the
 * fuller parity suite, this one checks the backend's own plumbing (strides, offsets, dtypes, error
 * paths) op by op.
 */
@Tag("gpu")
class CudaParityTest {
    private static Backend cpu, cuda;
    private final List<Storage> cpuLive = new ArrayList<>(), cudaLive = new ArrayList<>();
    private final Random rnd = new Random(1234);

    @BeforeAll
    static void needsAGpu() {
        Availability a = new CudaBackendProvider().probe();
        assumeTrue(a.isAvailable(), () -> "CUDA backend unavailable: " + a.reason());
        cuda = new CudaBackendProvider().create();
        cpu = Engine.backend("cpu");
    }

    @AfterEach
    void freeAll() {
        for (Storage s : cpuLive) cpu.free(s);
        for (Storage s : cudaLive) cuda.free(s);
        cpuLive.clear();
        cudaLive.clear();
    }

    /** The same tensor on both backends: a storage of {@code storageLength} elements and a (possibly strided) view on it. */
    private record Pair(View cpu, View cuda) {
        int[] shape() {
            return cpu.shape();
        }
    }

    private Object hostData(DType dt, int n, boolean positive) {
        return switch (dt) {
            case FLOAT32 -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float) (positive ? 0.1 + rnd.nextDouble() * 2 : rnd.nextGaussian()); yield a; }
            case FLOAT64 -> { double[] a = new double[n]; for (int i = 0; i < n; i++) a[i] = positive ? 0.1 + rnd.nextDouble() * 2 : rnd.nextGaussian(); yield a; }
            case INT32 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = rnd.nextInt(19) - 9 + (positive ? 10 : 0); yield a; }
            case INT64 -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = rnd.nextInt(19) - 9 + (positive ? 10 : 0); yield a; }
        };
    }

    private Pair pair(Object host, int[] shape, int[] strides, int offset) {
        DType dt = host instanceof float[] ? DType.FLOAT32 : host instanceof double[] ? DType.FLOAT64 : host instanceof int[] ? DType.INT32 : DType.INT64;
        int n = java.lang.reflect.Array.getLength(host);
        Storage c = cpu.allocate(dt, n), g = cuda.allocate(dt, n);
        cpuLive.add(c);
        cudaLive.add(g);
        cpu.writeFromHost(host, 0, c, 0, n);
        cuda.writeFromHost(host, 0, g, 0, n);
        return new Pair(new View(c, shape, strides, offset), new View(g, shape, strides, offset));
    }

    /** A dense random tensor. */
    private Pair random(DType dt, int... shape) {
        return pair(hostData(dt, Math.max(Shape.of(shape).numel(), 1), false), shape, Shape.of(shape).contiguousStrides(), 0);
    }

    private Pair positive(DType dt, int... shape) {
        return pair(hostData(dt, Math.max(Shape.of(shape).numel(), 1), true), shape, Shape.of(shape).contiguousStrides(), 0);
    }

    /** A random tensor whose last two dimensions are transposed in memory (non-contiguous). */
    private Pair transposed(DType dt, int... shape) {
        int r = shape.length;
        int[] base = shape.clone();
        base[r - 1] = shape[r - 2];
        base[r - 2] = shape[r - 1];
        int[] st = Shape.of(base).contiguousStrides();
        int[] vs = st.clone();
        vs[r - 1] = st[r - 2];
        vs[r - 2] = st[r - 1];
        return pair(hostData(dt, Shape.of(base).numel(), false), shape, vs, 0);
    }

    /** Uninitialised dense outputs on both backends. */
    private Pair out(DType dt, int... shape) {
        int n = Shape.of(shape).numel();
        Storage c = cpu.allocate(dt, n), g = cuda.allocate(dt, n);
        cpuLive.add(c);
        cudaLive.add(g);
        return new Pair(new View(c, shape, Shape.of(shape).contiguousStrides(), 0), new View(g, shape, Shape.of(shape).contiguousStrides(), 0));
    }

    private static double[] read(Backend b, View v) {
        int n = v.numel();
        Object a = switch (v.dtype()) {
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case INT32 -> new int[n];
            case INT64 -> new long[n];
        };
        if (!v.isContiguous()) throw new IllegalStateException("compare dense outputs only: " + v);
        b.readToHost(v.storage(), v.offset(), a, 0, n);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = ((Number) java.lang.reflect.Array.get(a, i)).doubleValue();
        return d;
    }

    /** Asserts cpu ≈ cuda within atol + rtol·|cpu| (NaN must match NaN), naming the worst element. */
    private static void close(String what, Pair p, double atol, double rtol) {
        double[] c = read(cpu, p.cpu()), g = read(cuda, p.cuda());
        double worst = -1;
        int at = -1;
        for (int i = 0; i < c.length; i++) {
            boolean ok = Double.isNaN(c[i]) ? Double.isNaN(g[i]) : Math.abs(c[i] - g[i]) <= atol + rtol * Math.abs(c[i]);
            double err = Double.isNaN(c[i]) || Double.isNaN(g[i]) ? Double.POSITIVE_INFINITY : Math.abs(c[i] - g[i]);
            if (!ok && err > worst) {
                worst = err;
                at = i;
            }
        }
        if (at >= 0)
            fail(String.format(Locale.ROOT, "%s mismatch on %s %s: max |cpu-cuda| = %.3g at %d (cpu=%.8g, cuda=%.8g), atol=%.0e rtol=%.0e", what,
                    Arrays.toString(p.shape()), p.cpu().dtype().shortName(), worst, at, c[at], g[at], atol, rtol));
    }

    private static double tol(DType dt) {
        return dt == DType.FLOAT64 ? 1e-12 : 1e-5;
    }

    // ---- layout, creation, random ---------------------------------------------------------------

    @Test
    void transfersCopiesAndConversions() {
        for (DType s : DType.values())
            for (DType d : DType.values()) {
                Pair src = transposed(s, 3, 4, 5), dst = out(d, 3, 4, 5);
                cpu.copy(src.cpu(), dst.cpu());
                cuda.copy(src.cuda(), dst.cuda());
                close("copy " + s + "->" + d, dst, 0, 0);
            }
        // A broadcast source into a strided window of a bigger tensor.
        Pair src = random(DType.FLOAT32, 4), big = out(DType.FLOAT32, 6, 8);
        cpu.fill(big.cpu(), 0);
        cuda.fill(big.cuda(), 0);
        View cw = new View(big.cpu().storage(), new int[]{3, 4}, new int[]{16, 2}, 1), gw = new View(big.cuda().storage(), new int[]{3, 4}, new int[]{16, 2}, 1);
        View cs = new View(src.cpu().storage(), new int[]{3, 4}, new int[]{0, 1}, 0), gs = new View(src.cuda().storage(), new int[]{3, 4}, new int[]{0, 1}, 0);
        cpu.copy(cs, cw);
        cuda.copy(gs, gw);
        close("copy broadcast into window", big, 0, 0);
        // A large transfer crosses the staging buffer in chunks.
        Pair large = random(DType.FLOAT64, 3_000_001);
        close("round trip of 3M doubles", large, 0, 0);
    }

    @Test
    void fillArangeAndPhilox() {
        for (DType dt : DType.values()) {
            Pair f = out(dt, 1000), a = out(dt, 999);
            cpu.fill(f.cpu(), -2.75);
            cuda.fill(f.cuda(), -2.75);
            close("fill", f, 0, 0);
            cpu.arange(a.cpu(), -3.5, 0.1);
            cuda.arange(a.cuda(), -3.5, 0.1);
            close("arange", a, 0, 0);
        }
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            Pair u = out(dt, 10_007), n = out(dt, 10_007);
            cpu.randUniform(u.cpu(), 42, 7, -1, 3);
            cuda.randUniform(u.cuda(), 42, 7, -1, 3);
            close("randUniform (bit-identical Philox)", u, 0, 0);
            cpu.randNormal(n.cpu(), 42, 8, 0.5, 2);
            cuda.randNormal(n.cuda(), 42, 8, 0.5, 2);
            close("randNormal (Box-Muller, last-ulp libm differences)", n, tol(dt), tol(dt));
        }
    }

    // ---- elementwise and reductions -------------------------------------------------------------

    @Test
    void unaryOpsOnStridedInputs() {
        for (DType dt : DType.values())
            for (UnaryOp op : UnaryOp.values()) {
                boolean intOk = switch (op) { case NEG, ABS, SQUARE, RELU, SIGN, CLAMP -> true; default -> false; };
                if (!dt.isFloatingPoint() && !intOk) continue;
                boolean pos = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
                Pair x = pos ? positive(dt, 7, 9) : transposed(dt, 7, 9), y = out(dt, 7, 9);
                cpu.unary(op, x.cpu(), y.cpu(), -0.5, 0.75);
                cuda.unary(op, x.cuda(), y.cuda(), -0.5, 0.75);
                close("unary " + op, y, tol(dt), tol(dt));
            }
    }

    @Test
    void binaryOpsWithBroadcasting() {
        for (DType dt : DType.values())
            for (BinaryOp op : BinaryOp.values()) {
                if (op == BinaryOp.POW && !dt.isFloatingPoint()) continue;
                Pair a = random(dt, 4, 5, 6), y = out(dt, 4, 5, 6);
                Pair b = op == BinaryOp.DIV || op == BinaryOp.POW ? positive(dt, 5, 1) : random(dt, 5, 1);
                View cb = new View(b.cpu().storage(), new int[]{4, 5, 6}, new int[]{0, 1, 0}, 0);
                View gb = new View(b.cuda().storage(), new int[]{4, 5, 6}, new int[]{0, 1, 0}, 0);
                Pair pa = op == BinaryOp.POW ? positive(dt, 4, 5, 6) : a;
                cpu.binary(op, pa.cpu(), cb, y.cpu());
                cuda.binary(op, pa.cuda(), gb, y.cuda());
                close("binary " + op, y, tol(dt), tol(dt));
                Pair ys = out(dt, 4, 5, 6);
                cpu.binaryScalar(op, pa.cpu(), 3, true, ys.cpu());
                cuda.binaryScalar(op, pa.cuda(), 3, true, ys.cuda());
                close("binaryScalar " + op, ys, tol(dt), tol(dt));
            }
        Pair a = random(DType.INT64, 10), z = pair(new long[]{1, 2, 0, 4, 5, 6, 7, 8, 9, 10}, new int[]{10}, new int[]{1}, 0), y = out(DType.INT64, 10);
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> cuda.binary(BinaryOp.DIV, a.cuda(), z.cuda(), y.cuda()));
        assertEquals("div: integer division by zero", e.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> cuda.binaryScalar(BinaryOp.ADD, a.cuda(), 0.5, false, y.cuda()));
        assertEquals("add: scalar 0.5 is not an integer, tensor is INT64", s.getMessage());
    }

    @Test
    void reductionsAndArgReductions() {
        int[][] axesList = {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
        for (DType dt : DType.values())
            for (ReduceOp op : ReduceOp.values()) {
                if (op == ReduceOp.MEAN && !dt.isFloatingPoint()) continue;
                for (int[] axes : axesList)
                    for (int big = 0; big < 2; big++) {
                        int[] shape = big == 0 ? new int[]{3, 4, 5} : new int[]{2, 300, 70};
                        Pair x = transposed(dt, shape);
                        int[] ys = shape.clone();
                        for (int ax : axes) ys[ax] = 1;
                        Pair y = out(dt, ys);
                        cpu.reduce(op, x.cpu(), axes, y.cpu());
                        cuda.reduce(op, x.cuda(), axes, y.cuda());
                        close("reduce " + op + " axes " + Arrays.toString(axes), y, dt == DType.FLOAT32 ? 1e-4 : tol(dt), dt == DType.FLOAT32 ? 1e-5 : tol(dt));
                    }
            }
        for (DType dt : DType.values())
            for (int axis = 0; axis < 3; axis++)
                for (boolean max : new boolean[]{true, false}) {
                    Pair x = transposed(dt, 4, 100, 6);
                    int[] ys = {4, 100, 6};
                    ys[axis] = 1;
                    Pair y = out(DType.INT64, ys);
                    cpu.argReduce(max, x.cpu(), axis, y.cpu());
                    cuda.argReduce(max, x.cuda(), axis, y.cuda());
                    close((max ? "argmax" : "argmin") + " axis " + axis, y, 0, 0);
                }
    }

    @Test
    void matmulEveryTransposeAndBatchLayout() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (boolean ta : new boolean[]{false, true})
                for (boolean tb : new boolean[]{false, true})
                    for (int layout = 0; layout < 3; layout++) {
                        int m = 17, k = 33, n = 9;
                        int[] as = ta ? new int[]{2, 3, k, m} : new int[]{2, 3, m, k}, bs = tb ? new int[]{2, 3, n, k} : new int[]{2, 3, k, n};
                        Pair a = layout == 1 ? transposed(dt, as) : random(dt, as);
                        Pair b = layout == 2 ? transposed(dt, bs) : random(dt, bs);
                        if (layout == 2) { // a broadcast along the first batch dimension
                            int[] one = as.clone();
                            one[0] = 1;
                            Pair a1 = random(dt, one);
                            int[] st = Shape.of(one).contiguousStrides();
                            st[0] = 0;
                            a = new Pair(new View(a1.cpu().storage(), as, st, 0), new View(a1.cuda().storage(), as, st, 0));
                        }
                        Pair c = out(dt, 2, 3, m, n);
                        cpu.matmul(a.cpu(), ta, b.cpu(), tb, c.cpu());
                        cuda.matmul(a.cuda(), ta, b.cuda(), tb, c.cuda());
                        close("matmul ta=" + ta + " tb=" + tb + " layout " + layout, c, dt == DType.FLOAT32 ? 1e-4 : 1e-11, dt == DType.FLOAT32 ? 1e-4 : 1e-11);
                    }
    }

    // ---- convolution, pooling, upsampling -------------------------------------------------------

    @Test
    void convolutionAllDirectionsWithGroupsStrideDilation() {
        Conv2dParams[] params = {Conv2dParams.of(1, 1), new Conv2dParams(2, 1, 1, 2, 1, 2, 1), new Conv2dParams(1, 2, 0, 1, 2, 1, 2),
                new Conv2dParams(1, 1, 1, 1, 1, 1, 4)};
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (Conv2dParams p : params) {
                int g = p.groups();
                Shape xs = Shape.of(2, 4, 11, 9), ws = Shape.of(8, 4 / g, 3, 3);
                Shape ys = dev.dendrite.ShapeRules.conv2d(xs, ws, p);
                Pair x = random(dt, xs.toArray()), w = random(dt, ws.toArray()), y = out(dt, ys.toArray());
                cpu.conv2dForward(x.cpu(), w.cpu(), p, y.cpu());
                cuda.conv2dForward(x.cuda(), w.cuda(), p, y.cuda());
                double t = dt == DType.FLOAT32 ? 1e-4 : 1e-11;
                close("conv2d forward " + p, y, t, t);
                Pair dy = random(dt, ys.toArray()), dx = out(dt, xs.toArray()), dw = out(dt, ws.toArray()), db = out(dt, 8);
                cpu.conv2dBackwardData(dy.cpu(), w.cpu(), p, dx.cpu());
                cuda.conv2dBackwardData(dy.cuda(), w.cuda(), p, dx.cuda());
                close("conv2d backward data " + p, dx, t, t);
                cpu.conv2dBackwardFilter(x.cpu(), dy.cpu(), p, dw.cpu());
                cuda.conv2dBackwardFilter(x.cuda(), dy.cuda(), p, dw.cuda());
                close("conv2d backward filter " + p, dw, t, t);
                cpu.conv2dBackwardBias(dy.cpu(), db.cpu());
                cuda.conv2dBackwardBias(dy.cuda(), db.cuda());
                close("conv2d backward bias", db, t, t);
            }
    }

    @Test
    void poolingAndUpsampling() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            for (PoolMode mode : PoolMode.values())
                for (Pool2dParams p : new Pool2dParams[]{Pool2dParams.of(mode, 2, 2, 0), new Pool2dParams(mode, 3, 2, 2, 1, 1, 1)}) {
                    Shape xs = Shape.of(2, 3, 9, 8), ys = dev.dendrite.ShapeRules.pool2d(xs, p);
                    Pair x = random(dt, xs.toArray()), y = out(dt, ys.toArray()), dy = random(dt, ys.toArray()), dx = out(dt, xs.toArray());
                    cpu.pool2dForward(x.cpu(), p, y.cpu());
                    cuda.pool2dForward(x.cuda(), p, y.cuda());
                    close("pool2d " + p, y, tol(dt), tol(dt));
                    cpu.pool2dBackward(x.cpu(), y.cpu(), dy.cpu(), p, dx.cpu());
                    cuda.pool2dBackward(x.cuda(), y.cuda(), dy.cuda(), p, dx.cuda());
                    close("pool2d backward " + p, dx, tol(dt), tol(dt));
                }
            for (UpsampleMode mode : UpsampleMode.values()) {
                Pair x = random(dt, 2, 3, 5, 4), y = out(dt, 2, 3, 10, 8), dy = random(dt, 2, 3, 10, 8), dx = out(dt, 2, 3, 5, 4);
                cpu.upsample2x(mode, x.cpu(), y.cpu());
                cuda.upsample2x(mode, x.cuda(), y.cuda());
                close("upsample2x " + mode, y, 0, 0);
                cpu.upsample2xBackward(mode, dy.cpu(), dx.cpu());
                cuda.upsample2xBackward(mode, dy.cuda(), dx.cuda());
                close("upsample2x backward " + mode, dx, 0, 0);
            }
        }
    }

    // ---- normalisation, activations, dropout, softmax -------------------------------------------

    @Test
    void batchNormTrainingInferenceBackward() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (int[] shape : new int[][]{{16, 6}, {4, 6, 5, 7}}) {
                double t = dt == DType.FLOAT32 ? 1e-4 : 1e-10;
                Pair x = random(dt, shape), gamma = random(dt, 6), beta = random(dt, 6), rm = random(dt, 6), rv = positive(dt, 6);
                Pair y = out(dt, shape), sm = out(dt, 6), si = out(dt, 6);
                BatchNormParams p = new BatchNormParams(1e-5, 0.1);
                cpu.batchNormForwardTraining(x.cpu(), gamma.cpu(), beta.cpu(), p, rm.cpu(), rv.cpu(), y.cpu(), sm.cpu(), si.cpu());
                cuda.batchNormForwardTraining(x.cuda(), gamma.cuda(), beta.cuda(), p, rm.cuda(), rv.cuda(), y.cuda(), sm.cuda(), si.cuda());
                close("batchNorm training y", y, t, t);
                close("batchNorm saved mean", sm, t, t);
                close("batchNorm saved 1/std", si, t, t);
                close("batchNorm running mean", rm, t, t);
                close("batchNorm running var (unbiased)", rv, t, t);
                Pair yi = out(dt, shape);
                cpu.batchNormForwardInference(x.cpu(), gamma.cpu(), beta.cpu(), rm.cpu(), rv.cpu(), 1e-5, yi.cpu());
                cuda.batchNormForwardInference(x.cuda(), gamma.cuda(), beta.cuda(), rm.cuda(), rv.cuda(), 1e-5, yi.cuda());
                close("batchNorm inference", yi, t, t);
                Pair dy = random(dt, shape), dx = out(dt, shape), dg = out(dt, 6), dbeta = out(dt, 6);
                cpu.batchNormBackward(x.cpu(), dy.cpu(), gamma.cpu(), sm.cpu(), si.cpu(), dx.cpu(), dg.cpu(), dbeta.cpu());
                cuda.batchNormBackward(x.cuda(), dy.cuda(), gamma.cuda(), sm.cuda(), si.cuda(), dx.cuda(), dg.cuda(), dbeta.cuda());
                close("batchNorm backward dx", dx, t, t);
                close("batchNorm backward dgamma", dg, t, t);
                close("batchNorm backward dbeta", dbeta, t, t);
            }
    }

    @Test
    void activationBackwardSoftmaxAndDropout() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            for (ActivationOp op : ActivationOp.values()) {
                Pair x = random(dt, 50), y = out(dt, 50), dy = random(dt, 50), dx = out(dt, 50);
                UnaryOp fwd = UnaryOp.valueOf(op.name());
                cpu.unary(fwd, x.cpu(), y.cpu(), 0.2, 0);
                cuda.unary(fwd, x.cuda(), y.cuda(), 0.2, 0);
                boolean readsY = op == ActivationOp.SIGMOID || op == ActivationOp.TANH;
                cpu.activationBackward(op, readsY ? null : x.cpu(), readsY ? y.cpu() : null, dy.cpu(), 0.2, dx.cpu());
                cuda.activationBackward(op, readsY ? null : x.cuda(), readsY ? y.cuda() : null, dy.cuda(), 0.2, dx.cuda());
                close("activationBackward " + op, dx, tol(dt), tol(dt));
            }
            for (boolean log : new boolean[]{false, true})
                for (int axis = 0; axis < 3; axis++) {
                    Pair x = transposed(dt, 3, 7, 5), y = out(dt, 3, 7, 5), dy = random(dt, 3, 7, 5), dx = out(dt, 3, 7, 5);
                    cpu.softmax(x.cpu(), axis, log, y.cpu());
                    cuda.softmax(x.cuda(), axis, log, y.cuda());
                    close((log ? "logSoftmax" : "softmax") + " axis " + axis, y, tol(dt), tol(dt));
                    cpu.softmaxBackward(y.cpu(), dy.cpu(), axis, log, dx.cpu());
                    cuda.softmaxBackward(y.cuda(), dy.cuda(), axis, log, dx.cuda());
                    close((log ? "logSoftmax" : "softmax") + " backward axis " + axis, dx, tol(dt), tol(dt));
                }
            Pair x = random(dt, 1001), y = out(dt, 1001), mask = out(dt, 1001);
            cpu.dropout(x.cpu(), 0.3, 5, 9, y.cpu(), mask.cpu());
            cuda.dropout(x.cuda(), 0.3, 5, 9, y.cuda(), mask.cuda());
            close("dropout mask (same Philox draws)", mask, 0, 0);
            close("dropout y", y, 0, 0);
        }
    }

    // ---- losses and lookups ---------------------------------------------------------------------

    @Test
    void crossEntropyEmbeddingAndTheirErrors() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (DType it : new DType[]{DType.INT32, DType.INT64})
                for (Reduction red : Reduction.values()) {
                    Pair logits = random(dt, 9, 5);
                    Object labels = it == DType.INT32 ? new int[]{0, 4, 2, -100, 1, 3, 3, 0, 2} : new long[]{0, 4, 2, -100, 1, 3, 3, 0, 2};
                    Pair lab = pair(labels, new int[]{9}, new int[]{1}, 0);
                    CrossEntropyParams p = new CrossEntropyParams(red, -100, 0.1);
                    Pair loss = red == Reduction.NONE ? out(dt, 9) : out(dt), dl = out(dt, 9, 5);
                    cpu.softmaxCrossEntropy(logits.cpu(), lab.cpu(), p, loss.cpu(), dl.cpu());
                    cuda.softmaxCrossEntropy(logits.cuda(), lab.cuda(), p, loss.cuda(), dl.cuda());
                    close("crossEntropy " + red + " loss", loss, tol(dt), tol(dt));
                    close("crossEntropy " + red + " dlogits", dl, tol(dt), tol(dt));
                }
        Pair logits = random(DType.FLOAT32, 3, 4), bad = pair(new long[]{1, 7, 2}, new int[]{3}, new int[]{1}, 0), loss = out(DType.FLOAT32);
        IllegalArgumentException ce = assertThrows(IllegalArgumentException.class,
                () -> cuda.softmaxCrossEntropy(logits.cuda(), bad.cuda(), CrossEntropyParams.mean(), loss.cuda(), null));
        assertEquals("crossEntropy: label 7 at sample 1 is out of range [0, 4)", ce.getMessage());

        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            Pair w = random(dt, 7, 6), idx = pair(new int[]{3, 0, 3, 6, 3, 1}, new int[]{6}, new int[]{1}, 0), rows = out(dt, 6, 6);
            cpu.embedding(w.cpu(), idx.cpu(), rows.cpu());
            cuda.embedding(w.cuda(), idx.cuda(), rows.cuda());
            close("embedding", rows, 0, 0);
            Pair drows = random(dt, 6, 6), dw = out(dt, 7, 6);
            cpu.embeddingBackward(idx.cpu(), drows.cpu(), dw.cpu());
            cuda.embeddingBackward(idx.cuda(), drows.cuda(), dw.cuda());
            close("embedding backward (repeated index 3)", dw, 0, 0);
        }
        Pair w = random(DType.FLOAT32, 7, 6), badIdx = pair(new long[]{1, 2, 9}, new int[]{3}, new int[]{1}, 0), rows = out(DType.FLOAT32, 3, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cuda.embedding(w.cuda(), badIdx.cuda(), rows.cuda()));
        assertEquals("embedding: index 9 at position 2 is out of range [0, 7)", e.getMessage());
    }

    // ---- recurrent ------------------------------------------------------------------------------

    @Test
    void recurrentNetworksForwardAndBackward() {
        RnnParams[] nets = {RnnParams.of(RnnMode.RNN_TANH, 3, 4), RnnParams.of(RnnMode.RNN_RELU, 3, 4), new RnnParams(RnnMode.LSTM, 5, 6, 2, true, 0, 0),
                new RnnParams(RnnMode.GRU, 4, 3, 2, false, 0, 0), new RnnParams(RnnMode.LSTM, 4, 5, 3, false, 0.4, 77)};
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (RnnParams p : nets)
                for (int[] lens : new int[][]{null, {5, 3, 1}}) {
                    int steps = 5, batch = 3;
                    double t = dt == DType.FLOAT32 ? 1e-4 : 1e-10;
                    Pair x = random(dt, steps, batch, p.inputSize());
                    Pair hx = random(dt, p.stateShape(batch).toArray()), cx = p.mode().hasCellState() ? random(dt, p.stateShape(batch).toArray()) : null;
                    Pair[] w = new Pair[p.weightCount()];
                    for (int i = 0; i < w.length; i++) w[i] = random(dt, p.weightShape(i).toArray());
                    View[] wc = Arrays.stream(w).map(Pair::cpu).toArray(View[]::new), wg = Arrays.stream(w).map(Pair::cuda).toArray(View[]::new);
                    Pair y = out(dt, p.outputShape(steps, batch).toArray()), hy = out(dt, p.stateShape(batch).toArray());
                    Pair cy = cx == null ? null : out(dt, p.stateShape(batch).toArray());
                    String what = p + " " + dt + " lengths " + Arrays.toString(lens);
                    Backend.RnnReserve rc = cpu.rnnForward(p, true, 3, lens, x.cpu(), hx.cpu(), cx == null ? null : cx.cpu(), wc, y.cpu(), hy.cpu(),
                            cy == null ? null : cy.cpu());
                    Backend.RnnReserve rg = cuda.rnnForward(p, true, 3, lens, x.cuda(), hx.cuda(), cx == null ? null : cx.cuda(), wg, y.cuda(),
                            hy.cuda(), cy == null ? null : cy.cuda());
                    try {
                        close("rnn forward y " + what, y, t, t);
                        close("rnn forward hy " + what, hy, t, t);
                        if (cy != null) close("rnn forward cy " + what, cy, t, t);
                        Pair dy = random(dt, y.shape()), dhy = random(dt, hy.shape()), dcy = cy == null ? null : random(dt, cy.shape());
                        Pair dx = out(dt, x.shape()), dhx = out(dt, hx.shape()), dcx = cx == null ? null : out(dt, cx.shape());
                        cpu.rnnBackwardData(p, lens, rc, y.cpu(), dy.cpu(), hx.cpu(), dhy.cpu(), cx == null ? null : cx.cpu(),
                                dcy == null ? null : dcy.cpu(), wc, dx.cpu(), dhx.cpu(), dcx == null ? null : dcx.cpu());
                        cuda.rnnBackwardData(p, lens, rg, y.cuda(), dy.cuda(), hx.cuda(), dhy.cuda(), cx == null ? null : cx.cuda(),
                                dcy == null ? null : dcy.cuda(), wg, dx.cuda(), dhx.cuda(), dcx == null ? null : dcx.cuda());
                        close("rnn backward dx " + what, dx, t, t);
                        close("rnn backward dhx " + what, dhx, t, t);
                        if (dcx != null) close("rnn backward dcx " + what, dcx, t, t);
                        Pair[] dw = new Pair[w.length];
                        for (int i = 0; i < w.length; i++) dw[i] = out(dt, w[i].shape());
                        cpu.rnnBackwardWeights(p, lens, rc, x.cpu(), hx.cpu(), y.cpu(), Arrays.stream(dw).map(Pair::cpu).toArray(View[]::new));
                        cuda.rnnBackwardWeights(p, lens, rg, x.cuda(), hx.cuda(), y.cuda(), Arrays.stream(dw).map(Pair::cuda).toArray(View[]::new));
                        for (int i = 0; i < dw.length; i++) close("rnn backward " + p.weightName(i) + " " + what, dw[i], t, t);
                    } finally {
                        rc.close();
                        rg.close();
                    }
                }
    }
}
