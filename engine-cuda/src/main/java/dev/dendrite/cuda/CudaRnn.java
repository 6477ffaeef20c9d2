package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.cuda.cudnn.CudnnParams;
import dev.dendrite.cuda.cudnn.RnnDataDescriptor;
import dev.dendrite.cuda.cudnn.RnnDescriptor;
import dev.dendrite.cuda.cudnn.TensorDescriptor;
import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.RnnParams;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.View;
import jcuda.Pointer;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnForwardMode;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnWgradMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Recurrent networks through cuDNN's v8 RNN API ({@code cudnnRNNForward},
 * {@code cudnnRNNBackwardData_v8}, {@code cudnnRNNBackwardWeights_v8}), in the engine's time-major
 * padded layout (SEQ_MAJOR_UNPACKED with per-sequence lengths).
 *
 * <p>Note [RNN dropout with the engine's masks]
 * cuDNN's own dropout between layers cannot reproduce the Philox masks every backend shares
 * ({@code RnnParams}), so a training call with dropout > 0 and more than one layer runs one cuDNN
 * call per layer ("stages"), multiplies each layer's output by its slice of the logical mask
 * {@code [L − 1, T, N, D·H]} (drawn by our dropout kernel exactly as {@code Backend.dropout} would
 * draw it) and feeds the product to the next layer; the backward pass runs the stages in reverse,
 * masking the gradient on the way down. Everything else is one call over the whole stack.
 *
 * <p>Note [RNN weight space]
 * The layout of cuDNN's weight space (where each gate's matrix and bias sit) is asked once per
 * network shape with {@code cudnnGetRNNWeightParams} and cached as copy segments
 * ({@link RnnWeightPacking}); the values are copied from the canonical tensors at every forward,
 * because optimizers update those in place. The reserve keeps the packed copy the forward used, so
 * the backward calls see exactly those weights. Weight gradients are accumulated by cuDNN into a
 * zeroed gradient space (cuDNN 8 supports only CUDNN_WGRAD_MODE_ADD there) and copied out, which
 * gives the SPI's overwrite semantics.
 */
final class CudaRnn {
    private static final Logger log = LoggerFactory.getLogger(CudaRnn.class);

    private final CudaBackend b;
    private final CudaDevice dev;
    private final Map<String, Layout> layouts = new ConcurrentHashMap<>();

    CudaRnn(CudaBackend backend) {
        this.b = backend;
        this.dev = backend.dev;
    }

    /** Weight-space size and the packing segments for one stage's network. */
    private record Layout(long bytes, List<RnnWeightPacking.Segment> segments) {
    }

    private static Pointer nullPtr() {
        return new Pointer();
    }

    private static Pointer p(View v) {
        return v == null ? nullPtr() : CudaBackend.ptr(v);
    }

    /** A view of {@code count} states starting at state {@code first} of a {@code [L·D, N, H]} tensor. */
    private static View states(View v, int first, int count) {
        if (v == null) return null;
        int n = v.shape()[1], h = v.shape()[2];
        return new View(v.storage(), new int[]{count, n, h}, new int[]{n * h, h, 1}, v.offset() + first * n * h);
    }

    /** One cuDNN call's worth of network: the whole stack, or one layer of it. */
    private final class Stage implements AutoCloseable {
        final RnnParams params;       // this stage's network (layer l alone: input in_l, 1 layer)
        final int weightIndexOffset;  // flat weight index of this stage's first tensor in the full list
        final int firstState, stateCount;
        final RnnDescriptor rnnDesc;
        final RnnDataDescriptor xDesc, yDesc;
        final TensorDescriptor hDesc;
        final Layout layout;
        CudaDevice.DeviceBlock weightSpace, reserveSpace;
        View input;   // null: the caller's x
        View output;  // null: the caller's y
        View maskAfter; // the dropout mask slice applied to this stage's output, or null

        final int dtypeBytes;

