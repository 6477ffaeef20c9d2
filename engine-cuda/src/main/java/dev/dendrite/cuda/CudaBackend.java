package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Device;
import dev.dendrite.cuda.cudnn.ConvolutionDescriptor;
import dev.dendrite.cuda.cudnn.CudnnParams;
import dev.dendrite.cuda.cudnn.FilterDescriptor;
import dev.dendrite.cuda.cudnn.PoolingDescriptor;
import dev.dendrite.cuda.cudnn.TensorDescriptor;
import dev.dendrite.ops.*;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.Storage;
import dev.dendrite.spi.View;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasOperation;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnDeterminism;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The CUDA backend: matmul through cuBLAS ({@link GemmPlan}), convolution, pooling, batch norm and
 * softmax through cuDNN, recurrent networks through cuDNN's v8 RNN API ({@link CudaRnn}), and
 * everything else through our kernels (the {@code kernels} module, compiled by NVRTC). Semantics are
 * the CPU backend's; the parity suite checks them on a GPU.
 *
 * <p>All work is queued on the device's one stream, so ops run in call order; host transfers wait
 * for the stream. Temporary device buffers (dense copies of strided operands, workspaces) come from
 * the caching allocator and are returned right after their op is queued (Note [Stream-ordered reuse]).
 */
final class CudaBackend implements Backend {
    private static final Logger log = LoggerFactory.getLogger(CudaBackend.class);

    /** EW geometry of the kernels contract: 256 threads, at most 4096 blocks, grid-stride loops. */
    static final int EW_BLOCK = 256, EW_MAX_BLOCKS = 4096;
    /** Block size of the block-per-output kernels. */
    static final int ROW_BLOCK = 256;
    /** A reduction goes thread-per-output when it reduces this few elements or has this many outputs. */
    static final int SERIAL_REDUCE_MAX_COUNT = 64, SERIAL_REDUCE_MIN_OUTPUTS = 1 << 16;

    final CudaDevice dev;
    private final Device device;
    private final long convWorkspaceLimit;
    private final CudaDevice.DeviceBlock status;
    private final Map<String, ConvAlgo> convAlgos = new ConcurrentHashMap<>();
    private final CudaRnn rnn;

    CudaBackend(CudaDevice dev, long convWorkspaceLimit) {
        this.dev = dev;
        this.device = new Device("cuda", dev.ordinal);
        this.convWorkspaceLimit = convWorkspaceLimit;
        this.status = dev.allocate(4L * CudaDevice.STATUS_INTS, "kernel status words");
        this.rnn = new CudaRnn(this);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device device() {
        return device;
    }

    /** The device this backend runs on, for the provider's details. */
    String describe() {
        return dev.describe();
    }

    // =============================================================================================
    // helpers
    // =============================================================================================

    static CudaStorage st(Storage s) {
        if (s instanceof CudaStorage c) return c;
        throw new IllegalArgumentException("cuda: storage " + s + " does not belong to the CUDA backend");
    }

    static long addr(View v) {
        return st(v.storage()).address(v.offset());
    }

    static CUdeviceptr ptr(View v) {
        return st(v.storage()).pointer(v.offset());
    }

    static String sfx(DType d) {
        return KernelNames.sfx(d);
    }

    static String shape(View v) {
        return Arrays.toString(v.shape()) + " " + v.dtype().shortName();
    }

    static LaunchGeometry ew(long n) {
        return LaunchGeometry.linear(n, EW_BLOCK, EW_MAX_BLOCKS);
    }

    static LaunchGeometry blocks(long count) {
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("cuda: " + count + " blocks exceed the grid limit");
        return new LaunchGeometry(new int[]{(int) Math.max(count, 1), 1, 1}, new int[]{ROW_BLOCK, 1, 1}, 0);
    }

    static final LaunchGeometry SINGLE_BLOCK = new LaunchGeometry(new int[]{1, 1, 1}, new int[]{ROW_BLOCK, 1, 1}, 0);

    /** A dense temporary of {@code n} elements (returned to the allocator by {@link Temps#close()}). */
    View temp(Temps t, DType dtype, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        CudaStorage s = (CudaStorage) allocate(dtype, n);
        t.add(s);
        return new View(s, shape, Shape.of(shape).contiguousStrides(), 0);
    }

    /** Temporaries of one op, freed together when the op is queued. */
    final class Temps implements AutoCloseable {
        private final List<CudaStorage> storages = new ArrayList<>();

        void add(CudaStorage s) {
            storages.add(s);
        }

        /** {@code v} itself when contiguous, else a dense copy of it. */
        View dense(View v) {
            if (v == null || v.isContiguous()) return v;
            View d = temp(this, v.dtype(), v.shape());
            copy(v, d);
            return d;
        }

        CudaDevice.DeviceBlock block(long bytes, String what) {
            if (bytes <= 0) return null;
            CudaStorage s = new CudaStorage(DType.INT32, 0, dev.allocate(bytes, what));
            storages.add(s);
            return s.block;
        }

        @Override
        public void close() {
            for (CudaStorage s : storages) free(s);
            storages.clear();
        }
    }

    /** Host scalars for cuBLAS/cuDNN's alpha/beta: the element type of the data. */
    static Pointer one(DType d) {
        return d == DType.FLOAT64 ? Pointer.to(new double[]{1}) : Pointer.to(new float[]{1});
    }

    static Pointer zero(DType d) {
        return d == DType.FLOAT64 ? Pointer.to(new double[]{0}) : Pointer.to(new float[]{0});
    }

    /** Launches a strided elementwise kernel over {@code shape} once per part (see {@link StridedLayout}). */
    private interface StridedBody {
        void launch(StridedLayout.Coalesced c, long[] addresses);
    }

    private void strided(int[] shape, View[] operands, StridedBody body) {
        int[][] strides = new int[operands.length][];
        long[] base = new long[operands.length];
        for (int k = 0; k < operands.length; k++) {
            strides[k] = operands[k].strides();
            base[k] = addr(operands[k]);
        }
        StridedLayout.Coalesced c = StridedLayout.coalesce(shape, strides);
        for (StridedLayout.Part part : StridedLayout.split(c)) {
            long[] a = new long[operands.length];
            for (int k = 0; k < operands.length; k++) a[k] = base[k] + part.offsets()[k] * operands[k].dtype().byteSize();
            body.launch(part.inner(), a);
        }
    }

    private int[] readStatus(int count) {
        int[] out = new int[count];
        dev.download(status.pointer, 4, out, 0, count);
        return out;
    }

    /** Reads one element of an index/label view as a long (for error messages). */
    private long readIndex(View v, int position) {
        if (v.dtype() == DType.INT64) {
            long[] one = new long[1];
            dev.download(st(v.storage()).pointer(v.offset() + position), 8, one, 0, 1);
            return one[0];
        }
        int[] one = new int[1];
        dev.download(st(v.storage()).pointer(v.offset() + position), 4, one, 0, 1);
        return one[0];
    }

    // =============================================================================================
    // memory
    // =============================================================================================

    @Override
    public synchronized Storage allocate(DType dtype, int length) {
        if (length < 0) throw new IllegalArgumentException("cuda: negative length " + length);
        if (length == 0) return new CudaStorage(dtype, 0, null);
        long bytes = (long) length * dtype.byteSize();
        return new CudaStorage(dtype, length, dev.allocate(bytes, "a tensor of " + length + " " + dtype.shortName()));
    }

    @Override
    public synchronized void free(Storage storage) {
        CudaStorage s = st(storage);
        s.markFreed();
        if (s.block != null) dev.free(s.block);
    }

    @Override
    public synchronized void writeFromHost(Object hostArray, int srcOffset, Storage dst, int dstOffset, int length) {
        if (length == 0) return;
        CudaStorage s = st(dst);
        dev.upload(hostArray, srcOffset, s.pointer(dstOffset), s.dtype.byteSize(), length);
    }

    @Override
    public synchronized void readToHost(Storage src, int srcOffset, Object hostArray, int dstOffset, int length) {
        if (length == 0) return;
        CudaStorage s = st(src);
        dev.download(s.pointer(srcOffset), s.dtype.byteSize(), hostArray, dstOffset, length);
    }

    // =============================================================================================
    // layout and creation
    // =============================================================================================

    @Override
    public synchronized void copy(View src, View dst) {
        int n = dst.numel();
        if (n == 0) return;
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()) {
            dev.copyDeviceToDevice(ptr(dst), ptr(src), (long) n * dst.dtype().byteSize());
            return;
        }
        String kernel = KernelNames.copy(src.dtype(), dst.dtype());
        strided(dst.shape(), new View[]{src, dst}, (c, a) -> dev.launch(kernel, ew(c.numel()),
                new KernelArgs().i32((int) c.numel()).i32(c.rank()).dims(c.shape()).dims(c.strides()[0]).dims(c.strides()[1]).ptr(a[0]).ptr(a[1]),
                () -> "copy " + src + " -> " + dst));
    }

