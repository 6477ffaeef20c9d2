package dev.dendrite;

import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.ReduceOp;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.View;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array on one backend's device: a shape, a dtype and a strided window on storage
 * that it may share with other views. Ops validate their operands ({@link ShapeRules}), allocate
 * the output, dispatch to the backend, and record an autograd rule when an input requires a
 * gradient. Ops never modify their operands; the few in-place methods say so in their names and are
 * meant for optimizer internals.
 * <p>
 * Memory is released deterministically: by {@link #close()}, or by the {@link MemoryScope} the
 * tensor was created in. {@link #toString()} never copies device data; host copies are explicit
 * ({@link #toFloatArray()} and friends).
 */
public final class Tensor implements AutoCloseable {
    final StorageHandle handle;
    private final Shape shape;
    private final int[] strides;
    private final int offset;

    MemoryScope scope;
    private MemoryScope freedBy;
    private boolean closed;

    boolean requiresGrad;
    GradNode gradFn;
    private Tensor grad;

    private Tensor(StorageHandle handle, Shape shape, int[] strides, int offset) {
        this.handle = handle;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        handle.retain();
        MemoryScope.register(this);
    }

    // =========================================================================================
    // Creation
    // =========================================================================================

    /** Uninitialised contiguous tensor (callers overwrite every element). */
    static Tensor empty(Shape shape, DType dtype, Backend backend) {
        StorageHandle h = StorageHandle.allocate(backend, dtype, shape.numel());
        return new Tensor(h, shape, shape.contiguousStrides(), 0);
    }

    private static Backend backendOf(Device device) {
        return device == null ? Engine.getDefault() : Engine.backend(device);
    }

    /** Zeros of the given shape and dtype on the default backend. */
    public static Tensor zeros(Shape shape, DType dtype) {
        return full(shape, 0, dtype, null);
    }

    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims), DType.FLOAT32);
    }

    public static Tensor zeros(Shape shape, DType dtype, Device device) {
        return full(shape, 0, dtype, device);
    }

    public static Tensor ones(Shape shape, DType dtype) {
        return full(shape, 1, dtype, null);
    }

    public static Tensor ones(int... dims) {
        return ones(Shape.of(dims), DType.FLOAT32);
    }

    public static Tensor full(Shape shape, double value, DType dtype) {
        return full(shape, value, dtype, null);
    }

    /** Every element {@code value} (rounded to the dtype). */
    public static Tensor full(Shape shape, double value, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, backendOf(device));
        t.backend().fill(t.view(), value);
        return t;
    }

    /** A rank-0 tensor holding {@code value}. */
    public static Tensor scalar(double value, DType dtype) {
        return full(Shape.scalar(), value, dtype, null);
    }

    public static Tensor scalar(double value, DType dtype, Device device) {
        return full(Shape.scalar(), value, dtype, device);
    }

    /** {@code [start, start + step, ...]} up to but excluding {@code end}, 1-D. */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        return arange(start, end, step, dtype, null);
    }

    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        if (step == 0 || Double.isNaN(step)) throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        double count = Math.ceil((end - start) / step);
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("arange: [" + start + ", " + end + ") by " + step + " has too many elements");
        Tensor t = empty(Shape.of((int) Math.max(0, count)), dtype, backendOf(device));
        t.backend().arange(t.view(), start, step);
        return t;
    }

    public static Tensor arange(int end) {
        return arange(0, end, 1, DType.INT64);
    }

    /** A FLOAT32 tensor holding a copy of {@code data}. */
    public static Tensor fromArray(float[] data, int... dims) {
        return fromHost(data, data.length, Shape.of(dims), DType.FLOAT32, null);
    }

    public static Tensor fromArray(double[] data, int... dims) {
        return fromHost(data, data.length, Shape.of(dims), DType.FLOAT64, null);
    }

    public static Tensor fromArray(int[] data, int... dims) {
        return fromHost(data, data.length, Shape.of(dims), DType.INT32, null);
    }

    public static Tensor fromArray(long[] data, int... dims) {
        return fromHost(data, data.length, Shape.of(dims), DType.INT64, null);
    }

    /** Copies a host array ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}) to a device. */
    public static Tensor fromArray(Object hostArray, Shape shape, Device device) {
        DType dtype;
        int length;
        if (hostArray instanceof float[] a) { dtype = DType.FLOAT32; length = a.length; }
        else if (hostArray instanceof double[] a) { dtype = DType.FLOAT64; length = a.length; }
        else if (hostArray instanceof int[] a) { dtype = DType.INT32; length = a.length; }
        else if (hostArray instanceof long[] a) { dtype = DType.INT64; length = a.length; }
        else throw new IllegalArgumentException("fromArray: unsupported host array type " + (hostArray == null ? "null" : hostArray.getClass().getSimpleName()));
        return fromHost(hostArray, length, shape, dtype, device);
    }

    private static Tensor fromHost(Object data, int length, Shape shape, DType dtype, Device device) {
        if (length != shape.numel())
            throw new IllegalArgumentException("fromArray: " + length + " values cannot fill shape " + shape + " (" + shape.numel() + " elements)");
        Tensor t = empty(shape, dtype, backendOf(device));
        t.backend().writeFromHost(data, 0, t.handle.storage, 0, length);
        return t;
    }

    /** Uniform samples in [0, 1) from Philox keyed by (seed, stream 0, element index): identical on every backend. */
    public static Tensor rand(Shape shape, long seed, DType dtype) {
        return rand(shape, seed, 0, 0, 1, dtype, null);
    }

    public static Tensor rand(Shape shape, long seed, long stream, double low, double high, DType dtype, Device device) {
        ShapeRulesFloat.check("rand", dtype);
        Tensor t = empty(shape, dtype, backendOf(device));
        t.backend().randUniform(t.view(), seed, stream, low, high);
        return t;
    }

    /** Standard normal samples from Philox + Box–Muller keyed by (seed, stream 0, element index). */
    public static Tensor randn(Shape shape, long seed, DType dtype) {
        return randn(shape, seed, 0, 0, 1, dtype, null);
    }

    public static Tensor randn(Shape shape, long seed, long stream, double mean, double std, DType dtype, Device device) {
        ShapeRulesFloat.check("randn", dtype);
        Tensor t = empty(shape, dtype, backendOf(device));
        t.backend().randNormal(t.view(), seed, stream, mean, std);
        return t;
    }

    private static final class ShapeRulesFloat {
        static void check(String op, DType dtype) {
            if (!dtype.isFloatingPoint()) throw new IllegalArgumentException(op + ": dtype must be FLOAT32 or FLOAT64, got " + dtype);
        }
    }

    // =========================================================================================
    // Metadata
    // =========================================================================================

    public Shape shape() {
        return shape;
    }

    public int rank() {
        return shape.rank();
    }

    /** Size of one dimension; negative axes count from the end. */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    public int numel() {
        return shape.numel();
    }

    public DType dtype() {
        return handle.storage.dtype();
    }

    public Device device() {
        return handle.backend.device();
    }

    /** The backend that owns this tensor's storage. */
    public Backend backend() {
        return handle.backend;
    }

    public boolean isContiguous() {
        return view().isContiguous();
    }

    /** What a backend sees: storage, shape, strides, offset. Throws if the tensor was freed. */
    public View view() {
        checkLive();
        return new View(handle.storage, shape.toArray(), strides.clone(), offset);
    }

    /** Live and peak bytes of a backend's tensors. */
    public static MemoryStats memoryStats(Backend backend) {
        return StorageHandle.stats(backend.name());
    }

    // =========================================================================================
    // Lifecycle
    // =========================================================================================

    /** Releases this tensor's hold on its storage (freed when no view holds it) and its gradient. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        handle.release();
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    void freeByScope(MemoryScope s) {
        if (!closed) freedBy = s;
        close();
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkLive() {
        if (closed)
            throw new IllegalStateException("tensor " + shape + " " + dtype().shortName() + " was used after "
                    + (freedBy != null ? "its " + freedBy.description() + " closed" : "close()")
                    + " (keep it with MemoryScope.keep(tensor) to use it outside the scope)");
    }

    // =========================================================================================
    // Host copies
    // =========================================================================================

    public float[] toFloatArray() {
        float[] out = new float[numel()];
        readInto(DType.FLOAT32, out);
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[numel()];
        readInto(DType.FLOAT64, out);
        return out;
    }

    public int[] toIntArray() {
        int[] out = new int[numel()];
        readInto(DType.INT32, out);
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[numel()];
        readInto(DType.INT64, out);
        return out;
    }

    /** The single value of a one-element tensor, as a double. */
    public double item() {
        if (numel() != 1) throw new IllegalArgumentException("item: tensor " + shape + " has " + numel() + " elements, not 1");
        return toDoubleArray()[0];
    }

    private void readInto(DType as, Object array) {
        checkLive();
        if (dtype() == as && isContiguous()) {
            backend().readToHost(handle.storage, offset, array, 0, numel());
            return;
        }
        try (Tensor tmp = empty(shape, as, backend())) {
            backend().copy(view(), tmp.view());
            backend().readToHost(tmp.handle.storage, 0, array, 0, numel());
        }
    }

    // =========================================================================================
    // Autograd
    // =========================================================================================

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as needing a gradient; returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value)
            throw new IllegalArgumentException("requiresGrad: cannot turn off on a non-leaf tensor " + shape + " (use detach())");
        if (value && !dtype().isFloatingPoint())
            throw new IllegalArgumentException("requiresGrad: only floating-point tensors have gradients, got " + dtype());
        requiresGrad = value;
        return this;
    }

    /** True when no op produced this tensor under autograd. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The accumulated gradient of a leaf, or null before any backward pass. */
    public Tensor grad() {
        return grad;
    }

    /** Drops the accumulated gradient. */
    public void zeroGrad() {
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** Replaces the gradient (optimizers' gradient clipping); the tensor is taken over by this leaf. */
    public void setGrad(Tensor g) {
        if (g != null && !g.shape.equals(shape))
            throw new IllegalArgumentException("setGrad: gradient " + g.shape + " does not match tensor " + shape);
        if (grad != null && grad != g) grad.close();
        grad = g == null ? null : MemoryScope.release(g);
    }

    void accumulateGrad(Tensor g) {
        if (grad == null) {
            // Always a private copy: a rule may hand the same tensor to several inputs (add, alias),
            // and later accumulation writes into the gradient in place.
            grad = MemoryScope.release(g.contiguousCopy());
        } else {
            grad.addInPlace(g);
        }
    }

    /** Backpropagates from a scalar: equivalent to {@code backward(ones like this)}. */
    public void backward() {
        if (numel() != 1)
            throw new IllegalArgumentException("backward: implicit gradient needs a one-element tensor, got " + shape
                    + "; pass the upstream gradient with backward(gradient)");
        // Nothing keeps the seed after the pass (leaf gradients are copies), so it is freed here.
        try (Tensor seed = full(shape, 1, dtype(), device())) {
            backward(seed, false);
        }
    }

    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /** Backpropagates {@code gradient} (same shape as this); the tape is freed unless {@code retainGraph}. */
    public void backward(Tensor gradient, boolean retainGraph) {
        if (!requiresGrad)
            throw new IllegalStateException("backward: tensor " + shape + " does not require grad (no input had requiresGrad(true))");
        ShapeRules.shapeEquals("backward", "gradient", gradient, shape);
        ShapeRules.sameDTypeAndDevice("backward", this, gradient);
        Autograd.backward(this, gradient, retainGraph);
    }

    /** A view of the same data that is cut from the autograd graph. */
    public Tensor detach() {
        checkLive(); // a view of a freed tensor would re-retain released storage
        return new Tensor(handle, shape, strides, offset);
    }

    // =========================================================================================
    // Views and layout
    // =========================================================================================

    private Tensor viewAs(Shape s, int[] st, int off) {
        checkLive();
        return new Tensor(handle, s, st, off);
    }

    /** Same data with a new shape (one dimension may be -1); a view when the layout allows, else a copy. */
    public Tensor reshape(int... dims) {
        Shape to = ShapeRules.reshape(shape, dims);
        if (to.equals(shape)) return this.alias();
        Tensor src = isContiguous() ? this : contiguous();
        Tensor out = src.viewAs(to, to.contiguousStrides(), src.offset);
        // The copy is internal (gradients flow to this, not to it): let out be its storage's only holder.
        if (src != this) src.close();
        Shape from = shape;
        return Autograd.record("reshape", out, g -> new Tensor[]{g.reshape(from.toArray())}, this);
    }

    public Tensor reshape(Shape to) {
        return reshape(to.toArray());
    }

    /** A new tensor object on the same storage that still flows gradients to this one. */
    private Tensor alias() {
        Tensor out = viewAs(shape, strides, offset);
        return Autograd.record("alias", out, g -> new Tensor[]{g}, this);
    }

    /** Collapses dimensions {@code [startAxis, end]} into one. */
    public Tensor flatten(int startAxis) {
        int s = ShapeRules.axis("flatten", shape, startAxis);
        int[] d = new int[s + 1];
        System.arraycopy(shape.toArray(), 0, d, 0, s);
        d[s] = -1;
        if (numel() == 0) {
            int prod = 1;
            for (int i = s; i < rank(); i++) prod *= dim(i);
            d[s] = prod;
        }
        return reshape(d);
    }

    /** Inserts a size-1 dimension at {@code axis} (in the result's numbering). A view. */
    public Tensor unsqueeze(int axis) {
        int r = rank() + 1;
        if (axis < -r || axis >= r) throw new IllegalArgumentException("unsqueeze: axis " + axis + " out of range for result rank " + r);
        int a = axis < 0 ? axis + r : axis;
        int[] d = new int[r], st = new int[r];
        // A view for any layout: a size-1 dimension is never stepped along, so its stride is arbitrary.
        for (int i = 0, j = 0; i < r; i++) {
            d[i] = i == a ? 1 : dim(j);
            st[i] = i == a ? 1 : strides[j++];
        }
        return sizeOneView("unsqueeze", d, st);
    }

    /** Removes dimension {@code axis}, which must have size 1. A view. */
    public Tensor squeeze(int axis) {
        int a = ShapeRules.axis("squeeze", shape, axis);
        if (dim(a) != 1) throw new IllegalArgumentException("squeeze: dimension " + a + " of " + shape + " has size " + dim(a) + ", not 1");
        int[] d = new int[rank() - 1], st = new int[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (i == a) continue;
            d[j] = dim(i);
            st[j++] = strides[i];
        }
        return sizeOneView("squeeze", d, st);
    }

    /** The same elements with a size-1 dimension added or removed (same storage, offset and order). */
    private Tensor sizeOneView(String op, int[] dims, int[] st) {
        Tensor out = viewAs(Shape.of(dims), st, offset);
        Shape from = shape;
        return Autograd.record(op, out, g -> new Tensor[]{g.reshape(from.toArray())}, this);
    }

    /** Reorders dimensions: result dimension i is this tensor's dimension {@code perm[i]}. A view. */
    public Tensor permute(int... perm) {
        int[] p = ShapeRules.permutation(shape, perm);
        int[] d = new int[p.length], st = new int[p.length], inv = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = dim(p[i]);
            st[i] = strides[p[i]];
            inv[p[i]] = i;
        }
        Tensor out = viewAs(Shape.of(d), st, offset);
        return Autograd.record("permute", out, g -> new Tensor[]{g.permute(inv)}, this);
    }

    /** Swaps two dimensions. A view. */
    public Tensor transpose(int axis0, int axis1) {
        int a = ShapeRules.axis("transpose", shape, axis0), b = ShapeRules.axis("transpose", shape, axis1);
        int[] p = new int[rank()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Elements {@code [start, start + length)} along {@code axis}. A view. */
    public Tensor narrow(int axis, int start, int length) {
        // Checked here so that errors name narrow and its (start, length), not the slice it becomes.
        int a = ShapeRules.axis("narrow", shape, axis);
        ShapeRules.narrow(shape, a, start, length);
        return slice(a, start, start + length, 1);
    }

    /** Elements {@code start, start + step, ...} below {@code end} along {@code axis}. A view. */
    public Tensor slice(int axis, int start, int end, int step) {
        int a = ShapeRules.axis("slice", shape, axis);
        ShapeRules.slice(shape, a, start, end, step);
        int len = (end - start + step - 1) / step;
        int[] st = strides.clone();
        st[a] = strides[a] * step;
        Tensor out = viewAs(shape.withDim(a, len), st, offset + start * strides[a]);
        Shape inShape = shape;
        return Autograd.record("slice", out, g -> {
            Tensor gx = zeros(inShape, g.dtype(), g.device());
            Tensor window = gx.sliceNoGrad(a, start, end, step);
            gx.backend().copy(g.view(), window.view());
            return new Tensor[]{gx};
        }, this);
    }

    private Tensor sliceNoGrad(int a, int start, int end, int step) {
        int len = (end - start + step - 1) / step;
        int[] st = strides.clone();
        st[a] = strides[a] * step;
        return viewAs(shape.withDim(a, len), st, offset + start * strides[a]);
    }

    /** Index {@code index} of dimension {@code axis}, removing that dimension. A view. */
    public Tensor select(int axis, int index) {
        int a = ShapeRules.axis("select", shape, axis);
        if (index < 0 || index >= dim(a))
            throw new IllegalArgumentException("select: index " + index + " out of range [0, " + dim(a) + ") of axis " + a + " of " + shape);
        Tensor row = narrow(a, index, 1);
        Tensor out = row.squeeze(a);
        closeIntermediates(out, row);
        return out;
    }

    /** Broadcasts size-1 dimensions (and new leading ones) to {@code target}. A view with stride 0. */
    public Tensor expand(Shape target) {
        ShapeRules.expandable("expand", shape, target);
        if (target.equals(shape)) return alias();
        int off = target.rank() - rank();
        int[] st = new int[target.rank()];
        for (int i = 0; i < target.rank(); i++) {
            int src = i - off;
            st[i] = src < 0 || (dim(src) == 1 && target.dim(i) != 1) ? 0 : strides[src];
        }
        Tensor out = viewAs(target, st, offset);
        Shape from = shape;
        return Autograd.record("expand", out, g -> new Tensor[]{g.sumTo(from)}, this);
    }

    public Tensor expand(int... dims) {
        return expand(Shape.of(dims));
    }

    /** Same as {@link #expand(Shape)}. */
    public Tensor broadcastTo(Shape target) {
        return expand(target);
    }

    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copyOp("contiguous", dtype());
    }

    /** A contiguous copy with its own storage (gradients flow back). */
    public Tensor copy() {
        return copyOp("copy", dtype());
    }

    private Tensor contiguousCopy() {
        Tensor out = empty(shape, dtype(), backend());
        backend().copy(view(), out.view());
        return out;
    }

    /** Converts to another dtype (a copy; this tensor when the dtype already matches). */
    public Tensor to(DType target) {
        if (target == dtype()) return this;
        return copyOp("to(" + target.shortName() + ")", target);
    }

    private Tensor copyOp(String name, DType target) {
        Tensor out = empty(shape, target, backend());
        backend().copy(view(), out.view());
        DType src = dtype();
        if (!target.isFloatingPoint() || !src.isFloatingPoint()) return out;
        return Autograd.record(name, out, g -> new Tensor[]{g.to(src)}, this);
    }

    /** Copies to another device (this tensor when already there). Gradients do not cross devices. */
    public Tensor to(Device target) {
        if (target.equals(device())) return this;
        Backend dst = Engine.backend(target);
        Tensor src = contiguous();
        Object host = switch (dtype()) {
            case FLOAT32 -> src.toFloatArray();
            case FLOAT64 -> src.toDoubleArray();
            case INT32 -> src.toIntArray();
            case INT64 -> src.toLongArray();
        };
        Tensor out = empty(shape, dtype(), dst);
        dst.writeFromHost(host, 0, out.handle.storage, 0, numel());
        return out;
    }

    /** Joins tensors along an existing axis. */
    public static Tensor concat(List<Tensor> parts, int axis) {
        Shape out = ShapeRules.concat(parts, axis);
        Tensor first = parts.get(0);
        int a = first.shape.normalizeAxis(axis);
        Tensor result = empty(out, first.dtype(), first.backend());
        int at = 0;
        int[] starts = new int[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            starts[i] = at;
            int len = p.dim(a);
            Tensor window = result.sliceNoGrad(a, at, at + len, 1);
            result.backend().copy(p.view(), window.view());
            window.close();
            at += len;
        }
        return Autograd.record("concat", result, g -> {
            Tensor[] gs = new Tensor[parts.size()];
            for (int i = 0; i < gs.length; i++) gs[i] = g.narrow(a, starts[i], parts.get(i).dim(a)).contiguous();
            return gs;
        }, parts.toArray(new Tensor[0]));
    }

    /** Joins equally shaped tensors along a new axis. */
    public static Tensor stack(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new IllegalArgumentException("stack: needs at least one tensor");
        Shape s0 = parts.get(0).shape;
        List<Tensor> expanded = new ArrayList<>();
        for (Tensor t : parts) {
            if (!t.shape.equals(s0)) throw new IllegalArgumentException("stack: shapes differ: " + s0 + " vs " + t.shape);
            expanded.add(t.unsqueeze(axis));
        }
        Tensor out = concat(expanded, axis);
        closeIntermediates(out, expanded.toArray(new Tensor[0]));
        return out;
    }

    /** Splits along {@code axis} into pieces of the given sizes (views). */
    public List<Tensor> split(int axis, int... sizes) {
        int a = ShapeRules.axis("split", shape, axis);
        int total = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split: negative size in " + Arrays.toString(sizes));
            total += s;
        }
        if (total != dim(a))
            throw new IllegalArgumentException("split: sizes " + Arrays.toString(sizes) + " sum to " + total + ", axis " + a + " of "
                    + shape + " has " + dim(a));
        List<Tensor> out = new ArrayList<>();
        int at = 0;
        for (int s : sizes) {
            out.add(narrow(a, at, s));
            at += s;
        }
        return out;
    }

    /** Splits along {@code axis} into {@code chunks} pieces of equal size (the last may be smaller). */
    public List<Tensor> chunk(int chunks, int axis) {
        int a = ShapeRules.axis("chunk", shape, axis);
        if (chunks < 1) throw new IllegalArgumentException("chunk: chunks must be >= 1, got " + chunks);
        int each = (dim(a) + chunks - 1) / chunks;
        List<Integer> sizes = new ArrayList<>();
        for (int left = dim(a); left > 0; left -= each) sizes.add(Math.min(each, left));
        return split(a, sizes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Sums a gradient down to {@code target} by reducing broadcast dimensions. */
    Tensor sumTo(Shape target) {
        if (shape.equals(target)) return this;
        int lead = rank() - target.rank();
        // Runs for every broadcast operand in every backward pass: a plain int[], no boxed list or stream.
        int[] axes = new int[rank()];
        int count = 0;
        for (int i = 0; i < rank(); i++) if (i < lead || target.dim(i - lead) == 1 && dim(i) != 1) axes[count++] = i;
        Tensor s = sum(java.util.Arrays.copyOf(axes, count), true);
        Tensor out = s.reshape(target.toArray());
        closeIntermediates(out, s);
        return out;
    }

    // =========================================================================================
    // Elementwise
    // =========================================================================================

    Tensor unaryOp(UnaryOp op, double alpha, double beta) {
        ShapeRules.unary(op, this);
        Tensor y = empty(shape, dtype(), backend());
        backend().unary(op, view(), y.view(), alpha, beta);
        return Autograd.record(op.opName(), y, g -> new Tensor[]{UnaryGrads.grad(op, this, y, g, alpha, beta)}, this);
    }

    public Tensor neg() { return unaryOp(UnaryOp.NEG, 0, 0); }
    public Tensor abs() { return unaryOp(UnaryOp.ABS, 0, 0); }
    public Tensor exp() { return unaryOp(UnaryOp.EXP, 0, 0); }
    public Tensor log() { return unaryOp(UnaryOp.LOG, 0, 0); }
    public Tensor sqrt() { return unaryOp(UnaryOp.SQRT, 0, 0); }
    public Tensor rsqrt() { return unaryOp(UnaryOp.RSQRT, 0, 0); }
    public Tensor square() { return unaryOp(UnaryOp.SQUARE, 0, 0); }
    public Tensor reciprocal() { return unaryOp(UnaryOp.RECIPROCAL, 0, 0); }
    public Tensor relu() { return unaryOp(UnaryOp.RELU, 0, 0); }
    /** {@code x > 0 ? x : slope·x}. */
    public Tensor leakyRelu(double slope) { return unaryOp(UnaryOp.LEAKY_RELU, slope, 0); }
    public Tensor sigmoid() { return unaryOp(UnaryOp.SIGMOID, 0, 0); }
    public Tensor tanh() { return unaryOp(UnaryOp.TANH, 0, 0); }
    /** {@code x > 0 ? x : alpha·(e^x − 1)}. */
    public Tensor elu(double alpha) { return unaryOp(UnaryOp.ELU, alpha, 0); }
    /** Exact GELU {@code x·Φ(x)}. */
    public Tensor gelu() { return unaryOp(UnaryOp.GELU, 0, 0); }
    public Tensor softplus() { return unaryOp(UnaryOp.SOFTPLUS, 0, 0); }
    public Tensor sign() { return unaryOp(UnaryOp.SIGN, 0, 0); }

    /** Clamps into {@code [min, max]}. */
    public Tensor clamp(double min, double max) {
        if (!(min <= max)) throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        return unaryOp(UnaryOp.CLAMP, min, max);
    }

    Tensor binaryOp(BinaryOp op, Tensor other) {
        ShapeRules.sameDTypeAndDevice(op.opName(), this, other);
        if (op == BinaryOp.POW) ShapeRules.floatingPoint("pow", this);
        Shape out = ShapeRules.broadcast(op.opName(), shape, other.shape);
        Tensor y = empty(out, dtype(), backend());
        backend().binary(op, broadcastView(out), other.broadcastView(out), y.view());
        if (op.isComparison()) return y;
        return Autograd.record(op.opName(), y, g -> BinaryGrads.grad(op, this, other, y, g), this, other);
    }

    /** A view of this tensor broadcast to {@code target} (stride 0 on stretched dimensions). */
    View broadcastView(Shape target) {
        checkLive();
        if (target.equals(shape)) return view();
        int off = target.rank() - rank();
        int[] st = new int[target.rank()];
        for (int i = 0; i < target.rank(); i++) {
            int src = i - off;
            st[i] = src < 0 || dim(src) == 1 ? 0 : strides[src];
        }
        return new View(handle.storage, target.toArray(), st, offset);
    }

    Tensor scalarOp(BinaryOp op, double s, boolean scalarFirst) {
        if (op == BinaryOp.POW) ShapeRules.floatingPoint("pow", this);
        Tensor y = empty(shape, dtype(), backend());
        backend().binaryScalar(op, view(), s, scalarFirst, y.view());
        if (op.isComparison()) return y;
        return Autograd.record(op.opName(), y, g -> new Tensor[]{BinaryGrads.scalarGrad(op, this, s, scalarFirst, y, g)}, this);
    }

    public Tensor add(Tensor o) { return binaryOp(BinaryOp.ADD, o); }
    public Tensor sub(Tensor o) { return binaryOp(BinaryOp.SUB, o); }
    public Tensor mul(Tensor o) { return binaryOp(BinaryOp.MUL, o); }
    public Tensor div(Tensor o) { return binaryOp(BinaryOp.DIV, o); }
    public Tensor pow(Tensor o) { return binaryOp(BinaryOp.POW, o); }
    /** Elementwise maximum (NaN propagates). */
    public Tensor maximum(Tensor o) { return binaryOp(BinaryOp.MAX, o); }
    public Tensor minimum(Tensor o) { return binaryOp(BinaryOp.MIN, o); }
    /** 1 where equal, else 0, in this dtype. */
    public Tensor eq(Tensor o) { return binaryOp(BinaryOp.EQ, o); }
    public Tensor ne(Tensor o) { return binaryOp(BinaryOp.NE, o); }
    public Tensor lt(Tensor o) { return binaryOp(BinaryOp.LT, o); }
    public Tensor le(Tensor o) { return binaryOp(BinaryOp.LE, o); }
    public Tensor gt(Tensor o) { return binaryOp(BinaryOp.GT, o); }
    public Tensor ge(Tensor o) { return binaryOp(BinaryOp.GE, o); }

    public Tensor add(double s) { return scalarOp(BinaryOp.ADD, s, false); }
    public Tensor sub(double s) { return scalarOp(BinaryOp.SUB, s, false); }
    /** {@code s − this}. */
    public Tensor rsub(double s) { return scalarOp(BinaryOp.SUB, s, true); }
    public Tensor mul(double s) { return scalarOp(BinaryOp.MUL, s, false); }
    public Tensor div(double s) { return scalarOp(BinaryOp.DIV, s, false); }
    /** {@code s / this}. */
    public Tensor rdiv(double s) { return scalarOp(BinaryOp.DIV, s, true); }
    public Tensor pow(double s) { return scalarOp(BinaryOp.POW, s, false); }
    public Tensor maximum(double s) { return scalarOp(BinaryOp.MAX, s, false); }
    public Tensor minimum(double s) { return scalarOp(BinaryOp.MIN, s, false); }
    public Tensor eq(double s) { return scalarOp(BinaryOp.EQ, s, false); }
    public Tensor ne(double s) { return scalarOp(BinaryOp.NE, s, false); }
    public Tensor lt(double s) { return scalarOp(BinaryOp.LT, s, false); }
    public Tensor le(double s) { return scalarOp(BinaryOp.LE, s, false); }
    public Tensor gt(double s) { return scalarOp(BinaryOp.GT, s, false); }
    public Tensor ge(double s) { return scalarOp(BinaryOp.GE, s, false); }

    // ---- in place (optimizer internals; never recorded by autograd) --------------------------

    private void checkInPlaceTarget(String op, Tensor other) {
        if (!isContiguous())
            throw new IllegalArgumentException(op + ": target " + shape + " must be contiguous");
        if (requiresGrad && Autograd.isGradEnabled())
            throw new IllegalStateException(op + ": in-place update of a tensor that requires grad; wrap it in Autograd.noGrad()");
        if (other != null) {
            ShapeRules.sameDTypeAndDevice(op, this, other);
            ShapeRules.expandable(op, other.shape, shape);
        }
    }

    /** {@code this += other} (other broadcast to this shape). */
    public Tensor addInPlace(Tensor other) {
        checkInPlaceTarget("addInPlace", other);
        backend().binary(BinaryOp.ADD, view(), other.broadcastView(shape), view());
        return this;
    }

    /** {@code this += alpha · other}. */
    public Tensor addInPlace(Tensor other, double alpha) {
        if (alpha == 1) return addInPlace(other);
        try (Tensor scaled = other.mul(alpha)) {
            return addInPlace(scaled);
        }
    }

    public Tensor subInPlace(Tensor other) {
        checkInPlaceTarget("subInPlace", other);
        backend().binary(BinaryOp.SUB, view(), other.broadcastView(shape), view());
        return this;
    }

    public Tensor mulInPlace(Tensor other) {
        checkInPlaceTarget("mulInPlace", other);
        backend().binary(BinaryOp.MUL, view(), other.broadcastView(shape), view());
        return this;
    }

    public Tensor mulInPlace(double s) {
        checkInPlaceTarget("mulInPlace", null);
        backend().binaryScalar(BinaryOp.MUL, view(), s, false, view());
        return this;
    }

    /** Overwrites this tensor's elements with {@code src} (broadcast, converted to this dtype). */
    public Tensor copyFrom(Tensor src) {
        if (!isContiguous()) throw new IllegalArgumentException("copyFrom: target " + shape + " must be contiguous");
        ShapeRules.sameDevice("copyFrom", this, src);
        ShapeRules.expandable("copyFrom", src.shape, shape);
        backend().copy(src.broadcastView(shape), view());
        return this;
    }

    public Tensor fillInPlace(double value) {
        checkInPlaceTarget("fillInPlace", null);
        backend().fill(view(), value);
        return this;
    }

    // =========================================================================================
    // Reductions
    // =========================================================================================

    Tensor reduceOp(ReduceOp op, int[] axes, boolean keepDim) {
        int[] ax = ShapeRules.reduceAxes(op.opName(), shape, axes);
        if (op == ReduceOp.MEAN) ShapeRules.floatingPoint("mean", this);
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) ShapeRules.nonEmptyReduction(op.opName(), shape, ax);
        Shape kept = ShapeRules.reducedKeepDim(shape, ax);
        Tensor y = empty(kept, dtype(), backend());
        backend().reduce(op, view(), ax, y.view());
        Tensor yk = Autograd.record(op.opName(), y, g -> new Tensor[]{ReduceGrads.grad(op, this, y, g)}, this);
        if (keepDim) return yk;
        Tensor out = yk.reshape(ShapeRules.reducedDropDim(shape, ax).toArray());
        closeIntermediates(out, yk);
        return out;
    }

    /** Sum of all elements (a scalar). */
    public Tensor sum() { return reduceOp(ReduceOp.SUM, null, false); }
    /** Sum over {@code axes} (negative allowed; empty means all). */
    public Tensor sum(int[] axes, boolean keepDim) { return reduceOp(ReduceOp.SUM, axes, keepDim); }
    public Tensor sum(int axis) { return reduceOp(ReduceOp.SUM, new int[]{axis}, false); }
    public Tensor mean() { return reduceOp(ReduceOp.MEAN, null, false); }
    public Tensor mean(int[] axes, boolean keepDim) { return reduceOp(ReduceOp.MEAN, axes, keepDim); }
    public Tensor mean(int axis) { return reduceOp(ReduceOp.MEAN, new int[]{axis}, false); }
    public Tensor max() { return reduceOp(ReduceOp.MAX, null, false); }
    public Tensor max(int[] axes, boolean keepDim) { return reduceOp(ReduceOp.MAX, axes, keepDim); }
    public Tensor min() { return reduceOp(ReduceOp.MIN, null, false); }
    public Tensor min(int[] axes, boolean keepDim) { return reduceOp(ReduceOp.MIN, axes, keepDim); }

    /** Index (INT64) of the first maximum along {@code axis}. */
    public Tensor argmax(int axis, boolean keepDim) { return argOp(true, axis, keepDim); }
    public Tensor argmin(int axis, boolean keepDim) { return argOp(false, axis, keepDim); }

    private Tensor argOp(boolean max, int axis, boolean keepDim) {
        String name = max ? "argmax" : "argmin";
        int a = ShapeRules.reduceAxes(name, shape, new int[]{axis})[0];
        ShapeRules.nonEmptyReduction(name, shape, new int[]{a});
        Tensor y = empty(shape.withDim(a, 1), DType.INT64, backend());
        backend().argReduce(max, view(), a, y.view());
        if (keepDim) return y;
        Tensor out = y.reshape(ShapeRules.reducedDropDim(shape, new int[]{a}).toArray());
        closeIntermediates(out, y);
        return out;
    }

    /** Variance over {@code axes}: biased (divide by n) or unbiased (n − 1). */
    public Tensor variance(int[] axes, boolean unbiased, boolean keepDim) {
        ShapeRules.floatingPoint("variance", this);
        int[] ax = ShapeRules.reduceAxes("variance", shape, axes);
        int n = 1;
        for (int a : ax) n *= dim(a);
        if (unbiased && n < 2)
            throw new IllegalArgumentException("variance: unbiased variance needs at least 2 elements per reduction, got " + n + " for " + shape);
        Tensor mean = mean(ax, true);
        Tensor centered = sub(mean);
        Tensor squared = centered.square();
        Tensor ss = squared.sum(ax, keepDim);
        Tensor out = ss.div(unbiased ? n - 1 : n);
        closeIntermediates(out, mean, centered, squared, ss);
        return out;
    }

    /** The L2 norm over {@code axes} (all when empty). */
    public Tensor norm(int[] axes, boolean keepDim) {
        return norm(2, axes, keepDim);
    }

    /** The p-norm (p = 1, 2 or {@code Double.POSITIVE_INFINITY}) over {@code axes}. */
    public Tensor norm(double p, int[] axes, boolean keepDim) {
        ShapeRules.floatingPoint("norm", this);
        if (p != 1 && p != 2 && p != Double.POSITIVE_INFINITY)
            throw new IllegalArgumentException("norm: p must be 1, 2 or infinity, got " + p);
        Tensor t = p == 2 ? square() : abs();
        Tensor r = p == Double.POSITIVE_INFINITY ? t.max(axes, keepDim) : t.sum(axes, keepDim);
        Tensor out = p == 2 ? r.sqrt() : r;
        closeIntermediates(out, t, r);
        return out;
    }

    // =========================================================================================
    // Linear algebra
    // =========================================================================================

    /**
     * Matrix product with NumPy semantics: 1-D operands are promoted and the added dimension
     * removed; batch dimensions broadcast. {@code [..., m, k] @ [..., k, n] → [..., m, n]}.
     */
    public Tensor matmul(Tensor other) {
        Shape outShape = ShapeRules.matmul(shape, other.shape);
        ShapeRules.sameDTypeAndDevice("matmul", this, other);
        ShapeRules.floatingPoint("matmul", this);
        if (rank() == 1 || other.rank() == 1) {
            Tensor a = rank() == 1 ? unsqueeze(0) : this;
            Tensor b = other.rank() == 1 ? other.unsqueeze(1) : other;
            Tensor c = a.matmul(b);
            Tensor out = c.reshape(outShape.toArray());
            closeIntermediates(out, a == this ? null : a, b == other ? null : b, c);
            return out;
        }
        return matmulOp(other, false, false);
    }

    /** {@code op(this) · op(other)} with transposes done by the backend, not by copies. */
    Tensor matmulOp(Tensor b, boolean transA, boolean transB) {
        int m = transA ? dim(-1) : dim(-2), k = transA ? dim(-2) : dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (k != kb)
            throw new IllegalArgumentException("matmul: inner dimensions differ: a" + shape + (transA ? "ᵀ" : "") + " @ b" + b.shape
                    + (transB ? "ᵀ" : "") + " (" + k + " vs " + kb + ")");
        Shape batch = ShapeRules.broadcast("matmul", Shape.of(Arrays.copyOf(shape.toArray(), rank() - 2)),
                Shape.of(Arrays.copyOf(b.shape.toArray(), b.rank() - 2)));
        int[] cd = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        cd[batch.rank()] = m;
        cd[batch.rank() + 1] = n;
        Shape cShape = Shape.of(cd);
        Tensor c = empty(cShape, dtype(), backend());
        backend().matmul(batchView(batch), transA, b.batchView(batch), transB, c.view());
        Tensor a = this;
        return Autograd.record("matmul", c, g -> new Tensor[]{
                a.requiresGrad() ? (transA ? b.matmulOp(g, transB, true) : g.matmulOp(b, false, !transB)).sumTo(a.shape) : null,
                b.requiresGrad() ? (transB ? g.matmulOp(a, true, transA) : a.matmulOp(g, !transA, false)).sumTo(b.shape) : null
        }, this, b);
    }

    private View batchView(Shape batch) {
        int[] d = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        d[batch.rank()] = dim(-2);
        d[batch.rank() + 1] = dim(-1);
        return broadcastView(Shape.of(d));
    }

    // =========================================================================================
    // Activations with standalone primitives
    // =========================================================================================

    /** Softmax along {@code axis}, numerically stable. */
    public Tensor softmax(int axis) {
        return softmaxOp(axis, false);
    }

    /** Log-softmax along {@code axis}: {@code x − max − log Σ e^(x − max)}. */
    public Tensor logSoftmax(int axis) {
        return softmaxOp(axis, true);
    }

    private Tensor softmaxOp(int axis, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        ShapeRules.floatingPoint(name, this);
        int a = rank() == 0 ? 0 : ShapeRules.axis(name, shape, axis);
        Tensor y = empty(shape, dtype(), backend());
        if (numel() == 0) return y;
        // A scalar is softmaxed as a 1-vector: views of the same storage, not tensors that would hold it.
        backend().softmax(asVector(view()), a, log, asVector(y.view()));
        return Autograd.record(name, y, g -> {
            Tensor dx = empty(shape, dtype(), backend());
            Tensor gc = g.contiguous();
            backend().softmaxBackward(asVector(y.view()), asVector(gc.view()), a, log, asVector(dx.view()));
            if (gc != g) gc.close();
            return new Tensor[]{dx};
        }, this);
    }

    /** A rank-0 view as the one-element vector it is; other views unchanged. */
    private static View asVector(View v) {
        return v.rank() == 0 ? new View(v.storage(), new int[]{1}, new int[]{1}, v.offset()) : v;
    }

    /**
     * Closes an op's internal tensors (views and partial results) once its result is known not to be
     * on the autograd tape: nothing else can reach them, and left open they would keep their storage,
     * often an input's, after every tensor the caller sees is closed. On the tape they stay alive for
     * backward, and the enclosing MemoryScope frees them.
     */
    private static void closeIntermediates(Tensor result, Tensor... intermediates) {
        if (result.requiresGrad) return;
        for (Tensor t : intermediates) if (t != null && t != result) t.close();
    }

    /** dx for an activation from its forward input/output and dy (the backend primitive). */
    static Tensor activationBackward(ActivationOp op, Tensor x, Tensor y, Tensor dy, double alpha) {
        Tensor dx = empty(dy.shape, dy.dtype(), dy.backend());
        dy.backend().activationBackward(op, x == null ? null : x.contiguous().view(), y == null ? null : y.contiguous().view(),
                dy.contiguous().view(), alpha, dx.view());
        return dx;
    }

    // =========================================================================================
    // Display
    // =========================================================================================

    /** Metadata, plus a preview of the first values for host (CPU) tensors. Never copies device data. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(' ').append(dtype().shortName()).append(' ').append(device());
        if (requiresGrad) sb.append(gradFn != null ? " grad_fn=" + gradFn.op : " requiresGrad");
        if (closed) return sb.append(" (freed)").toString();
        if (device().backend().equals("cpu")) {
            int n = Math.min(numel(), 8);
            sb.append(" [");
            // Element by element from the storage: a preview must not create tensors, whose views
            // would hold this storage after the caller closes the tensor.
            int[] idx = new int[rank()];
            for (int i = 0; i < n; i++) {
                int off = offset;
                for (int d = 0; d < idx.length; d++) off += idx[d] * strides[d];
                for (int d = idx.length - 1; d >= 0 && ++idx[d] == shape.dim(d); d--) idx[d] = 0;
                if (i > 0) sb.append(", ");
                double v = previewElement(off);
                sb.append(dtype().isFloatingPoint() ? String.format(java.util.Locale.ROOT, "%.4g", v) : Long.toString((long) v));
            }
            if (numel() > n) sb.append(", ...");
            sb.append(']');
        }
        return sb.toString();
    }

    private double previewElement(int storageOffset) {
        return switch (dtype()) {
            case FLOAT32 -> { float[] a = new float[1]; backend().readToHost(handle.storage, storageOffset, a, 0, 1); yield a[0]; }
            case FLOAT64 -> { double[] a = new double[1]; backend().readToHost(handle.storage, storageOffset, a, 0, 1); yield a[0]; }
            case INT32 -> { int[] a = new int[1]; backend().readToHost(handle.storage, storageOffset, a, 0, 1); yield a[0]; }
            case INT64 -> { long[] a = new long[1]; backend().readToHost(handle.storage, storageOffset, a, 0, 1); yield a[0]; }
        };
    }
}