        Stage(RnnParams params, int weightIndexOffset, int firstState, DType dt, int steps, int batch, int[] seqLengths, View[] weights) {
            this.params = params;
            this.dtypeBytes = dt.byteSize();
            this.weightIndexOffset = weightIndexOffset;
            this.firstState = firstState;
            this.stateCount = params.numLayers() * params.directions();
            int count = params.weightCount();
            boolean[] hasIh = new boolean[count / 4], hasHh = new boolean[count / 4];
            for (int i = 0; i < count / 4; i++) {
                hasIh[i] = weights[weightIndexOffset + 4 * i + 2] != null;
                hasHh[i] = weights[weightIndexOffset + 4 * i + 3] != null;
            }
            int biasMode = CudnnParams.rnnBiasMode(hasIh, hasHh);
            List<AutoCloseable> made = new ArrayList<>();
            try {
                rnnDesc = new RnnDescriptor(CudnnParams.rnn(params, dt, biasMode, dev.allowTf32), null);
                made.add(rnnDesc);
                xDesc = new RnnDataDescriptor(CudnnParams.rnnData(dt, steps, batch, params.inputSize(), seqLengths));
                made.add(xDesc);
                yDesc = new RnnDataDescriptor(CudnnParams.rnnData(dt, steps, batch, params.outputSize(), seqLengths));
                made.add(yDesc);
                int h = params.hiddenSize();
                hDesc = TensorDescriptor.exact(dt, new int[]{stateCount, batch, h}, new int[]{batch * h, h, 1});
                made.add(hDesc);
                long[] size = {0};
                dev.checkCudnn(JCudnn.cudnnGetRNNWeightSpaceSize(dev.cudnn, rnnDesc.handle(), size), "cudnnGetRNNWeightSpaceSize",
                        params::toString);
                weightSpace = dev.allocate(size[0], params + " weight space");
                boolean[] present = new boolean[count];
                for (int i = 0; i < count; i++) present[i] = weights[weightIndexOffset + i] != null;
                String key = params + " " + dt + " bias " + biasMode + " present " + Arrays.toString(present);
                layout = layouts.computeIfAbsent(key, k -> queryLayout(params, dt, rnnDesc, weightSpace, size[0], present));
            } catch (RuntimeException e) {
                for (int i = made.size() - 1; i >= 0; i--) closeQuietly(made.get(i));
                if (weightSpace != null) dev.free(weightSpace);
                throw e;
            }
        }

        /** Copies the canonical weights into this stage's weight space. */
        void pack(View[] weights, CudaBackend.Temps t) {
            int es = dtypeBytes;
            for (RnnWeightPacking.Segment s : layout.segments()) {
                jcuda.driver.CUdeviceptr dst = weightSpace.pointer.withByteOffset(s.spaceOffset() * es);
                if (s.isZeroFill()) {
                    dev.zero(dst, s.length() * es);
                } else {
                    View w = t.dense(weights[weightIndexOffset + s.weightIndex()]);
                    dev.copyDeviceToDevice(dst, CudaBackend.st(w.storage()).pointer(w.offset() + s.sourceOffset()), s.length() * es);
                }
            }
        }

        long[] tempSizes(int fwdMode) {
            long[] ws = {0}, rs = {0};
            dev.checkCudnn(JCudnn.cudnnGetRNNTempSpaceSizes(dev.cudnn, rnnDesc.handle(), fwdMode, xDesc.handle(), ws, rs),
                    "cudnnGetRNNTempSpaceSizes", params::toString);
            return new long[]{ws[0], rs[0]};
        }

        @Override
        public void close() {
            closeQuietly(hDesc);
            closeQuietly(yDesc);
            closeQuietly(xDesc);
            closeQuietly(rnnDesc);
            if (weightSpace != null) dev.free(weightSpace);
            if (reserveSpace != null) dev.free(reserveSpace);
            weightSpace = reserveSpace = null;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", c, e.toString());
        }
    }