    @Override
    public synchronized void fill(View dst, double value) {
        int n = dst.numel();
        if (n == 0) return;
        if (!dst.isContiguous()) throw new IllegalStateException("fill: outputs are contiguous by contract, got " + dst);
        dev.launch(KernelNames.fill(dst.dtype()), ew(n), new KernelArgs().i32(n).scalar(sfx(dst.dtype()), value).ptr(addr(dst)), () -> "fill " + shape(dst) + " with " + value);
    }

    @Override
    public synchronized void arange(View dst, double start, double step) {
        int n = dst.numel();
        if (n == 0) return;
        dev.launch(KernelNames.arange(dst.dtype()), ew(n), new KernelArgs().i32(n).f64(start).f64(step).ptr(addr(dst)),
                () -> "arange " + shape(dst) + " start " + start + " step " + step);
    }

    private static LaunchGeometry philox(int n) {
        return ew((n + 3L) / 4);
    }

    @Override
    public synchronized void randUniform(View dst, long seed, long stream, double low, double high) {
        int n = dst.numel();
        if (n == 0) return;
        KernelArgs a = new KernelArgs().i32(n).i64(seed).i64(stream);
        if (dst.dtype() == DType.FLOAT32) a.f32((float) low).f32((float) high);
        else a.f64(low).f64(high);
        dev.launch(KernelNames.randUniform(dst.dtype()), philox(n), a.ptr(addr(dst)), () -> "randUniform " + shape(dst));
    }

    @Override
    public synchronized void randNormal(View dst, long seed, long stream, double mean, double std) {
        int n = dst.numel();
        if (n == 0) return;
        dev.launch(KernelNames.randNormal(dst.dtype()), philox(n),
                new KernelArgs().i32(n).i64(seed).i64(stream).f64(mean).f64(std).ptr(addr(dst)), () -> "randNormal " + shape(dst));
    }

    // =============================================================================================
    // elementwise and reductions
    // =============================================================================================

    @Override
    public synchronized void unary(UnaryOp op, View x, View y, double alpha, double beta) {
        if (y.numel() == 0) return;
        String kernel = KernelNames.unary(op, y.dtype());
        strided(y.shape(), new View[]{x, y}, (c, a) -> dev.launch(kernel, ew(c.numel()),
                new KernelArgs().i32((int) c.numel()).i32(c.rank()).dims(c.shape()).dims(c.strides()[0]).dims(c.strides()[1])
                        .ptr(a[0]).ptr(a[1]).f64(alpha).f64(beta),
                () -> op.opName() + " x" + shape(x) + " -> y" + shape(y)));
    }

    private static boolean needsStatus(BinaryOp op, DType dtype) {
        return op == BinaryOp.DIV && !dtype.isFloatingPoint();
    }

    @Override
    public synchronized void binary(BinaryOp op, View a, View b, View y) {
        if (y.numel() == 0) return;
        String kernel = KernelNames.binary(op, y.dtype());
        boolean checked = needsStatus(op, a.dtype());
        if (checked) dev.zero(status.pointer, 4);
        strided(y.shape(), new View[]{a, b, y}, (c, p) -> dev.launch(kernel, ew(c.numel()),
                new KernelArgs().i32((int) c.numel()).i32(c.rank()).dims(c.shape()).dims(c.strides()[0]).dims(c.strides()[1])
                        .dims(c.strides()[2]).ptr(p[0]).ptr(p[1]).ptr(p[2]).ptr(checked ? status.address : 0),
                () -> op.opName() + " a" + shape(a) + " b" + shape(b) + " -> y" + shape(y)));
        if (checked && readStatus(1)[0] != 0) throw new ArithmeticException("div: integer division by zero");
    }

