package dev.dendrite.cpu;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.cpu.nn.ActivationKernels;
import dev.dendrite.cpu.nn.BatchNormKernels;
import dev.dendrite.cpu.nn.Conv2dKernels;
import dev.dendrite.cpu.nn.EmbeddingKernels;
import dev.dendrite.cpu.nn.LossKernels;
import dev.dendrite.cpu.nn.Pool2dKernels;
import dev.dendrite.cpu.nn.RnnKernels;
import dev.dendrite.cpu.nn.SoftmaxKernels;
import dev.dendrite.cpu.nn.UpsampleKernels;
import dev.dendrite.ops.*;
import dev.dendrite.random.Philox;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.FusedAdam;
import dev.dendrite.spi.Storage;
import dev.dendrite.spi.View;

/**
 * The reference backend: pure Java on heap arrays, multi-threaded through {@link Parallel}. Its
 * semantics are the ones the CUDA backend is checked against (cuDNN's conventions, documented on
 * the parameter records). Elementwise ops and reductions run here; the heavy kernels live in
 * {@code dev.dendrite.cpu.gemm} and {@code dev.dendrite.cpu.nn}, which work on dense arrays.
 */
final class CpuBackend implements Backend, FusedAdam {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int length) {
        Object reused = POOL.take(dtype, length);
        return reused != null ? new CpuStorage(dtype, reused, length) : new CpuStorage(dtype, length);
    }

    @Override
    public void free(Storage storage) {
        // Note [Storage reuse]: the array is kept for the next tensor of its size; the rest goes to the garbage collector.
        POOL.give((CpuStorage) storage);
    }

    /** Freed arrays for reuse, shared by every CpuBackend instance (Note [Storage reuse]). */
    static final CpuStoragePool POOL = new CpuStoragePool();

    @Override
    public void writeFromHost(Object hostArray, int srcOffset, Storage dst, int dstOffset, int length) {
        System.arraycopy(hostArray, srcOffset, array(dst), dstOffset, length);
    }

    @Override
    public void readToHost(Storage src, int srcOffset, Object hostArray, int dstOffset, int length) {
        System.arraycopy(array(src), srcOffset, hostArray, dstOffset, length);
    }

    static Object array(Storage s) {
        return ((CpuStorage) s).array;
    }

    static Object array(View v) {
        return ((CpuStorage) v.storage()).array;
    }

    // ---- layout and creation ------------------------------------------------------------------

    @Override
    public void copy(View src, View dst) {
        // An empty view's offset may lie past the end of its array, where even a 0-length arraycopy throws.
        if (dst.numel() == 0) return;
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()) {
            System.arraycopy(array(src), src.offset(), array(dst), dst.offset(), dst.numel());
            return;
        }
        boolean integral = !src.dtype().isFloatingPoint();
        StridedRows rows = new StridedRows(dst.shape(), new int[][]{src.strides(), dst.strides()}, new int[]{src.offset(), dst.offset()});
        Object in = array(src), out = array(dst);
        int si = rows.innerStride(0), di = rows.innerStride(1);
        rows.forEach((offs, len) -> {
            Segments.Scratch s = Segments.Scratch.get();
            if (integral) {
                Segments.loadLong(in, offs[0], si, s.l0, len);
                Segments.storeLong(s.l0, out, offs[1], di, len);
            } else {
                Segments.load(in, offs[0], si, s.d0, len);
                Segments.store(s.d0, out, offs[1], di, len);
            }
        });
    }

    @Override
    public void fill(View dst, double value) {
        Object a = array(dst);
        int from = dst.offset(), to = dst.offset() + dst.numel();
        if (!dst.isContiguous()) throw new IllegalStateException("fill: outputs are contiguous by contract");
        if (a instanceof float[] f) java.util.Arrays.fill(f, from, to, (float) value);
        else if (a instanceof double[] d) java.util.Arrays.fill(d, from, to, value);
        else if (a instanceof int[] i) java.util.Arrays.fill(i, from, to, (int) value);
        else java.util.Arrays.fill((long[]) a, from, to, (long) value);
    }

    @Override
    public void arange(View dst, double start, double step) {
        Object a = array(dst);
        int off = dst.offset(), n = dst.numel();
        for (int i = 0; i < n; i++) {
            double v = start + i * step;
            if (a instanceof float[] f) f[off + i] = (float) v;
            else if (a instanceof double[] d) d[off + i] = v;
            else if (a instanceof int[] in) in[off + i] = (int) v;
            else ((long[]) a)[off + i] = (long) v;
        }
    }

    /** Chunks of this many elements (a multiple of 4, Philox's block) are filled per task. */
    private static final int RANDOM_CHUNK = 1 << 14;

    @Override
    public void randUniform(View dst, long seed, long stream, double low, double high) {
        Object a = array(dst);
        int off = dst.offset(), n = dst.numel();
        Parallel.forRange((n + RANDOM_CHUNK - 1) / RANDOM_CHUNK, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                int start = c * RANDOM_CHUNK, len = Math.min(RANDOM_CHUNK, n - start);
                if (a instanceof float[] f) Philox.fillUniform(seed, stream, start, f, off + start, len, (float) low, (float) high);
                else Philox.fillUniform(seed, stream, start, (double[]) a, off + start, len, low, high);
            }
        });
    }

    @Override
    public void randNormal(View dst, long seed, long stream, double mean, double std) {
        Object a = array(dst);
        int off = dst.offset(), n = dst.numel();
        Parallel.forRange((n + RANDOM_CHUNK - 1) / RANDOM_CHUNK, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                int start = c * RANDOM_CHUNK, len = Math.min(RANDOM_CHUNK, n - start);
                if (a instanceof float[] f) Philox.fillNormal(seed, stream, start, f, off + start, len, mean, std);
                else Philox.fillNormal(seed, stream, start, (double[]) a, off + start, len, mean, std);
            }
        });
    }

    // ---- elementwise ----------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, View x, View y, double alpha, double beta) {
        if (FloatElementwise.unary(op, x, y, alpha, beta)) return;
        boolean integral = !x.dtype().isFloatingPoint();
        StridedRows rows = new StridedRows(y.shape(), new int[][]{x.strides(), y.strides()}, new int[]{x.offset(), y.offset()});
        Object in = array(x), out = array(y);
        int xs = rows.innerStride(0), ys = rows.innerStride(1);
        rows.forEach((offs, len) -> {
            Segments.Scratch s = Segments.Scratch.get();
            if (integral) {
                Segments.loadLong(in, offs[0], xs, s.l0, len);
                ElementMath.unaryLong(op, s.l0, s.l1, len, (long) Math.ceil(alpha), (long) Math.floor(beta));
                Segments.storeLong(s.l1, out, offs[1], ys, len);
            } else {
                Segments.load(in, offs[0], xs, s.d0, len);
                ElementMath.unary(op, s.d0, s.d1, len, alpha, beta);
                Segments.store(s.d1, out, offs[1], ys, len);
            }
        });
    }

    @Override
    public void binary(BinaryOp op, View a, View b, View y) {
        if (FloatElementwise.binary(op, a, b, y)) return;
        boolean integral = !a.dtype().isFloatingPoint();
        StridedRows rows = new StridedRows(y.shape(), new int[][]{a.strides(), b.strides(), y.strides()},
                new int[]{a.offset(), b.offset(), y.offset()});
        Object aa = array(a), ba = array(b), out = array(y);
        int as = rows.innerStride(0), bs = rows.innerStride(1), ys = rows.innerStride(2);
        rows.forEach((offs, len) -> {
            Segments.Scratch s = Segments.Scratch.get();
            if (integral) {
                Segments.loadLong(aa, offs[0], as, s.l0, len);
                Segments.loadLong(ba, offs[1], bs, s.l1, len);
                ElementMath.binaryLong(op, s.l0, s.l1, s.l2, len);
                Segments.storeLong(s.l2, out, offs[2], ys, len);
            } else {
                Segments.load(aa, offs[0], as, s.d0, len);
                Segments.load(ba, offs[1], bs, s.d1, len);
                ElementMath.binary(op, s.d0, s.d1, s.d2, len);
                Segments.store(s.d2, out, offs[2], ys, len);
            }
        });
    }

    @Override
    public void binaryScalar(BinaryOp op, View a, double scalar, boolean scalarFirst, View y) {
        if (FloatElementwise.binaryScalar(op, a, scalar, scalarFirst, y)) return;
        boolean integral = !a.dtype().isFloatingPoint();
        StridedRows rows = new StridedRows(y.shape(), new int[][]{a.strides(), y.strides()}, new int[]{a.offset(), y.offset()});
        Object aa = array(a), out = array(y);
        int as = rows.innerStride(0), ys = rows.innerStride(1);
        long ls = (long) scalar;
        if (integral && ls != scalar)
            throw new IllegalArgumentException(op.opName() + ": scalar " + scalar + " is not an integer, tensor is " + a.dtype());
        rows.forEach((offs, len) -> {
            Segments.Scratch s = Segments.Scratch.get();
            if (integral) {
                Segments.loadLong(aa, offs[0], as, s.l0, len);
                java.util.Arrays.fill(s.l1, 0, len, ls);
                if (scalarFirst) ElementMath.binaryLong(op, s.l1, s.l0, s.l2, len);
                else ElementMath.binaryLong(op, s.l0, s.l1, s.l2, len);
                Segments.storeLong(s.l2, out, offs[1], ys, len);
            } else {
                Segments.load(aa, offs[0], as, s.d0, len);
                java.util.Arrays.fill(s.d1, 0, len, scalar);
                if (scalarFirst) ElementMath.binary(op, s.d1, s.d0, s.d2, len);
                else ElementMath.binary(op, s.d0, s.d1, s.d2, len);
                Segments.store(s.d2, out, offs[1], ys, len);
            }
        });
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, View x, int[] axes, View y) {
        Reductions.reduce(op, x, axes, y);
    }

    @Override
    public void argReduce(boolean max, View x, int axis, View y) {
        Reductions.argReduce(max, x, axis, y);
    }

    // ---- matmul --------------------------------------------------------------------------------

    @Override
    public void matmul(View a, boolean transA, View b, boolean transB, View c) {
        MatmulDispatch.matmul(a, transA, b, transB, c);
    }

    // ---- convolution and pooling ---------------------------------------------------------------

    @Override
    public void conv2dForward(View x, View w, Conv2dParams p, View y) {
        Dense dx = Dense.of(x), dw = Dense.of(w);
        if (y.dtype() == DType.FLOAT32)
            Conv2dKernels.forward((float[]) dx.array, dx.offset, x.shape(), (float[]) dw.array, dw.offset, w.shape(), p,
                    (float[]) array(y), y.offset(), y.shape());
        else
            Conv2dKernels.forward((double[]) dx.array, dx.offset, x.shape(), (double[]) dw.array, dw.offset, w.shape(), p,
                    (double[]) array(y), y.offset(), y.shape());
    }

    @Override
    public void conv2dBackwardData(View dy, View w, Conv2dParams p, View dx) {
        Dense g = Dense.of(dy), dw = Dense.of(w);
        if (dx.dtype() == DType.FLOAT32)
            Conv2dKernels.backwardData((float[]) g.array, g.offset, dy.shape(), (float[]) dw.array, dw.offset, w.shape(), p,
                    (float[]) array(dx), dx.offset(), dx.shape());
        else
            Conv2dKernels.backwardData((double[]) g.array, g.offset, dy.shape(), (double[]) dw.array, dw.offset, w.shape(), p,
                    (double[]) array(dx), dx.offset(), dx.shape());
    }

    @Override
    public void conv2dBackwardFilter(View x, View dy, Conv2dParams p, View dw) {
        Dense dx = Dense.of(x), g = Dense.of(dy);
        if (dw.dtype() == DType.FLOAT32)
            Conv2dKernels.backwardFilter((float[]) dx.array, dx.offset, x.shape(), (float[]) g.array, g.offset, dy.shape(), p,
                    (float[]) array(dw), dw.offset(), dw.shape());
        else
            Conv2dKernels.backwardFilter((double[]) dx.array, dx.offset, x.shape(), (double[]) g.array, g.offset, dy.shape(), p,
                    (double[]) array(dw), dw.offset(), dw.shape());
    }

    @Override
    public void conv2dBackwardBias(View dy, View db) {
        Dense g = Dense.of(dy);
        if (db.dtype() == DType.FLOAT32)
            Conv2dKernels.backwardBias((float[]) g.array, g.offset, dy.shape(), (float[]) array(db), db.offset());
        else
            Conv2dKernels.backwardBias((double[]) g.array, g.offset, dy.shape(), (double[]) array(db), db.offset());
    }

    @Override
    public void pool2dForward(View x, Pool2dParams p, View y) {
        Dense dx = Dense.of(x);
        if (y.dtype() == DType.FLOAT32)
            Pool2dKernels.forward((float[]) dx.array, dx.offset, x.shape(), p, (float[]) array(y), y.offset(), y.shape());
        else
            Pool2dKernels.forward((double[]) dx.array, dx.offset, x.shape(), p, (double[]) array(y), y.offset(), y.shape());
    }

    @Override
    public void pool2dBackward(View x, View y, View dy, Pool2dParams p, View dx) {
        Dense xd = Dense.of(x), yd = Dense.of(y), g = Dense.of(dy);
        if (dx.dtype() == DType.FLOAT32)
            Pool2dKernels.backward((float[]) xd.array, xd.offset, (float[]) yd.array, yd.offset, (float[]) g.array, g.offset,
                    x.shape(), y.shape(), p, (float[]) array(dx), dx.offset());
        else
            Pool2dKernels.backward((double[]) xd.array, xd.offset, (double[]) yd.array, yd.offset, (double[]) g.array, g.offset,
                    x.shape(), y.shape(), p, (double[]) array(dx), dx.offset());
    }

    @Override
    public void upsample2x(UpsampleMode mode, View x, View y) {
        Dense xd = Dense.of(x);
        if (y.dtype() == DType.FLOAT32)
            UpsampleKernels.forward(mode, (float[]) xd.array, xd.offset, x.shape(), (float[]) array(y), y.offset());
        else
            UpsampleKernels.forward(mode, (double[]) xd.array, xd.offset, x.shape(), (double[]) array(y), y.offset());
    }

    @Override
    public void upsample2xBackward(UpsampleMode mode, View dy, View dx) {
        Dense g = Dense.of(dy);
        if (dx.dtype() == DType.FLOAT32)
            UpsampleKernels.backward(mode, (float[]) g.array, g.offset, dx.shape(), (float[]) array(dx), dx.offset());
        else
            UpsampleKernels.backward(mode, (double[]) g.array, g.offset, dx.shape(), (double[]) array(dx), dx.offset());
    }

    // ---- normalisation, activations, dropout ---------------------------------------------------

    private static int[] ncs(int[] shape) {
        int s = 1;
        for (int i = 2; i < shape.length; i++) s *= shape[i];
        return new int[]{shape[0], shape[1], s};
    }

    @Override
    public void batchNormForwardTraining(View x, View gamma, View beta, BatchNormParams p, View runningMean, View runningVar,
                                         View y, View saveMean, View saveInvStd) {
        int[] d = ncs(x.shape());
        Dense xd = Dense.of(x), g = Dense.of(gamma), b = Dense.of(beta);
        if (x.dtype() == DType.FLOAT32)
            BatchNormKernels.forwardTraining((float[]) xd.array, xd.offset, d[0], d[1], d[2], (float[]) g.array, g.offset,
                    (float[]) b.array, b.offset, p.epsilon(), p.momentum(), (float[]) array(runningMean), runningMean.offset(),
                    (float[]) array(runningVar), runningVar.offset(), (float[]) array(y), y.offset(),
                    (float[]) array(saveMean), saveMean.offset(), (float[]) array(saveInvStd), saveInvStd.offset());
        else
            BatchNormKernels.forwardTraining((double[]) xd.array, xd.offset, d[0], d[1], d[2], (double[]) g.array, g.offset,
                    (double[]) b.array, b.offset, p.epsilon(), p.momentum(), (double[]) array(runningMean), runningMean.offset(),
                    (double[]) array(runningVar), runningVar.offset(), (double[]) array(y), y.offset(),
                    (double[]) array(saveMean), saveMean.offset(), (double[]) array(saveInvStd), saveInvStd.offset());
    }

    @Override
    public void batchNormForwardInference(View x, View gamma, View beta, View runningMean, View runningVar, double epsilon, View y) {
        int[] d = ncs(x.shape());
        Dense xd = Dense.of(x), g = Dense.of(gamma), b = Dense.of(beta), m = Dense.of(runningMean), v = Dense.of(runningVar);
        if (x.dtype() == DType.FLOAT32)
            BatchNormKernels.forwardInference((float[]) xd.array, xd.offset, d[0], d[1], d[2], (float[]) g.array, g.offset,
                    (float[]) b.array, b.offset, (float[]) m.array, m.offset, (float[]) v.array, v.offset, epsilon,
                    (float[]) array(y), y.offset());
        else
            BatchNormKernels.forwardInference((double[]) xd.array, xd.offset, d[0], d[1], d[2], (double[]) g.array, g.offset,
                    (double[]) b.array, b.offset, (double[]) m.array, m.offset, (double[]) v.array, v.offset, epsilon,
                    (double[]) array(y), y.offset());
    }

    @Override
    public void batchNormBackward(View x, View dy, View gamma, View saveMean, View saveInvStd, View dx, View dgamma, View dbeta) {
        int[] d = ncs(x.shape());
        Dense xd = Dense.of(x), g = Dense.of(dy), ga = Dense.of(gamma), m = Dense.of(saveMean), s = Dense.of(saveInvStd);
        if (x.dtype() == DType.FLOAT32)
            BatchNormKernels.backward((float[]) xd.array, xd.offset, (float[]) g.array, g.offset, d[0], d[1], d[2],
                    (float[]) ga.array, ga.offset, (float[]) m.array, m.offset, (float[]) s.array, s.offset,
                    (float[]) array(dx), dx.offset(), (float[]) array(dgamma), dgamma.offset(), (float[]) array(dbeta), dbeta.offset());
        else
            BatchNormKernels.backward((double[]) xd.array, xd.offset, (double[]) g.array, g.offset, d[0], d[1], d[2],
                    (double[]) ga.array, ga.offset, (double[]) m.array, m.offset, (double[]) s.array, s.offset,
                    (double[]) array(dx), dx.offset(), (double[]) array(dgamma), dgamma.offset(), (double[]) array(dbeta), dbeta.offset());
    }

    @Override
    public void activationBackward(ActivationOp op, View x, View y, View dy, double alpha, View dx) {
        Dense xd = x == null ? null : Dense.of(x), yd = y == null ? null : Dense.of(y), g = Dense.of(dy);
        int n = dx.numel();
        if (dx.dtype() == DType.FLOAT32)
            ActivationKernels.backward(op, xd == null ? null : (float[]) xd.array, xd == null ? 0 : xd.offset,
                    yd == null ? null : (float[]) yd.array, yd == null ? 0 : yd.offset, (float[]) g.array, g.offset, alpha,
                    (float[]) array(dx), dx.offset(), n);
        else
            ActivationKernels.backward(op, xd == null ? null : (double[]) xd.array, xd == null ? 0 : xd.offset,
                    yd == null ? null : (double[]) yd.array, yd == null ? 0 : yd.offset, (double[]) g.array, g.offset, alpha,
                    (double[]) array(dx), dx.offset(), n);
    }

    private static int[] outerAxisInner(int[] shape, int axis) {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.length; i++) inner *= shape[i];
        return new int[]{outer, shape[axis], inner};
    }

    @Override
    public void softmax(View x, int axis, boolean log, View y) {
        int[] d = outerAxisInner(x.shape(), axis);
        Dense xd = Dense.of(x);
        if (y.dtype() == DType.FLOAT32)
            SoftmaxKernels.forward((float[]) xd.array, xd.offset, d[0], d[1], d[2], log, (float[]) array(y), y.offset());
        else
            SoftmaxKernels.forward((double[]) xd.array, xd.offset, d[0], d[1], d[2], log, (double[]) array(y), y.offset());
    }

    @Override
    public void softmaxBackward(View y, View dy, int axis, boolean log, View dx) {
        int[] d = outerAxisInner(y.shape(), axis);
        Dense yd = Dense.of(y), g = Dense.of(dy);
        if (dx.dtype() == DType.FLOAT32)
            SoftmaxKernels.backward((float[]) yd.array, yd.offset, (float[]) g.array, g.offset, d[0], d[1], d[2], log,
                    (float[]) array(dx), dx.offset());
        else
            SoftmaxKernels.backward((double[]) yd.array, yd.offset, (double[]) g.array, g.offset, d[0], d[1], d[2], log,
                    (double[]) array(dx), dx.offset());
    }

    @Override
    public void dropout(View x, double p, long seed, long stream, View y, View mask) {
        Dense xd = Dense.of(x);
        int n = y.numel();
        double scale = p >= 1 ? 0 : 1 / (1 - p);
        float pf = (float) p;
        Parallel.forRange((n + RANDOM_CHUNK - 1) / RANDOM_CHUNK, 1, (from, to) -> {
            float[] u = new float[RANDOM_CHUNK];
            for (int c = from; c < to; c++) {
                int start = c * RANDOM_CHUNK, len = Math.min(RANDOM_CHUNK, n - start);
                // The keep decision reads the float uniform for every dtype, so masks match across dtypes and backends.
                Philox.fillUniform(seed, stream, start, u, 0, len, 0f, 1f);
                if (y.dtype() == DType.FLOAT32) {
                    float[] xa = (float[]) xd.array, ya = (float[]) array(y), ma = (float[]) array(mask);
                    for (int i = 0; i < len; i++) {
                        float m = u[i] >= pf ? (float) scale : 0f;
                        ma[mask.offset() + start + i] = m;
                        ya[y.offset() + start + i] = xa[xd.offset + start + i] * m;
                    }
                } else {
                    double[] xa = (double[]) xd.array, ya = (double[]) array(y), ma = (double[]) array(mask);
                    for (int i = 0; i < len; i++) {
                        double m = u[i] >= pf ? scale : 0;
                        ma[mask.offset() + start + i] = m;
                        ya[y.offset() + start + i] = xa[xd.offset + start + i] * m;
                    }
                }
            }
        });
    }

    // ---- losses and lookups --------------------------------------------------------------------

    @Override
    public void softmaxCrossEntropy(View logits, View labels, CrossEntropyParams p, View loss, View dlogits) {
        Dense l = Dense.of(logits), lab = Dense.of(labels);
        int n = logits.shape()[0], c = logits.shape()[1];
        if (logits.dtype() == DType.FLOAT32) {
            float[] la = (float[]) l.array, lo = (float[]) array(loss), dl = dlogits == null ? null : (float[]) array(dlogits);
            int dOff = dlogits == null ? 0 : dlogits.offset();
            if (lab.array instanceof int[] li) LossKernels.softmaxCrossEntropy(la, l.offset, n, c, li, lab.offset, p, lo, loss.offset(), dl, dOff);
            else LossKernels.softmaxCrossEntropy(la, l.offset, n, c, (long[]) lab.array, lab.offset, p, lo, loss.offset(), dl, dOff);
        } else {
            double[] la = (double[]) l.array, lo = (double[]) array(loss), dl = dlogits == null ? null : (double[]) array(dlogits);
            int dOff = dlogits == null ? 0 : dlogits.offset();
            if (lab.array instanceof int[] li) LossKernels.softmaxCrossEntropy(la, l.offset, n, c, li, lab.offset, p, lo, loss.offset(), dl, dOff);
            else LossKernels.softmaxCrossEntropy(la, l.offset, n, c, (long[]) lab.array, lab.offset, p, lo, loss.offset(), dl, dOff);
        }
    }

    @Override
    public void embedding(View weight, View indices, View rows) {
        Dense w = Dense.of(weight), idx = Dense.of(indices);
        int v = weight.shape()[0], d = weight.shape()[1], count = indices.numel();
        if (weight.dtype() == DType.FLOAT32) {
            if (idx.array instanceof int[] ii) EmbeddingKernels.forward((float[]) w.array, w.offset, v, d, ii, idx.offset, count, (float[]) array(rows), rows.offset());
            else EmbeddingKernels.forward((float[]) w.array, w.offset, v, d, (long[]) idx.array, idx.offset, count, (float[]) array(rows), rows.offset());
        } else {
            if (idx.array instanceof int[] ii) EmbeddingKernels.forward((double[]) w.array, w.offset, v, d, ii, idx.offset, count, (double[]) array(rows), rows.offset());
            else EmbeddingKernels.forward((double[]) w.array, w.offset, v, d, (long[]) idx.array, idx.offset, count, (double[]) array(rows), rows.offset());
        }
    }

    @Override
    public void embeddingBackward(View indices, View drows, View dweight) {
        Dense idx = Dense.of(indices), g = Dense.of(drows);
        int v = dweight.shape()[0], d = dweight.shape()[1], count = indices.numel();
        if (dweight.dtype() == DType.FLOAT32) {
            if (idx.array instanceof int[] ii) EmbeddingKernels.backward(ii, idx.offset, count, (float[]) g.array, g.offset, v, d, (float[]) array(dweight), dweight.offset());
            else EmbeddingKernels.backward((long[]) idx.array, idx.offset, count, (float[]) g.array, g.offset, v, d, (float[]) array(dweight), dweight.offset());
        } else {
            if (idx.array instanceof int[] ii) EmbeddingKernels.backward(ii, idx.offset, count, (double[]) g.array, g.offset, v, d, (double[]) array(dweight), dweight.offset());
            else EmbeddingKernels.backward((long[]) idx.array, idx.offset, count, (double[]) g.array, g.offset, v, d, (double[]) array(dweight), dweight.offset());
        }
    }

    // ---- recurrent (RnnKernels) ----------------------------------------------------------------

    @Override
    public RnnReserve rnnForward(RnnParams p, boolean training, long dropoutStream, int[] seqLengths,
                                 View x, View hx, View cx, View[] weights, View y, View hy, View cy) {
        return RnnKernels.forward(p, training, dropoutStream, x.shape()[0], x.shape()[1], seqLengths,
                rnnBuf(x), rnnBuf(hx), rnnBuf(cx), rnnBufs(weights), rnnBuf(y), rnnBuf(hy), rnnBuf(cy));
    }

    @Override
    public void rnnBackwardData(RnnParams p, int[] seqLengths, RnnReserve reserve, View y, View dy,
                                View hx, View dhy, View cx, View dcy, View[] weights,
                                View dx, View dhx, View dcx) {
        // The reserve holds the states and seqLengths the forward saw; y, hx and cx are not needed again.
        RnnKernels.backwardData(rnnReserve(reserve), rnnBuf(dy), rnnBuf(dhy), rnnBuf(dcy), rnnBufs(weights),
                rnnBuf(dx), rnnBuf(dhx), rnnBuf(dcx));
    }

    @Override
    public void rnnBackwardWeights(RnnParams p, int[] seqLengths, RnnReserve reserve, View x, View hx, View y,
                                   View[] dweights) {
        RnnKernels.backwardWeights(rnnReserve(reserve), rnnBuf(x), rnnBufs(dweights));
    }

    private static RnnKernels.Reserve rnnReserve(RnnReserve r) {
        if (!(r instanceof RnnKernels.Reserve cpu))
            throw new IllegalArgumentException("rnn: the reserve " + (r == null ? "null" : r.getClass().getName())
                    + " did not come from a CPU rnnForward in training mode");
        return cpu;
    }

    /** Dense buffer of a view (its storage when contiguous, else a copy); null stays null. Outputs are contiguous by contract. */
    private static RnnKernels.Buf rnnBuf(View v) {
        if (v == null) return null;
        Dense d = Dense.of(v);
        return new RnnKernels.Buf(d.array, d.offset);
    }

    private static RnnKernels.Buf[] rnnBufs(View[] vs) {
        RnnKernels.Buf[] out = new RnnKernels.Buf[vs.length];
        for (int i = 0; i < vs.length; i++) out[i] = rnnBuf(vs[i]);
        return out;
    }

    /** A dense (contiguous) array and offset for a view: the view's own storage when possible, else a copy. */
    record Dense(Object array, int offset) {
        static Dense of(View v) {
            if (v.isContiguous()) return new Dense(CpuBackend.array(v), v.offset());
            CpuStorage tmp = new CpuStorage(v.dtype(), v.numel());
            new CpuBackend().copy(v, new View(tmp, v.shape(), v.shapeObject().contiguousStrides(), 0));
            return new Dense(tmp.array, 0);
        }
    }

    // ---- optional capabilities -----------------------------------------------------------------

    @Override
    public void adamUpdate(View param, View grad, View expAvg, View expAvgSq, FusedAdam.AdamStep s) {
        FusedAdamKernel.update(param, grad, expAvg, expAvgSq, s);
    }

    static String gemmDescription() {
        return Gemm.kernelDescription();
    }
}