    /** Asks cuDNN where every matrix and bias of a network lives in its weight space. */
    private Layout queryLayout(RnnParams params, DType dt, RnnDescriptor rnnDesc, CudaDevice.DeviceBlock space, long spaceBytes,
                               boolean[] present) {
        int g = params.gates(), pseudoLayers = params.numLayers() * params.directions();
        RnnWeightPacking.LayerRegions[] regions = new RnnWeightPacking.LayerRegions[pseudoLayers];
        cudnnTensorDescriptor mDesc = new cudnnTensorDescriptor(), bDesc = new cudnnTensorDescriptor();
        dev.checkCudnn(JCudnn.cudnnCreateTensorDescriptor(mDesc), "cudnnCreateTensorDescriptor", () -> "");
        try {
            dev.checkCudnn(JCudnn.cudnnCreateTensorDescriptor(bDesc), "cudnnCreateTensorDescriptor", () -> "");
            try {
                for (int pl = 0; pl < pseudoLayers; pl++) {
                    RnnWeightPacking.Region[] m = new RnnWeightPacking.Region[2 * g], bias = new RnnWeightPacking.Region[2 * g];
                    for (int id = 0; id < 2 * g; id++) {
                        Pointer mAddr = new Pointer(), bAddr = new Pointer();
                        int pseudo = pl, lin = id;
                        dev.checkCudnn(JCudnn.cudnnGetRNNWeightParams(dev.cudnn, rnnDesc.handle(), pl, spaceBytes, space.pointer, id, mDesc, mAddr,
                                bDesc, bAddr), "cudnnGetRNNWeightParams", () -> params + " pseudo-layer " + pseudo + " linLayerID " + lin);
                        m[id] = region(mDesc, CudaDevice.address(mAddr), space.address, dt, false);
                        bias[id] = region(bDesc, CudaDevice.address(bAddr), space.address, dt, true);
                    }
                    regions[pl] = new RnnWeightPacking.LayerRegions(m, bias);
                }
            } finally {
                JCudnn.cudnnDestroyTensorDescriptor(bDesc);
            }
        } finally {
            JCudnn.cudnnDestroyTensorDescriptor(mDesc);
        }
        List<RnnWeightPacking.Segment> segments = RnnWeightPacking.coalesce(RnnWeightPacking.plan(params, regions, present));
        log.debug("RNN weight space of {} ({}): {} bytes, {} copy segments", params, dt, spaceBytes, segments.size());
        return new Layout(spaceBytes, segments);
    }

    private RnnWeightPacking.Region region(cudnnTensorDescriptor desc, long address, long base, DType dt, boolean bias) {
        if (address == 0) return RnnWeightPacking.Region.ABSENT;
        int[] dataType = {0}, nbDims = {0}, dims = new int[8], strides = new int[8];
        dev.checkCudnn(JCudnn.cudnnGetTensorNdDescriptor(desc, 8, dataType, nbDims, dims, strides), "cudnnGetTensorNdDescriptor", () -> "");
        long elements = 1;
        for (int i = 0; i < nbDims[0]; i++) elements *= dims[i];
        int cols = bias ? 1 : dims[nbDims[0] - 1];
        long offsetBytes = address - base;
        if (offsetBytes < 0 || offsetBytes % dt.byteSize() != 0)
            throw new IllegalStateException("rnn: cuDNN placed a " + (bias ? "bias" : "matrix") + " at byte " + offsetBytes
                    + " of the weight space, not an element boundary");
        return new RnnWeightPacking.Region(offsetBytes / dt.byteSize(), (int) (elements / cols), cols);
    }

    /** What a training forward leaves for the backward calls. */
    private final class Reserve implements Backend.RnnReserve {
        final RnnParams params;
        final List<Stage> stages;
        final CudaDevice.DeviceBlock devSeqLengths;
        final List<CudaStorage> buffers = new ArrayList<>();
        boolean closed;

        Reserve(RnnParams params, List<Stage> stages, CudaDevice.DeviceBlock devSeqLengths) {
            this.params = params;
            this.stages = stages;
            this.devSeqLengths = devSeqLengths;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            synchronized (b) {
                for (Stage s : stages) s.close();
                for (CudaStorage s : buffers) b.free(s);
                if (devSeqLengths != null) dev.free(devSeqLengths);
            }
        }
    }

    private static int[] lengths(int[] seqLengths, int steps, int batch) {
        int[] lens = new int[batch];
        if (seqLengths == null) Arrays.fill(lens, steps);
        else System.arraycopy(seqLengths, 0, lens, 0, batch);
        return lens;
    }