    @Override
    public synchronized void binaryScalar(BinaryOp op, View a, double scalar, boolean scalarFirst, View y) {
        boolean integral = !a.dtype().isFloatingPoint();
        if (integral && (long) scalar != scalar)
            throw new IllegalArgumentException(op.opName() + ": scalar " + scalar + " is not an integer, tensor is " + a.dtype());
        if (y.numel() == 0) return;
        String kernel = KernelNames.binaryScalar(op, y.dtype());
        boolean checked = needsStatus(op, a.dtype());
        if (checked) dev.zero(status.pointer, 4);
        strided(y.shape(), new View[]{a, y}, (c, p) -> {
            KernelArgs args = new KernelArgs().i32((int) c.numel()).i32(c.rank()).dims(c.shape()).dims(c.strides()[0]).dims(c.strides()[1])
                    .ptr(p[0]);
            if (integral) args.i64((long) scalar);
            else args.f64(scalar);
            args.i32(scalarFirst ? 1 : 0).ptr(p[1]).ptr(checked ? status.address : 0);
            dev.launch(kernel, ew(c.numel()), args, () -> op.opName() + " a" + shape(a) + (scalarFirst ? " scalar first " : " scalar ")
                    + scalar + " -> y" + shape(y));
        });
        if (checked && readStatus(1)[0] != 0) throw new ArithmeticException("div: integer division by zero");
    }

    /** Splits x's dimensions into kept and reduced ones (each coalesced over x's strides). */
    private static StridedLayout.Coalesced[] reducePlan(View x, boolean[] reduced, String op) {
        int r = x.rank(), nk = 0;
        for (boolean b : reduced) if (!b) nk++;
        int[] ks = new int[nk], kst = new int[nk], rs = new int[r - nk], rst = new int[r - nk];
        for (int i = 0, a = 0, b = 0; i < r; i++) {
            if (reduced[i]) { rs[b] = x.shape()[i]; rst[b++] = x.strides()[i]; }
            else { ks[a] = x.shape()[i]; kst[a++] = x.strides()[i]; }
        }
        StridedLayout.Coalesced kept = StridedLayout.coalesce(ks, kst), red = StridedLayout.coalesce(rs, rst);
        if (kept.rank() > StridedLayout.MAX_RANK || red.rank() > StridedLayout.MAX_RANK)
            throw new UnsupportedOperationException(op + ": x" + shape(x) + " strides " + Arrays.toString(x.strides())
                    + " keeps or reduces more than " + StridedLayout.MAX_RANK + " non-mergeable dimensions; make it contiguous first");
        return new StridedLayout.Coalesced[]{kept, red};
    }

    @Override
    public synchronized void reduce(ReduceOp op, View x, int[] axes, View y) {
        int outputs = y.numel();
        if (outputs == 0) return;
        boolean[] reduced = new boolean[x.rank()];
        for (int a : axes) reduced[a] = true;
        StridedLayout.Coalesced[] plan = reducePlan(x, reduced, op.opName());
        StridedLayout.Coalesced kept = plan[0], red = plan[1];
        long redCount = red.numel();
        boolean serial = redCount <= SERIAL_REDUCE_MAX_COUNT || outputs >= SERIAL_REDUCE_MIN_OUTPUTS;
        String kernel = KernelNames.reduce(op, serial, x.dtype());
        dev.launch(kernel, serial ? ew(outputs) : blocks(outputs),
                new KernelArgs().i32(outputs).i32((int) redCount).i32(kept.rank()).dims(kept.shape()).dims(kept.strides()[0])
                        .i32(red.rank()).dims(red.shape()).dims(red.strides()[0]).ptr(addr(x)).ptr(addr(y)),
                () -> op.opName() + " x" + shape(x) + " axes " + Arrays.toString(axes) + " -> y" + shape(y));
    }

    @Override
    public synchronized void argReduce(boolean max, View x, int axis, View y) {
        int outputs = y.numel();
        if (outputs == 0) return;
        boolean[] reduced = new boolean[x.rank()];
        reduced[axis] = true;
        StridedLayout.Coalesced kept = reducePlan(x, reduced, max ? "argmax" : "argmin")[0];
        int len = x.shape()[axis], stride = x.strides()[axis];
        boolean serial = len <= SERIAL_REDUCE_MAX_COUNT || outputs >= SERIAL_REDUCE_MIN_OUTPUTS;
        String kernel = KernelNames.argReduce(max, serial, x.dtype());
        dev.launch(kernel, serial ? ew(outputs) : blocks(outputs),
                new KernelArgs().i32(outputs).i32(len).i32(stride).i32(kept.rank()).dims(kept.shape()).dims(kept.strides()[0])
                        .ptr(addr(x)).ptr(addr(y)),
                () -> (max ? "argmax" : "argmin") + " x" + shape(x) + " axis " + axis);
    }

    // =============================================================================================
    // matmul (Note [Row-major GEMM through column-major cuBLAS] on GemmPlan)
    // =============================================================================================

    @Override
    public synchronized void matmul(View a, boolean transA, View b, boolean transB, View c) {
        if (c.numel() == 0) return;
        try (Temps t = new Temps()) {
            // An operand without a unit-stride matrix dimension is never contiguous, so dense() copies it.
            View a2 = GemmPlan.needsDenseCopy(a.shape(), a.strides()) ? t.dense(a) : a;
            View b2 = GemmPlan.needsDenseCopy(b.shape(), b.strides()) ? t.dense(b) : b;
            GemmPlan.Plan plan = GemmPlan.plan(a2.shape(), a2.strides(), a2.offset(), transA, b2.shape(), b2.strides(), b2.offset(), transB,
                    c.shape(), c.strides(), c.offset());
            if (plan.zeroFill()) {
                fill(c, 0);
                return;
            }
            DType dt = c.dtype();
            CudaStorage sa = st(b2.storage()), sb = st(a2.storage()), sc = st(c.storage());
            for (GemmPlan.Call call : plan.calls()) {
                int opA = call.transA() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
                int opB = call.transB() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
                CUdeviceptr pa = sa.pointer(call.aOffset()), pb = sb.pointer(call.bOffset()), pc = sc.pointer(call.cOffset());
                int s;
                String fn;
                if (dt == DType.FLOAT32) {
                    Pointer one = Pointer.to(new float[]{1}), zero = Pointer.to(new float[]{0});
                    if (call.isSingle()) {
                        fn = "cublasSgemm";
                        s = JCublas2.cublasSgemm(dev.cublas, opA, opB, call.m(), call.n(), call.k(), one, pa, call.lda(), pb, call.ldb(), zero, pc,
                                call.ldc());
                    } else {
                        fn = "cublasSgemmStridedBatched";
                        s = JCublas2.cublasSgemmStridedBatched(dev.cublas, opA, opB, call.m(), call.n(), call.k(), one, pa, call.lda(),
                                call.strideA(), pb, call.ldb(), call.strideB(), zero, pc, call.ldc(), call.strideC(), call.batchCount());
                    }
                } else {
                    Pointer one = Pointer.to(new double[]{1}), zero = Pointer.to(new double[]{0});
                    if (call.isSingle()) {
                        fn = "cublasDgemm";
                        s = JCublas2.cublasDgemm(dev.cublas, opA, opB, call.m(), call.n(), call.k(), one, pa, call.lda(), pb, call.ldb(), zero, pc,
                                call.ldc());
                    } else {
                        fn = "cublasDgemmStridedBatched";
                        s = JCublas2.cublasDgemmStridedBatched(dev.cublas, opA, opB, call.m(), call.n(), call.k(), one, pa, call.lda(),
                                call.strideA(), pb, call.ldb(), call.strideB(), zero, pc, call.ldc(), call.strideC(), call.batchCount());
                    }
                }
                Supplier<String> ctx = () -> "matmul a" + shape(a) + (transA ? "ᵀ" : "") + " b" + shape(b) + (transB ? "ᵀ" : "") + ": " + call;
                dev.checkCublas(s, fn, ctx);
                dev.afterLibraryCall(fn, ctx);
            }
        }
    }

