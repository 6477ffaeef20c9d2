package dev.dendrite.optim;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.MemoryScope;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Updates a fixed list of parameters from their gradients. Call {@link #zeroGrad()} before the
 * backward pass and {@link #step()} after it; parameters whose {@link Tensor#grad() grad} is null
 * (unused in this step, frozen) are skipped and keep their state untouched.
 * <p>
 * Per-parameter state (momentum buffers, moment estimates) is allocated lazily at a parameter's
 * first update with the parameter's shape, dtype and device, outside every {@link MemoryScope}
 * (see Note [Optimizer memory]); {@link #close()} frees it. {@link #stateDict()} and
 * {@link #loadStateDict(Map)} save and restore everything an update depends on, so a resumed run
 * takes exactly the steps an uninterrupted one would.
 * <p>
 * Every optimizer except {@link AdamW} offers plain L2 weight decay: the gradient used by the
 * update is {@code g + wd·θ} (the parameter's stored gradient is not modified).
 */
public abstract class Optimizer implements AutoCloseable {
    /** Name of the global step counter in {@link #stateDict()}, and of each parameter's update counter. */
    public static final String STEP = "step";

    // Note [Optimizer memory]
    // The trainer opens a MemoryScope per training step; anything created inside it is freed when
    // it closes. State must outlive that scope, so state tensors are taken out of every scope with
    // MemoryScope.release and owned by the optimizer until close(). The temporaries of an update
    // (g², √v, m/denom, ...) are created inside a scope that step() opens around each parameter, so
    // they are freed right after that parameter's update: peak extra memory is one parameter's
    // temporaries, and memory stays flat over steps whether or not the caller opened a scope.

    private final List<Tensor> params;
    private final List<String> slots;
    private final Tensor[][] state;
    private final long[] paramSteps;
    private final double weightDecay;
    private double lr;
    private long stepCount;
    // Step counters exposed through stateDict(), refreshed on each call (owned like the state).
    private Tensor stepTensor;
    private final Tensor[] paramStepTensors;
    private boolean closed;

    /**
     * @param params      the parameters to update, each floating-point and contiguous, no duplicates
     * @param lr          learning rate, finite and {@code >= 0}
     * @param weightDecay weight-decay coefficient, finite and {@code >= 0}; subclasses decide how it applies
     * @param slots       names of the per-parameter state tensors, each shaped like its parameter
     */
    protected Optimizer(List<Tensor> params, double lr, double weightDecay, List<String> slots) {
        String name = getClass().getSimpleName();
        if (params == null || params.isEmpty())
            throw new IllegalArgumentException(name + ": needs at least one parameter, got " + (params == null ? "null" : "an empty list"));
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p == null) throw new IllegalArgumentException(name + ": parameter " + i + " is null");
            Integer dup = seen.put(p, i);
            if (dup != null)
                throw new IllegalArgumentException(name + ": parameters " + dup + " and " + i + " are the same tensor " + p.shape()
                        + "; it would be updated twice per step");
            if (!p.dtype().isFloatingPoint())
                throw new IllegalArgumentException(name + ": parameter " + i + " " + p.shape() + " is " + p.dtype()
                        + "; only FLOAT32 and FLOAT64 tensors can be optimized");
            if (!p.isContiguous())
                throw new IllegalArgumentException(name + ": parameter " + i + " " + p.shape()
                        + " is not contiguous; updates are written in place");
        }
        checkNonNegative(name, "lr", lr);
        checkNonNegative(name, "weightDecay", weightDecay);
        for (String s : slots)
            if (s.equals(STEP) || s.contains("."))
                throw new IllegalArgumentException(name + ": state slot name '" + s + "' is reserved or contains '.'");
        this.params = List.copyOf(params);
        this.slots = List.copyOf(slots);
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.state = new Tensor[params.size()][];
        this.paramSteps = new long[params.size()];
        this.paramStepTensors = new Tensor[params.size()];
    }

    static void checkNonNegative(String op, String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v))
            throw new IllegalArgumentException(op + ": " + what + " must be finite and >= 0, got " + v);
    }

    static void checkUnitInterval(String op, String what, double v, boolean includeOne) {
        if (!(v >= 0 && (includeOne ? v <= 1 : v < 1)))
            throw new IllegalArgumentException(op + ": " + what + " must be in [0, 1" + (includeOne ? "]" : ")") + ", got " + v);
    }

    /**
     * Applies one update to {@code param}. Called by {@link #step()} inside {@link Autograd#noGrad()}
     * and inside a {@link MemoryScope} that frees every tensor created here when the call returns.
     *
     * @param param the parameter, updated in place
     * @param grad  its gradient, same shape and dtype (do not modify it)
     * @param state this parameter's state tensors in the order of the slots given to the
     *              constructor, each shaped like {@code param}; update them in place
     * @param step  how many updates this parameter has had, this one included (1 on the first)
     */
    protected abstract void update(Tensor param, Tensor grad, Tensor[] state, long step);

    /** Initial value of state slot {@code slot} (an index into the constructor's slot list); 0 unless overridden. */
    protected double initialStateValue(int slot) {
        return 0;
    }

    /** {@code grad + weightDecay·param} (a temporary), or {@code grad} itself when weight decay is 0. */
    protected final Tensor withL2(Tensor param, Tensor grad) {
        if (weightDecay == 0) return grad;
        Tensor g = param.mul(weightDecay);
        g.addInPlace(grad);
        return g;
    }

    /** Updates every parameter that has a gradient, then increments {@link #stepCount()}. */
    public void step() {
        checkOpen();
        String name = getClass().getSimpleName();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor g = p.grad();
                if (g == null) continue;
                if (g.dtype() != p.dtype() || !g.device().equals(p.device()))
                    throw new IllegalArgumentException(name + ": parameter " + i + " " + p.shape() + " is " + p.dtype() + " on "
                            + p.device() + " but its gradient is " + g.dtype() + " on " + g.device());
                Tensor[] s = stateOf(i);
                paramSteps[i]++;
                try (MemoryScope scope = MemoryScope.open()) {   // Note [Optimizer memory]
                    update(p, g, s, paramSteps[i]);
                }
            }
            stepCount++;
        }
    }

    private Tensor[] stateOf(int i) {
        if (state[i] == null) {
            Tensor p = params.get(i);
            Tensor[] s = new Tensor[slots.size()];
            for (int k = 0; k < s.length; k++)
                s[k] = MemoryScope.release(Tensor.full(p.shape(), initialStateValue(k), p.dtype(), p.device()));
            state[i] = s;
        }
        return state[i];
    }

    /** Drops the gradient of every parameter (sets it to null, so the next backward pass starts fresh). */
    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** The learning rate the next {@link #step()} uses. */
    public double learningRate() {
        return lr;
    }

    /** Sets the learning rate used by the next {@link #step()} (schedules call this every step). */
    public void setLearningRate(double lr) {
        checkNonNegative(getClass().getSimpleName() + ".setLearningRate", "lr", lr);
        this.lr = lr;
    }

    /** The weight-decay coefficient (L2, or decoupled for {@link AdamW}). */
    public double weightDecay() {
        return weightDecay;
    }

    /** Number of completed {@link #step()} calls (restored by {@link #loadStateDict(Map)}). */
    public long stepCount() {
        return stepCount;
    }

    /** The parameters, in the order that numbers them in {@link #stateDict()}. */
    public List<Tensor> parameters() {
        return params;
    }

    /** Names of the per-parameter state tensors ({@code exp_avg}, {@code momentum_buffer}, ...). */
    public List<String> stateSlots() {
        return slots;
    }

    /**
     * Everything the next update depends on besides the hyperparameters:
     * <ul>
     *   <li>{@code "step"}: rank-0 INT64, the {@link #stepCount()};</li>
     *   <li>for each parameter {@code i} updated at least once: {@code "i.step"} (rank-0 INT64, its own update
     *       count, which drives bias correction) and {@code "i.<slot>"} for each of {@link #stateSlots()},
     *       shaped like the parameter (e.g. {@code "0.exp_avg"}).</li>
     * </ul>
     * The tensors belong to the optimizer: do not close or modify them. They are live views of the
     * state, so they change with the next {@link #step()}; copy them (or write them out) first.
     */
    public Map<String, Tensor> stateDict() {
        checkOpen();
        Map<String, Tensor> out = new LinkedHashMap<>();
        stepTensor = counter(stepTensor, stepCount, params.get(0).device());
        out.put(STEP, stepTensor);
        for (int i = 0; i < params.size(); i++) {
            if (paramSteps[i] == 0) continue;
            paramStepTensors[i] = counter(paramStepTensors[i], paramSteps[i], params.get(i).device());
            out.put(i + "." + STEP, paramStepTensors[i]);
            Tensor[] s = stateOf(i);
            for (int k = 0; k < slots.size(); k++) out.put(i + "." + slots.get(k), s[k]);
        }
        return out;
    }

    private static Tensor counter(Tensor cached, long value, Device device) {
        if (cached == null || cached.isClosed())
            return MemoryScope.release(Tensor.scalar(value, DType.INT64, device));
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return cached.fillInPlace(value);
        }
    }

    /**
     * Restores state saved by {@link #stateDict()} of an optimizer of the same kind and configuration
     * over parameters of the same shapes. Values are copied (converted to each parameter's dtype and
     * device); the given tensors are not kept. Parameters with no entries get fresh state, as if never
     * updated. Everything is checked before anything changes: the error lists every missing,
     * unexpected or mis-shaped entry. The learning rate is not part of the state (schedules set it).
     */
    public void loadStateDict(Map<String, Tensor> dict) {
        checkOpen();
        String name = getClass().getSimpleName();
        List<String> problems = new ArrayList<>();
        long newStepCount = 0;
        Tensor stepT = dict.get(STEP);
        if (stepT == null) problems.add("missing '" + STEP + "'");
        else newStepCount = counterValue(STEP, stepT, problems);
        // Per parameter: slot tensors (index = slot) and the update count.
        Map<Integer, Tensor[]> slotValues = new TreeMap<>();
        Map<Integer, Long> counts = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : dict.entrySet()) {
            String key = e.getKey();
            if (key.equals(STEP)) continue;
            int dot = key.indexOf('.');
            int index = dot > 0 ? parseIndex(key.substring(0, dot)) : -1;
            String slot = dot > 0 ? key.substring(dot + 1) : "";
            int slotIndex = slots.indexOf(slot);
            if (index < 0 || (slotIndex < 0 && !slot.equals(STEP))) {
                problems.add("unexpected '" + key + "' (" + name + " keeps '" + STEP + "' and per parameter i: "
                        + describeSlots() + ")");
                continue;
            }
            if (index >= params.size()) {
                problems.add("'" + key + "' is for parameter " + index + " but there are " + params.size() + " parameters");
                continue;
            }
            Tensor t = e.getValue();
            if (t == null) {
                problems.add("'" + key + "' is null");
                continue;
            }
            if (slot.equals(STEP)) {
                counts.put(index, counterValue(key, t, problems));
                slotValues.computeIfAbsent(index, k -> new Tensor[slots.size()]);
                continue;
            }
            Shape want = params.get(index).shape();
            if (!t.shape().equals(want)) {
                problems.add("'" + key + "' has shape " + t.shape() + ", parameter " + index + " has shape " + want);
                continue;
            }
            if (!t.dtype().isFloatingPoint()) {
                problems.add("'" + key + "' is " + t.dtype() + ", expected a floating-point tensor");
                continue;
            }
            slotValues.computeIfAbsent(index, k -> new Tensor[slots.size()])[slotIndex] = t;
        }
        for (Map.Entry<Integer, Tensor[]> e : slotValues.entrySet()) {
            int i = e.getKey();
            if (!counts.containsKey(i) && !hasProblemFor(problems, i + "." + STEP)) problems.add("missing '" + i + "." + STEP + "'");
            for (int k = 0; k < slots.size(); k++)
                if (e.getValue()[k] == null && !hasProblemFor(problems, i + "." + slots.get(k)))
                    problems.add("missing '" + i + "." + slots.get(k) + "'");
        }
        if (!problems.isEmpty())
            throw new IllegalArgumentException("loadStateDict: " + name + ": " + String.join("; ", problems));

        try (Autograd.NoGrad ignored = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor[] src = slotValues.get(i);
                if (src == null) {
                    freeState(i);
                    paramSteps[i] = 0;
                    continue;
                }
                Tensor p = params.get(i);
                Tensor[] dst = stateOf(i);
                for (int k = 0; k < dst.length; k++) dst[k].copyFrom(src[k].to(p.device()));
                paramSteps[i] = counts.get(i);
            }
        }
        stepCount = newStepCount;
    }

    private String describeSlots() {
        List<String> names = new ArrayList<>();
        names.add("'i." + STEP + "'");
        for (String s : slots) names.add("'i." + s + "'");
        return String.join(", ", names);
    }

    private static boolean hasProblemFor(List<String> problems, String key) {
        for (String p : problems) if (p.startsWith("'" + key + "'")) return true;
        return false;
    }

    /** A non-negative decimal index without sign or leading zeros, else -1. */
    private static int parseIndex(String s) {
        if (s.isEmpty() || s.length() > 9 || (s.length() > 1 && s.charAt(0) == '0')) return -1;
        for (int k = 0; k < s.length(); k++) if (s.charAt(k) < '0' || s.charAt(k) > '9') return -1;
        return Integer.parseInt(s);
    }

    private static long counterValue(String key, Tensor t, List<String> problems) {
        if (t.numel() != 1) {
            problems.add("'" + key + "' must hold one value, got shape " + t.shape());
            return 0;
        }
        double v = t.item();
        if (!(v >= 0) || v != Math.rint(v) || v > (1L << 53)) {
            problems.add("'" + key + "' must be a non-negative integer, got " + v);
            return 0;
        }
        return (long) v;
    }

    private void freeState(int i) {
        if (state[i] != null) for (Tensor t : state[i]) t.close();
        state[i] = null;
        if (paramStepTensors[i] != null) paramStepTensors[i].close();
        paramStepTensors[i] = null;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(getClass().getSimpleName() + ": used after close()");
    }

    /** Frees all optimizer state; the optimizer cannot be used afterwards. Parameters are not touched. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (int i = 0; i < params.size(); i++) freeState(i);
        if (stepTensor != null) stepTensor.close();
        stepTensor = null;
    }

    /** Hyperparameters, e.g. {@code Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weightDecay=0.0)}. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "(lr=" + lr + describeHyperparameters() + ", weightDecay=" + weightDecay + ")";
    }

    /** {@code ", name=value"} pairs for {@link #toString()} beyond lr and weight decay. */
    String describeHyperparameters() {
        return "";
    }

    /**
     * Settings shared by every optimizer's builder.
     *
     * @param <B> the concrete builder, so that chained calls keep its type
     */
    public abstract static class Builder<B extends Builder<B>> {
        final List<Tensor> params;
        double lr;
        double weightDecay;

        Builder(List<Tensor> params, double defaultLr, double defaultWeightDecay) {
            this.params = params;
            this.lr = defaultLr;
            this.weightDecay = defaultWeightDecay;
        }

        @SuppressWarnings("unchecked")
        final B self() {
            return (B) this;
        }

        /** Learning rate (each optimizer documents its default). */
        public B lr(double lr) {
            this.lr = lr;
            return self();
        }

        /** Weight-decay coefficient λ (default 0, except {@link AdamW}). */
        public B weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return self();
        }

        /** Validates the settings and creates the optimizer. */
        public abstract Optimizer build();
    }

    static List<String> noSlots() {
        return Collections.emptyList();
    }
}