    /** A device buffer that outlives the call (kept by the reserve), or a temporary. */
    private View buffer(Reserve keep, CudaBackend.Temps t, DType dt, int... shape) {
        if (keep == null) return b.temp(t, dt, shape);
        int n = 1;
        for (int d : shape) n *= d;
        CudaStorage s = (CudaStorage) b.allocate(dt, n);
        keep.buffers.add(s);
        return new View(s, shape, Shape.of(shape).contiguousStrides(), 0);
    }

    /** Zeroes the steps past each sequence's end of a {@code [T, N, F]} tensor (nothing when all sequences are full). */
    private void maskPadding(View t3, int[] seqLengths, CudaBackend.Temps t) {
        if (seqLengths == null) return;
        int steps = t3.shape()[0], batch = t3.shape()[1], f = t3.shape()[2];
        boolean full = true;
        for (int len : seqLengths) full &= len == steps;
        if (full || t3.numel() == 0) return;
        DType dt = t3.dtype();
        View mask = b.temp(t, dt, steps, batch);
        Object host;
        if (dt == DType.FLOAT64) {
            double[] m = new double[steps * batch];
            for (int s = 0; s < steps; s++) for (int n = 0; n < batch; n++) m[s * batch + n] = s < seqLengths[n] ? 1 : 0;
            host = m;
        } else {
            float[] m = new float[steps * batch];
            for (int s = 0; s < steps; s++) for (int n = 0; n < batch; n++) m[s * batch + n] = s < seqLengths[n] ? 1 : 0;
            host = m;
        }
        b.writeFromHost(host, 0, mask.storage(), 0, steps * batch);
        View broadcast = new View(mask.storage(), new int[]{steps, batch, f}, new int[]{batch, 1, 0}, 0);
        b.binary(BinaryOp.MUL, t3, broadcast, t3);
    }

    /**
     * Builds the stages of a call: one over the whole stack, or one per layer when the engine's
     * dropout masks must go between layers (Note [RNN dropout with the engine's masks]).
     */
    private List<Stage> stages(RnnParams p, boolean perLayer, DType dt, int steps, int batch, int[] seqLengths, View[] weights) {
        List<Stage> out = new ArrayList<>();
        try {
            if (!perLayer) {
                out.add(new Stage(p, 0, 0, dt, steps, batch, seqLengths, weights));
            } else {
                int d = p.directions();
                for (int l = 0; l < p.numLayers(); l++) {
                    RnnParams layer = new RnnParams(p.mode(), p.layerInputSize(l), p.hiddenSize(), 1, p.bidirectional(), 0, p.dropoutSeed());
                    out.add(new Stage(layer, l * 4 * d, l * d, dt, steps, batch, seqLengths, weights));
                }
            }
        } catch (RuntimeException e) {
            for (Stage s : out) s.close();
            throw e;
        }
        return out;
    }