    // =============================================================================================
    // convolution and pooling (cuDNN)
    // =============================================================================================

    /** A chosen convolution algorithm and its workspace, cached per direction, shapes, geometry and dtype. */
    record ConvAlgo(int algo, long workspace, int mathType, boolean deterministic) {
    }

    /** One row of cuDNN's algorithm ranking, whichever direction it came from. */
    private record Perf(int algo, int status, long memory, int determinism, int mathType) {
        @Override
        public String toString() {
            return "algo " + algo + " " + cudnnStatus.stringFor(status) + " ws " + memory + " math " + mathType
                    + (determinism == cudnnDeterminism.CUDNN_DETERMINISTIC ? " deterministic" : "");
        }
    }

    /**
     * Picks the first algorithm in cuDNN's heuristic ranking that succeeded, fits the workspace cap,
     * keeps the math type (no TF32 unless allowed) and, for the backward passes, is deterministic
     * (an atomics-based one only if nothing deterministic fits).
     */
    private ConvAlgo choose(String direction, List<Perf> perfs, DType dtype, boolean preferDeterministic, Supplier<String> ctx) {
        boolean fmaOnly = dtype == DType.FLOAT32 && !dev.allowTf32;
        for (int pass = preferDeterministic ? 0 : 1; pass < 2; pass++) {
            for (Perf p : perfs) {
                if (p.status() != cudnnStatus.CUDNN_STATUS_SUCCESS || p.memory() > convWorkspaceLimit) continue;
                if (fmaOnly && p.mathType() != cudnnMathType.CUDNN_FMA_MATH) continue;
                if (!dev.allowTf32 && (p.mathType() == cudnnMathType.CUDNN_TENSOR_OP_MATH
                        || p.mathType() == cudnnMathType.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)) continue;
                boolean det = p.determinism() == cudnnDeterminism.CUDNN_DETERMINISTIC;
                if (pass == 0 && !det) continue;
                return new ConvAlgo(p.algo(), p.memory(), p.mathType(), det);
            }
        }
        // Should cuDNN rate every algorithm with another math type than the descriptor's (not expected:
        // the ranking follows the descriptor), run the best one that fits under the requested math type.
        int requested = CudnnParams.mathType(dtype, dev.allowTf32);
        for (Perf p : perfs)
            if (p.status() == cudnnStatus.CUDNN_STATUS_SUCCESS && p.memory() <= convWorkspaceLimit)
                return new ConvAlgo(p.algo(), p.memory(), requested, p.determinism() == cudnnDeterminism.CUDNN_DETERMINISTIC);
        throw new IllegalStateException("conv2d " + direction + ": cuDNN offers no usable algorithm within the workspace cap of "
                + convWorkspaceLimit + " bytes (-Ddendrite.cuda.convWorkspaceLimit) for " + ctx.get() + "; cuDNN's ranking: " + perfs);
    }

    private static String convKey(String dir, View x, View w, View y, Conv2dParams p) {
        return dir + Arrays.toString(x.shape()) + Arrays.toString(w.shape()) + Arrays.toString(y.shape()) + p + x.dtype();
    }

    private int maxCount(String fn, java.util.function.Function<int[], Integer> call) {
        int[] n = {0};
        dev.checkCudnn(call.apply(n), fn, () -> "");
        return Math.max(n[0], 1);
    }

    /**
     * The common frame of the three convolution directions: dense operands, descriptors, the cached
     * algorithm with its math type, a workspace, then the cuDNN call.
     */
    private interface ConvCall {
        int run(TensorDescriptor xDesc, FilterDescriptor wDesc, ConvolutionDescriptor cDesc, TensorDescriptor yDesc, ConvAlgo algo,
                Pointer workspace);
    }

    private interface AlgoSearch {
        List<Perf> rank(TensorDescriptor xDesc, FilterDescriptor wDesc, ConvolutionDescriptor cDesc, TensorDescriptor yDesc);
    }

    private void convolution(String dir, View x, View w, View y, Conv2dParams p, boolean backward, AlgoSearch search, ConvCall call) {
        DType dt = y.dtype();
        Supplier<String> ctx = () -> "conv2d " + dir + " x" + shape(x) + " w" + shape(w) + " y" + shape(y) + " " + p;
        try (TensorDescriptor xDesc = TensorDescriptor.packed(dt, x.shape());
             FilterDescriptor wDesc = new FilterDescriptor(dt, w.shape());
             ConvolutionDescriptor cDesc = new ConvolutionDescriptor(CudnnParams.conv2d(p, dt, dev.allowTf32));
             TensorDescriptor yDesc = TensorDescriptor.packed(dt, y.shape());
             Temps t = new Temps()) {
            ConvAlgo algo = convAlgos.computeIfAbsent(convKey(dir, x, w, y, p), k -> {
                ConvAlgo a = choose(dir, search.rank(xDesc, wDesc, cDesc, yDesc), dt, backward, ctx);
                log.debug("conv2d {} algorithm {} (workspace {} B, math {}, deterministic {}) for {}", dir, a.algo(), a.workspace(),
                        a.mathType(), a.deterministic(), ctx.get());
                return a;
            });
            cDesc.setMathType(algo.mathType());
            CudaDevice.DeviceBlock ws = t.block(algo.workspace(), "conv2d " + dir + " workspace");
            int s = call.run(xDesc, wDesc, cDesc, yDesc, algo, ws == null ? new Pointer() : ws.pointer);
            String fn = "cudnnConvolution" + switch (dir) {
                case "forward" -> "Forward";
                case "backward data" -> "BackwardData";
                default -> "BackwardFilter";
            };
            dev.checkCudnn(s, fn, () -> ctx.get() + ", algo " + algo.algo());
            dev.afterLibraryCall(fn, ctx);
        }
    }

