package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or a composition of layers: named parameters (trainable tensors), named buffers
 * (state that is saved but not trained, such as batch-norm running statistics) and named
 * children. Parameters and buffers live outside every {@link MemoryScope} until {@link #close()}.
 * Names are dotted paths ({@code features.0.weight}), as in PyTorch state dicts.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /**
     * Computes the layer's output.
     * @param x input; the expected shape is documented by each layer
     */
    public abstract Tensor forward(Tensor x);

    /** Registers a trainable tensor; it is marked {@code requiresGrad} and taken out of any memory scope. */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        Tensor p = value == null ? null : MemoryScope.release(value).requiresGrad(true);
        parameters.put(name, p);
        return p;
    }

    /** Registers saved, non-trainable state. */
    protected Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, MemoryScope.release(value));
        return value;
    }

    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid member name '" + name + "'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": member '" + name + "' registered twice");
    }

    /** Replaces a buffer's tensor in place of the old one (the old one is closed). */
    protected void replaceBuffer(String name, Tensor value) {
        Tensor old = buffers.put(name, MemoryScope.release(value));
        if (old != null && old != value) old.close();
    }

    protected Tensor buffer(String name) {
        return buffers.get(name);
    }

    /** A parameter registered by this module (layers read parameters through this, so {@link #to} can replace them). */
    protected Tensor param(String name) {
        Tensor p = parameters.get(name);
        if (p == null && !parameters.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter '" + name + "'");
        return p;
    }

    protected boolean hasParam(String name) {
        return parameters.get(name) != null;
    }

    /** Converts every parameter and buffer (here and in descendants) to {@code dtype}; gradients are dropped. */
    public Module to(DType dtype) {
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            parameters.replaceAll((k, v) -> {
                if (v == null || v.dtype() == dtype) return v;
                Tensor c = MemoryScope.release(v.to(dtype)).requiresGrad(true);
                v.close();
                return c;
            });
            buffers.replaceAll((k, v) -> {
                if (v == null || v.dtype() == dtype || !v.dtype().isFloatingPoint()) return v;
                Tensor c = MemoryScope.release(v.to(dtype));
                v.close();
                return c;
            });
        }
        children.values().forEach(c -> c.to(dtype));
        return this;
    }

    /** Direct children in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** All trainable tensors of this module and its descendants, by dotted name. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false);
        return out;
    }

    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Parameters and buffers by dotted name: what a checkpoint stores. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
        parameters.forEach((k, v) -> {
            if (v != null) out.put(prefix + k, v);
        });
        if (withBuffers) buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withBuffers));
    }

    /**
     * Copies values into this module's parameters and buffers. Every name must be present on both
     * sides with the same shape; the error lists every mismatch at once. Values are converted to
     * each tensor's dtype.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> mine = stateDict();
        List<String> problems = new ArrayList<>();
        for (String k : mine.keySet()) if (!state.containsKey(k)) problems.add("missing '" + k + "'");
        for (String k : state.keySet()) if (!mine.containsKey(k)) problems.add("unexpected '" + k + "'");
        mine.forEach((k, t) -> {
            Tensor s = state.get(k);
            if (s != null && !s.shape().equals(t.shape()))
                problems.add("'" + k + "' has shape " + s.shape() + ", model expects " + t.shape());
        });
        if (!problems.isEmpty())
            throw new IllegalArgumentException("loadStateDict: " + getClass().getSimpleName() + ": " + String.join("; ", problems));
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            mine.forEach((k, t) -> t.copyFrom(state.get(k).to(t.device()).to(t.dtype())));
        }
    }

    /** Sets training mode here and in every descendant (dropout active, batch norm uses batch statistics). */
    public Module train() {
        setTraining(true);
        return this;
    }

    /** Sets inference mode here and in every descendant. */
    public Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean value) {
        training = value;
        children.values().forEach(c -> c.setTraining(value));
    }

    public boolean isTraining() {
        return training;
    }

    /** Drops every parameter's gradient. */
    public void zeroGrad() {
        for (Tensor p : parameters()) p.zeroGrad();
    }

    /** Number of elements in trainable parameters. */
    public long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }

    /**
     * Number of elements in floating-point buffers (non-trainable state such as running statistics),
     * including descendants'. Integer buffers are bookkeeping (counters), not parameters, and are not counted.
     */
    public long bufferCount() {
        long n = 0;
        for (Map.Entry<String, Tensor> e : stateDict().entrySet())
            if (!e.getValue().requiresGrad() && e.getValue().dtype().isFloatingPoint()) n += e.getValue().numel();
        return n;
    }

    /** Parameter and buffer counts of this module alone (not its children): used by {@link Summary}. */
    long ownParameterCount() {
        long n = 0;
        for (Tensor p : parameters.values()) if (p != null) n += p.numel();
        return n;
    }

    long ownBufferCount() {
        long n = 0;
        for (Tensor b : buffers.values()) if (b.dtype().isFloatingPoint()) n += b.numel();
        return n;
    }

    /** A Keras-style table of layers, output shapes and parameter counts for an input of this shape (batch included). */
    public String summary(Shape inputShape) {
        return Summary.of(this, inputShape, DType.FLOAT32);
    }

    /** One-line description for summaries ({@code Conv2d(1→6, 5×5)}); defaults to the class name. */
    public String describe() {
        return getClass().getSimpleName();
    }

    /** Frees parameters and buffers of this module and its descendants. */
    @Override
    public void close() {
        children.values().forEach(Module::close);
        parameters.values().forEach(p -> {
            if (p != null) p.close();
        });
        buffers.values().forEach(Tensor::close);
    }
}