    Backend.RnnReserve forward(RnnParams p, boolean training, long dropoutStream, int[] seqLengths, View x, View hx, View cx, View[] weights,
                               View y, View hy, View cy) {
        dev.makeCurrent();
        DType dt = x.dtype();
        int steps = x.shape()[0], batch = x.shape()[1];
        if (x.numel() == 0 || y.numel() == 0) {
            // T or N is zero (T >= 1 by the SPI, so N = 0): nothing to compute; states are [L·D, 0, H].
            return training ? new Reserve(p, List.of(), null) : null;
        }
        boolean perLayer = training && p.dropout() > 0 && p.numLayers() > 1;
        int[] lens = lengths(seqLengths, steps, batch);
        int fwdMode = training ? cudnnForwardMode.CUDNN_FWD_MODE_TRAINING : cudnnForwardMode.CUDNN_FWD_MODE_INFERENCE;
        List<Stage> stages = stages(p, perLayer, dt, steps, batch, seqLengths, weights);
        CudaDevice.DeviceBlock devLens = dev.allocate(4L * batch, "rnn sequence lengths");
        Reserve reserve = new Reserve(p, stages, devLens);
        boolean ok = false;
        try (CudaBackend.Temps t = b.new Temps()) {
            dev.upload(lens, 0, devLens.pointer, 4, batch);
            View xd = t.dense(x);
            View mask = null;
            if (perLayer) {
                // The logical mask [L-1, T, N, D·H], drawn like Backend.dropout on a tensor of that shape.
                int per = steps * batch * p.outputSize(), n = (p.numLayers() - 1) * per;
                View ones = b.temp(t, dt, n), scratch = b.temp(t, dt, n);
                mask = buffer(reserve, t, dt, n);
                b.fill(ones, 1);
                b.dropout(ones, p.dropout(), p.dropoutSeed(), dropoutStream, scratch, mask);
            }
            View input = xd;
            for (int i = 0; i < stages.size(); i++) {
                Stage s = stages.get(i);
                boolean last = i == stages.size() - 1;
                s.input = i == 0 ? null : input;
                View out = last ? y : buffer(training ? reserve : null, t, dt, steps, batch, p.outputSize());
                s.output = last ? null : out;
                s.pack(weights, t);
                long[] sizes = s.tempSizes(fwdMode);
                CudaDevice.DeviceBlock work = t.block(sizes[0], "rnn workspace");
                if (training && sizes[1] > 0) s.reserveSpace = dev.allocate(sizes[1], "rnn reserve space");
                View h0 = states(hx, s.firstState, s.stateCount), c0 = states(cx, s.firstState, s.stateCount);
                View h1 = states(hy, s.firstState, s.stateCount), c1 = states(cy, s.firstState, s.stateCount);
                Supplier<String> ctx = () -> "rnn forward " + s.params + " x" + CudaBackend.shape(x) + " lengths " + Arrays.toString(lens);
                dev.checkCudnn(JCudnn.cudnnRNNForward(dev.cudnn, s.rnnDesc.handle(), fwdMode, devLens.pointer, s.xDesc.handle(), CudaBackend.ptr(input),
                        s.yDesc.handle(), CudaBackend.ptr(out), s.hDesc.handle(), p(h0), p(h1), s.hDesc.handle(), p(c0), p(c1),
                        s.layout.bytes(), s.weightSpace.pointer, sizes[0], work == null ? nullPtr() : work.pointer, training ? sizes[1] : 0,
                        s.reserveSpace == null ? nullPtr() : s.reserveSpace.pointer), "cudnnRNNForward", ctx);
                dev.afterLibraryCall("cudnnRNNForward", ctx);
                if (!last) {
                    int per = steps * batch * p.outputSize();
                    View slice = new View(mask.storage(), new int[]{steps, batch, p.outputSize()}, out.strides(), mask.offset() + i * per);
                    s.maskAfter = slice;
                    View masked = buffer(training ? reserve : null, t, dt, steps, batch, p.outputSize());
                    b.binary(BinaryOp.MUL, out, slice, masked);
                    input = masked;
                }
            }
            maskPadding(y, seqLengths, t);
            ok = true;
        } finally {
            if (!ok || !training) reserve.close();
        }
        return training ? reserve : null;
    }

    private Reserve reserve(Backend.RnnReserve r, RnnParams p) {
        if (!(r instanceof Reserve res))
            throw new IllegalArgumentException("rnn: the reserve " + (r == null ? "null" : r.getClass().getName())
                    + " did not come from a CUDA rnnForward in training mode");
        if (res.closed) throw new IllegalStateException("rnn: the reserve of " + res.params + " is already closed");
        if (!res.params.equals(p)) throw new IllegalArgumentException("rnn: reserve made for " + res.params + ", used for " + p);
        return res;
    }