    @Override
    public synchronized void conv2dForward(View x, View w, Conv2dParams p, View y) {
        if (y.numel() == 0) return;
        if (x.numel() == 0 || w.numel() == 0) {
            fill(y, 0);
            return;
        }
        dev.makeCurrent();
        DType dt = y.dtype();
        try (Temps t = new Temps()) {
            View xd = t.dense(x), wd = t.dense(w);
            convolution("forward", xd, wd, y, p, false, (xDesc, wDesc, cDesc, yDesc) -> {
                int n = maxCount("cudnnGetConvolutionForwardAlgorithmMaxCount", c -> JCudnn.cudnnGetConvolutionForwardAlgorithmMaxCount(dev.cudnn, c));
                cudnnConvolutionFwdAlgoPerf[] perf = new cudnnConvolutionFwdAlgoPerf[n];
                for (int i = 0; i < n; i++) perf[i] = new cudnnConvolutionFwdAlgoPerf();
                int[] returned = {0};
                dev.checkCudnn(JCudnn.cudnnGetConvolutionForwardAlgorithm_v7(dev.cudnn, xDesc.handle(), wDesc.handle(), cDesc.handle(),
                        yDesc.handle(), n, returned, perf), "cudnnGetConvolutionForwardAlgorithm_v7", () -> "x" + shape(x));
                List<Perf> out = new ArrayList<>();
                for (int i = 0; i < returned[0]; i++)
                    out.add(new Perf(perf[i].algo, perf[i].status, perf[i].memory, perf[i].determinism, perf[i].mathType));
                return out;
            }, (xDesc, wDesc, cDesc, yDesc, algo, ws) -> JCudnn.cudnnConvolutionForward(dev.cudnn, one(dt), xDesc.handle(), ptr(xd),
                    wDesc.handle(), ptr(wd), cDesc.handle(), algo.algo(), ws, algo.workspace(), zero(dt), yDesc.handle(), ptr(y)));
        }
    }

    @Override
    public synchronized void conv2dBackwardData(View dy, View w, Conv2dParams p, View dx) {
        if (dx.numel() == 0) return;
        if (dy.numel() == 0 || w.numel() == 0) {
            fill(dx, 0);
            return;
        }
        dev.makeCurrent();
        DType dt = dx.dtype();
        try (Temps t = new Temps()) {
            View g = t.dense(dy), wd = t.dense(w);
            convolution("backward data", dx, wd, g, p, true, (xDesc, wDesc, cDesc, yDesc) -> {
                int n = maxCount("cudnnGetConvolutionBackwardDataAlgorithmMaxCount",
                        c -> JCudnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(dev.cudnn, c));
                cudnnConvolutionBwdDataAlgoPerf[] perf = new cudnnConvolutionBwdDataAlgoPerf[n];
                for (int i = 0; i < n; i++) perf[i] = new cudnnConvolutionBwdDataAlgoPerf();
                int[] returned = {0};
                dev.checkCudnn(JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(dev.cudnn, wDesc.handle(), yDesc.handle(), cDesc.handle(),
                        xDesc.handle(), n, returned, perf), "cudnnGetConvolutionBackwardDataAlgorithm_v7", () -> "dy" + shape(dy));
                List<Perf> out = new ArrayList<>();
                for (int i = 0; i < returned[0]; i++)
                    out.add(new Perf(perf[i].algo, perf[i].status, perf[i].memory, perf[i].determinism, perf[i].mathType));
                return out;
            }, (xDesc, wDesc, cDesc, yDesc, algo, ws) -> JCudnn.cudnnConvolutionBackwardData(dev.cudnn, one(dt), wDesc.handle(), ptr(wd),
                    yDesc.handle(), ptr(g), cDesc.handle(), algo.algo(), ws, algo.workspace(), zero(dt), xDesc.handle(), ptr(dx)));
        }
    }

    @Override
    public synchronized void conv2dBackwardFilter(View x, View dy, Conv2dParams p, View dw) {
        if (dw.numel() == 0) return;
        if (x.numel() == 0 || dy.numel() == 0) {
            fill(dw, 0);
            return;
        }
        dev.makeCurrent();
        DType dt = dw.dtype();
        try (Temps t = new Temps()) {
            View xd = t.dense(x), g = t.dense(dy);
            convolution("backward filter", xd, dw, g, p, true, (xDesc, wDesc, cDesc, yDesc) -> {
                int n = maxCount("cudnnGetConvolutionBackwardFilterAlgorithmMaxCount",
                        c -> JCudnn.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(dev.cudnn, c));
                cudnnConvolutionBwdFilterAlgoPerf[] perf = new cudnnConvolutionBwdFilterAlgoPerf[n];
                for (int i = 0; i < n; i++) perf[i] = new cudnnConvolutionBwdFilterAlgoPerf();
                int[] returned = {0};
                dev.checkCudnn(JCudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(dev.cudnn, xDesc.handle(), yDesc.handle(), cDesc.handle(),
                        wDesc.handle(), n, returned, perf), "cudnnGetConvolutionBackwardFilterAlgorithm_v7", () -> "x" + shape(x));
                List<Perf> out = new ArrayList<>();
                for (int i = 0; i < returned[0]; i++)
                    out.add(new Perf(perf[i].algo, perf[i].status, perf[i].memory, perf[i].determinism, perf[i].mathType));
                return out;
            }, (xDesc, wDesc, cDesc, yDesc, algo, ws) -> JCudnn.cudnnConvolutionBackwardFilter(dev.cudnn, one(dt), xDesc.handle(), ptr(xd),
                    yDesc.handle(), ptr(g), cDesc.handle(), algo.algo(), ws, algo.workspace(), zero(dt), wDesc.handle(), ptr(dw)));
        }
    }

    @Override
    public synchronized void conv2dBackwardBias(View dy, View db) {
        if (db.numel() == 0) return;
        if (dy.numel() == 0) {
            fill(db, 0);
            return;
        }
        dev.makeCurrent();
        DType dt = db.dtype();
        try (Temps t = new Temps();
             TensorDescriptor dyDesc = TensorDescriptor.packed(dt, dy.shape());
             TensorDescriptor dbDesc = TensorDescriptor.packed(dt, 1, db.numel(), 1, 1)) {
            View g = t.dense(dy);
            Supplier<String> ctx = () -> "conv2d backward bias dy" + shape(dy) + " db" + shape(db);
            dev.checkCudnn(JCudnn.cudnnConvolutionBackwardBias(dev.cudnn, one(dt), dyDesc.handle(), ptr(g), zero(dt), dbDesc.handle(), ptr(db)),
                    "cudnnConvolutionBackwardBias", ctx);
            dev.afterLibraryCall("cudnnConvolutionBackwardBias", ctx);
        }
    }

    @Override
    public synchronized void pool2dForward(View x, Pool2dParams p, View y) {
        if (y.numel() == 0) return;
        dev.makeCurrent();
        DType dt = y.dtype();
        try (Temps t = new Temps();
             PoolingDescriptor pd = new PoolingDescriptor(CudnnParams.pool2d(p));
             TensorDescriptor xDesc = TensorDescriptor.packed(dt, x.shape());
             TensorDescriptor yDesc = TensorDescriptor.packed(dt, y.shape())) {
            View xd = t.dense(x);
            Supplier<String> ctx = () -> "pool2d x" + shape(x) + " " + p;
            dev.checkCudnn(JCudnn.cudnnPoolingForward(dev.cudnn, pd.handle(), one(dt), xDesc.handle(), ptr(xd), zero(dt), yDesc.handle(), ptr(y)),
                    "cudnnPoolingForward", ctx);
            dev.afterLibraryCall("cudnnPoolingForward", ctx);
        }
    }

    @Override
    public synchronized void pool2dBackward(View x, View y, View dy, Pool2dParams p, View dx) {
        if (dx.numel() == 0) return;
        if (dy.numel() == 0) {
            fill(dx, 0);
            return;
        }
        dev.makeCurrent();
        DType dt = dx.dtype();
        try (Temps t = new Temps();
             PoolingDescriptor pd = new PoolingDescriptor(CudnnParams.pool2d(p));
             TensorDescriptor xDesc = TensorDescriptor.packed(dt, x.shape());
             TensorDescriptor yDesc = TensorDescriptor.packed(dt, y.shape())) {
            View xd = t.dense(x), yd = t.dense(y), g = t.dense(dy);
            Supplier<String> ctx = () -> "pool2d backward x" + shape(x) + " " + p;
            dev.checkCudnn(JCudnn.cudnnPoolingBackward(dev.cudnn, pd.handle(), one(dt), yDesc.handle(), ptr(yd), yDesc.handle(), ptr(g),
                    xDesc.handle(), ptr(xd), zero(dt), xDesc.handle(), ptr(dx)), "cudnnPoolingBackward", ctx);
            dev.afterLibraryCall("cudnnPoolingBackward", ctx);
        }
    }

    @Override
    public synchronized void upsample2x(UpsampleMode mode, View x, View y) {
        if (y.numel() == 0) return;
        int[] s = x.shape();
        int planes = s[0] * s[1], h = s[2], w = s[3];
        try (Temps t = new Temps()) {
            View xd = t.dense(x);
            dev.launch(KernelNames.upsample(mode, true, y.dtype()), ew(4L * planes * h * w),
                    new KernelArgs().i32(planes).i32(h).i32(w).ptr(addr(xd)).ptr(addr(y)), () -> "upsample2x " + mode + " x" + shape(x));
        }
    }

    @Override
    public synchronized void upsample2xBackward(UpsampleMode mode, View dy, View dx) {
        if (dx.numel() == 0) return;
        int[] s = dx.shape();
        int planes = s[0] * s[1], h = s[2], w = s[3];
        try (Temps t = new Temps()) {
            View g = t.dense(dy);
            dev.launch(KernelNames.upsample(mode, false, dx.dtype()), ew((long) planes * h * w),
                    new KernelArgs().i32(planes).i32(h).i32(w).ptr(addr(g)).ptr(addr(dx)), () -> "upsample2x backward " + mode + " dx" + shape(dx));
        }
    }

    // =============================================================================================
    // normalisation, activations, dropout
    // =============================================================================================

    /**
     * cuDNN's minimum batch-norm epsilon (CUDNN_BN_MIN_EPSILON, 1e-5 before cuDNN 7.5 and 0 since);
     * the backward pass reads the saved statistics, so its epsilon argument only has to be legal.
     */
    private static final double BN_BACKWARD_EPSILON = 1e-5;

    @Override
    public synchronized void batchNormForwardTraining(View x, View gamma, View beta, BatchNormParams p, View runningMean, View runningVar,
                                                      View y, View saveMean, View saveInvStd) {
        if (x.numel() == 0) return;
        dev.makeCurrent();
        DType dt = x.dtype();
        int mode = CudnnParams.batchNormMode(x.rank());
        try (Temps t = new Temps();
             TensorDescriptor xDesc = TensorDescriptor.packed(dt, CudnnParams.batchNormShape(x.shape()));
             TensorDescriptor pDesc = TensorDescriptor.packed(dt, CudnnParams.batchNormParamShape(x.shape()))) {
            View xd = t.dense(x), g = t.dense(gamma), b = t.dense(beta);
            requireContiguous("batchNorm", runningMean, runningVar, saveMean, saveInvStd);
            Supplier<String> ctx = () -> "batchNorm training x" + shape(x) + " eps " + p.epsilon() + " momentum " + p.momentum();
            dev.checkCudnn(JCudnn.cudnnBatchNormalizationForwardTraining(dev.cudnn, mode, one(dt), zero(dt), xDesc.handle(), ptr(xd),
                    xDesc.handle(), ptr(y), pDesc.handle(), ptr(g), ptr(b), p.momentum(), ptr(runningMean), ptr(runningVar), p.epsilon(),
                    ptr(saveMean), ptr(saveInvStd)), "cudnnBatchNormalizationForwardTraining", ctx);
            dev.afterLibraryCall("cudnnBatchNormalizationForwardTraining", ctx);
        }
    }