    void backwardData(RnnParams p, int[] seqLengths, Backend.RnnReserve reserve, View y, View dy, View hx, View dhy, View cx, View dcy,
                      View[] weights, View dx, View dhx, View dcx) {
        dev.makeCurrent();
        Reserve r = reserve(reserve, p);
        if (r.stages.isEmpty()) return;
        DType dt = dy.dtype();
        int steps = dy.shape()[0], batch = dy.shape()[1];
        try (CudaBackend.Temps t = b.new Temps()) {
            View gradOut = t.dense(dy), yd = t.dense(y);
            for (int i = r.stages.size() - 1; i >= 0; i--) {
                Stage s = r.stages.get(i);
                View out = s.output == null ? yd : s.output;
                View dIn = i == 0 ? dx : b.temp(t, dt, steps, batch, p.outputSize());
                long[] sizes = s.tempSizes(cudnnForwardMode.CUDNN_FWD_MODE_TRAINING);
                CudaDevice.DeviceBlock work = t.block(sizes[0], "rnn workspace");
                View h0 = states(hx, s.firstState, s.stateCount), c0 = states(cx, s.firstState, s.stateCount);
                View gh = states(dhy, s.firstState, s.stateCount), gc = states(dcy, s.firstState, s.stateCount);
                View gh0 = states(dhx, s.firstState, s.stateCount), gc0 = states(dcx, s.firstState, s.stateCount);
                View g = gradOut;
                Supplier<String> ctx = () -> "rnn backward data " + s.params + " dy" + CudaBackend.shape(dy);
                dev.checkCudnn(JCudnn.cudnnRNNBackwardData_v8(dev.cudnn, s.rnnDesc.handle(), r.devSeqLengths.pointer, s.yDesc.handle(),
                        CudaBackend.ptr(out), CudaBackend.ptr(g), s.xDesc.handle(), CudaBackend.ptr(dIn), s.hDesc.handle(), p(h0), p(gh), p(gh0),
                        s.hDesc.handle(), p(c0), p(gc), p(gc0), s.layout.bytes(), s.weightSpace.pointer, sizes[0],
                        work == null ? nullPtr() : work.pointer, sizes[1], s.reserveSpace == null ? nullPtr() : s.reserveSpace.pointer),
                        "cudnnRNNBackwardData_v8", ctx);
                dev.afterLibraryCall("cudnnRNNBackwardData_v8", ctx);
                if (i > 0) {
                    // The previous stage's output reached this stage through its dropout mask.
                    Stage prev = r.stages.get(i - 1);
                    b.binary(BinaryOp.MUL, dIn, prev.maskAfter, dIn);
                    gradOut = dIn;
                }
            }
            maskPadding(dx, seqLengths, t);
        }
    }

    void backwardWeights(RnnParams p, int[] seqLengths, Backend.RnnReserve reserve, View x, View hx, View y, View[] dweights) {
        dev.makeCurrent();
        Reserve r = reserve(reserve, p);
        if (r.stages.isEmpty()) {
            for (View dw : dweights) if (dw != null) b.fill(dw, 0);
            return;
        }
        try (CudaBackend.Temps t = b.new Temps()) {
            View xd = t.dense(x), yd = t.dense(y);
            for (Stage s : r.stages) {
                View in = s.input == null ? xd : s.input;
                View out = s.output == null ? yd : s.output;
                long[] sizes = s.tempSizes(cudnnForwardMode.CUDNN_FWD_MODE_TRAINING);
                CudaDevice.DeviceBlock work = t.block(sizes[0], "rnn workspace");
                CudaDevice.DeviceBlock grad = t.block(s.layout.bytes(), "rnn weight gradient space");
                dev.zero(grad.pointer, s.layout.bytes());
                View h0 = states(hx, s.firstState, s.stateCount);
                Supplier<String> ctx = () -> "rnn backward weights " + s.params + " x" + CudaBackend.shape(x);
                dev.checkCudnn(JCudnn.cudnnRNNBackwardWeights_v8(dev.cudnn, s.rnnDesc.handle(), cudnnWgradMode.CUDNN_WGRAD_MODE_ADD,
                        r.devSeqLengths.pointer, s.xDesc.handle(), CudaBackend.ptr(in), s.hDesc.handle(), p(h0), s.yDesc.handle(),
                        CudaBackend.ptr(out), s.layout.bytes(), grad.pointer, sizes[0], work == null ? nullPtr() : work.pointer, sizes[1],
                        s.reserveSpace == null ? nullPtr() : s.reserveSpace.pointer), "cudnnRNNBackwardWeights_v8", ctx);
                dev.afterLibraryCall("cudnnRNNBackwardWeights_v8", ctx);
                int es = s.dtypeBytes;
                for (RnnWeightPacking.Segment seg : s.layout.segments()) {
                    if (seg.isZeroFill()) continue;
                    View dw = dweights[s.weightIndexOffset + seg.weightIndex()];
                    if (dw == null) continue;
                    dev.copyDeviceToDevice(CudaBackend.st(dw.storage()).pointer(dw.offset() + seg.sourceOffset()),
                            grad.pointer.withByteOffset(seg.spaceOffset() * es), seg.length() * es);
                }
            }
        }
    }
}