    @Override
    public synchronized void batchNormForwardInference(View x, View gamma, View beta, View runningMean, View runningVar, double epsilon,
                                                       View y) {
        if (x.numel() == 0) return;
        dev.makeCurrent();
        DType dt = x.dtype();
        int mode = CudnnParams.batchNormMode(x.rank());
        try (Temps t = new Temps();
             TensorDescriptor xDesc = TensorDescriptor.packed(dt, CudnnParams.batchNormShape(x.shape()));
             TensorDescriptor pDesc = TensorDescriptor.packed(dt, CudnnParams.batchNormParamShape(x.shape()))) {
            View xd = t.dense(x), g = t.dense(gamma), b = t.dense(beta), m = t.dense(runningMean), v = t.dense(runningVar);
            Supplier<String> ctx = () -> "batchNorm inference x" + shape(x) + " eps " + epsilon;
            dev.checkCudnn(JCudnn.cudnnBatchNormalizationForwardInference(dev.cudnn, mode, one(dt), zero(dt), xDesc.handle(), ptr(xd),
                    xDesc.handle(), ptr(y), pDesc.handle(), ptr(g), ptr(b), ptr(m), ptr(v), epsilon), "cudnnBatchNormalizationForwardInference", ctx);
            dev.afterLibraryCall("cudnnBatchNormalizationForwardInference", ctx);
        }
    }

    @Override
    public synchronized void batchNormBackward(View x, View dy, View gamma, View saveMean, View saveInvStd, View dx, View dgamma, View dbeta) {
        if (x.numel() == 0) return;
        dev.makeCurrent();
        DType dt = x.dtype();
        int mode = CudnnParams.batchNormMode(x.rank());
        try (Temps t = new Temps();
             TensorDescriptor xDesc = TensorDescriptor.packed(dt, CudnnParams.batchNormShape(x.shape()));
             TensorDescriptor pDesc = TensorDescriptor.packed(dt, CudnnParams.batchNormParamShape(x.shape()))) {
            View xd = t.dense(x), g = t.dense(dy), ga = t.dense(gamma), m = t.dense(saveMean), s = t.dense(saveInvStd);
            Supplier<String> ctx = () -> "batchNorm backward x" + shape(x);
            dev.checkCudnn(JCudnn.cudnnBatchNormalizationBackward(dev.cudnn, mode, one(dt), zero(dt), one(dt), zero(dt), xDesc.handle(),
                    ptr(xd), xDesc.handle(), ptr(g), xDesc.handle(), ptr(dx), pDesc.handle(), ptr(ga), ptr(dgamma), ptr(dbeta),
                    BN_BACKWARD_EPSILON, ptr(m), ptr(s)), "cudnnBatchNormalizationBackward", ctx);
            dev.afterLibraryCall("cudnnBatchNormalizationBackward", ctx);
        }
    }

    private static void requireContiguous(String op, View... views) {
        for (View v : views)
            if (!v.isContiguous())
                throw new IllegalStateException(op + ": state tensor " + v + " must be contiguous (it is updated in place)");
    }

    /**
     * Note [Activation backward through our kernels]
     * The SPI hands over only the tensor each rule reads (x for RELU, LEAKY_RELU, ELU, GELU; y for
     * SIGMOID, TANH; the other may be null), while cudnnActivationBackward wants both and has no
     * LEAKY_RELU or GELU. Our {@code act_bwd_*} kernels take exactly what the SPI gives and compute the
     * CPU backend's formulas, so every activation goes through them.
     */
    @Override
    public synchronized void activationBackward(ActivationOp op, View x, View y, View dy, double alpha, View dx) {
        int n = dx.numel();
        if (n == 0) return;
        View in = switch (op) {
            case RELU, LEAKY_RELU, ELU, GELU -> x;
            case SIGMOID, TANH -> y;
        };
        if (in == null)
            throw new IllegalArgumentException("activationBackward(" + op + "): the forward " + (op == ActivationOp.SIGMOID || op == ActivationOp.TANH ? "output y" : "input x") + " is required");
        try (Temps t = new Temps()) {
            View ind = t.dense(in), g = t.dense(dy);
            dev.launch(KernelNames.activationBackward(op, dx.dtype()), ew(n),
                    new KernelArgs().i32(n).ptr(addr(ind)).ptr(addr(g)).f64(alpha).ptr(addr(dx)), () -> "activationBackward " + op + " dx" + shape(dx));
        }
    }

    @Override
    public synchronized void softmax(View x, int axis, boolean log, View y) {
        if (y.numel() == 0) return;
        dev.makeCurrent();
        DType dt = y.dtype();
        try (Temps t = new Temps(); TensorDescriptor d = TensorDescriptor.packed(dt, CudnnParams.softmaxShape(x.shape(), axis))) {
            View xd = t.dense(x);
            Supplier<String> ctx = () -> (log ? "logSoftmax" : "softmax") + " x" + shape(x) + " axis " + axis;
            dev.checkCudnn(JCudnn.cudnnSoftmaxForward(dev.cudnn, CudnnParams.softmaxAlgorithm(log), CudnnParams.SOFTMAX_MODE, one(dt), d.handle(),
                    ptr(xd), zero(dt), d.handle(), ptr(y)), "cudnnSoftmaxForward", ctx);
            dev.afterLibraryCall("cudnnSoftmaxForward", ctx);
        }
    }

    @Override
    public synchronized void softmaxBackward(View y, View dy, int axis, boolean log, View dx) {
        if (dx.numel() == 0) return;
        dev.makeCurrent();
        DType dt = dx.dtype();
        try (Temps t = new Temps(); TensorDescriptor d = TensorDescriptor.packed(dt, CudnnParams.softmaxShape(y.shape(), axis))) {
            View yd = t.dense(y), g = t.dense(dy);
            Supplier<String> ctx = () -> (log ? "logSoftmax" : "softmax") + " backward y" + shape(y) + " axis " + axis;
            dev.checkCudnn(JCudnn.cudnnSoftmaxBackward(dev.cudnn, CudnnParams.softmaxAlgorithm(log), CudnnParams.SOFTMAX_MODE, one(dt), d.handle(),
                    ptr(yd), d.handle(), ptr(g), zero(dt), d.handle(), ptr(dx)), "cudnnSoftmaxBackward", ctx);
            dev.afterLibraryCall("cudnnSoftmaxBackward", ctx);
        }
    }

    @Override
    public synchronized void dropout(View x, double p, long seed, long stream, View y, View mask) {
        int n = y.numel();
        if (n == 0) return;
        double scale = p >= 1 ? 0 : 1 / (1 - p);
        try (Temps t = new Temps()) {
            View xd = t.dense(x);
            dev.launch(KernelNames.dropout(y.dtype()), philox(n),
                    new KernelArgs().i32(n).i64(seed).i64(stream).f32((float) p).f64(scale).ptr(addr(xd)).ptr(addr(y)).ptr(addr(mask)),
                    () -> "dropout p=" + p + " x" + shape(x));
        }
    }

    // =============================================================================================
    // losses and lookups
    // =============================================================================================

    @Override
    public synchronized void softmaxCrossEntropy(View logits, View labels, CrossEntropyParams p, View loss, View dlogits) {
        int n = logits.shape()[0], c = logits.shape()[1];
        try (Temps t = new Temps()) {
            View l = t.dense(logits), lab = t.dense(labels);
            CudaDevice.DeviceBlock cls = t.block(4L * Math.max(n, 1), "crossEntropy classes");
            CudaDevice.DeviceBlock perSample = t.block(8L * Math.max(n, 1), "crossEntropy per-sample losses");
            Supplier<String> ctx = () -> "crossEntropy logits" + shape(logits) + " labels" + shape(labels);
            dev.launch(KernelNames.ceLabels(labels.dtype()), SINGLE_BLOCK, new KernelArgs().i32(n).ptr(addr(lab)).i32(c).i64(p.ignoreIndex()).ptr(cls.address)
                    .ptr(status.address), ctx);
            int bad = readStatus(1)[0];
            if (bad >= 0) {
                long label = readIndex(lab, bad);
                String ignore = p.ignoreIndex() == CrossEntropyParams.NO_IGNORE ? "" : " and is not the ignore index " + p.ignoreIndex();
                throw new IllegalArgumentException("crossEntropy: label " + label + " at sample " + bad + " is out of range [0, " + c + ")" + ignore);
            }
            int reduction = p.reduction().ordinal();
            if (n > 0)
                dev.launch(KernelNames.ceForward(logits.dtype()), blocks(n), new KernelArgs().i32(n).i32(c).ptr(addr(l)).ptr(cls.address).ptr(status.address)
                        .i32(reduction).f64(p.labelSmoothing()).ptr(addr(loss)).ptr(perSample.address)
                        .ptr(dlogits == null ? 0 : addr(dlogits)), ctx);
            if (p.reduction() != Reduction.NONE)
                dev.launch(KernelNames.ceReduce(logits.dtype()), SINGLE_BLOCK, new KernelArgs().i32(n).ptr(perSample.address).ptr(status.address).i32(reduction)
                        .ptr(addr(loss)), ctx);
        }
    }

    private void checkIndices(String op, View idx, int bound) {
        int count = idx.numel();
        dev.launch(KernelNames.indexCheck(idx.dtype()), SINGLE_BLOCK, new KernelArgs().i32(count).ptr(addr(idx)).i32(bound).ptr(status.address),
                () -> op + " indices" + shape(idx));
        int bad = readStatus(1)[0];
        if (bad >= 0)
            throw new IllegalArgumentException(op + ": index " + readIndex(idx, bad) + " at position " + bad + " is out of range [0, " + bound + ")");
    }

    @Override
    public synchronized void embedding(View weight, View indices, View rows) {
        int v = weight.shape()[0], d = weight.shape()[1], count = indices.numel();
        try (Temps t = new Temps()) {
            View idx = t.dense(indices), w = t.dense(weight);
            checkIndices("embedding", idx, v);
            if ((long) count * d == 0) return;
            dev.launch(KernelNames.embeddingForward(weight.dtype(), indices.dtype()), ew((long) count * d),
                    new KernelArgs().i32(count).i32(d).i32(v).ptr(addr(idx)).ptr(addr(w)).ptr(addr(rows)),
                    () -> "embedding weight" + shape(weight) + " indices" + shape(indices));
        }
    }

    @Override
    public synchronized void embeddingBackward(View indices, View drows, View dweight) {
        int v = dweight.shape()[0], d = dweight.shape()[1], count = indices.numel();
        try (Temps t = new Temps()) {
            View idx = t.dense(indices), g = t.dense(drows);
            checkIndices("embeddingBackward", idx, v);
            if ((long) v * d == 0) return;
            CudaDevice.DeviceBlock start = t.block(4L * (v + 1), "embedding backward buckets");
            CudaDevice.DeviceBlock order = t.block(4L * Math.max(count, 1), "embedding backward order");
            Supplier<String> ctx = () -> "embeddingBackward indices" + shape(indices) + " dweight" + shape(dweight);
            dev.launch(KernelNames.embeddingBuckets(indices.dtype()), SINGLE_BLOCK,
                    new KernelArgs().i32(count).ptr(addr(idx)).i32(v).ptr(start.address).ptr(order.address), ctx);
            dev.launch(KernelNames.embeddingBackward(dweight.dtype()), ew((long) v * d),
                    new KernelArgs().i32(v).i32(d).ptr(start.address).ptr(order.address).ptr(addr(g)).ptr(addr(dweight)), ctx);
        }
    }

    // =============================================================================================
    // recurrent (cuDNN v8)
    // =============================================================================================

    @Override
    public synchronized RnnReserve rnnForward(RnnParams p, boolean training, long dropoutStream, int[] seqLengths, View x, View hx, View cx,
                                              View[] weights, View y, View hy, View cy) {
        return rnn.forward(p, training, dropoutStream, seqLengths, x, hx, cx, weights, y, hy, cy);
    }

    @Override
    public synchronized void rnnBackwardData(RnnParams p, int[] seqLengths, RnnReserve reserve, View y, View dy, View hx, View dhy, View cx,
                                             View dcy, View[] weights, View dx, View dhx, View dcx) {
        rnn.backwardData(p, seqLengths, reserve, y, dy, hx, dhy, cx, dcy, weights, dx, dhx, dcx);
    }

    @Override
    public synchronized void rnnBackwardWeights(RnnParams p, int[] seqLengths, RnnReserve reserve, View x, View hx, View y, View[] dweights) {
        rnn.backwardWeights(p, seqLengths, reserve, x, hx, y, dweights);
    }

    // =============================================================================================

    /** Live/peak/cached bytes of the device allocator, for diagnostics. */
    String memoryReport() {
        return "live " + CudaAllocator.human(dev.allocator.liveBytes()) + ", peak " + CudaAllocator.human(dev.allocator.peakBytes()) + ", cached "
                + CudaAllocator.human(dev.allocator.cachedBytes());
    }

    @Override
    public synchronized void close() {
        try {
            dev.free(status);
        } finally {
            dev.close();
        }
    }
}
