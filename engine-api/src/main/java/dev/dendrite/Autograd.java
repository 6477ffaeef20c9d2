package dev.dendrite;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Define-by-run reverse-mode differentiation. Ops on tensors that require gradients record a
 * {@link GradNode}; {@link Tensor#backward()} walks the tape in reverse topological order and
 * accumulates into the {@link Tensor#grad() grad} of every leaf that requires it. The tape is freed
 * after the pass unless retained.
 */
public final class Autograd {
    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private Autograd() {
    }

    /** A scope in which no op is recorded (inference, optimizer updates). */
    public static final class NoGrad implements AutoCloseable {
        private boolean closed;

        private NoGrad() {
            NO_GRAD_DEPTH.get()[0]++;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                NO_GRAD_DEPTH.get()[0]--;
            }
        }
    }

    /** {@code try (var ng = Autograd.noGrad()) { ... }}: ops inside record nothing. */
    public static NoGrad noGrad() {
        return new NoGrad();
    }

    public static boolean isGradEnabled() {
        return NO_GRAD_DEPTH.get()[0] == 0;
    }

    /** Attaches a rule to {@code out} when grad mode is on and any input requires a gradient. */
    static Tensor record(String op, Tensor out, GradNode.Rule rule, Tensor... inputs) {
        if (!isGradEnabled()) return out;
        boolean any = false;
        for (Tensor t : inputs) any |= t != null && t.requiresGrad();
        if (!any) return out;
        out.gradFn = new GradNode(op, inputs, rule);
        out.requiresGrad = true;
        return out;
    }

    static void backward(Tensor root, Tensor seed, boolean retainGraph) {
        List<Tensor> order = topologicalOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        try (NoGrad ignored = noGrad()) {
            for (Tensor t : order) {
                Tensor g = grads.remove(t);
                if (g == null) continue;
                GradNode node = t.gradFn;
                if (node == null) {
                    if (t.requiresGrad()) t.accumulateGrad(g);
                    continue;
                }
                if (node.rule == null)
                    throw new IllegalStateException("backward: the graph through '" + node.op + "' was already freed by an earlier "
                            + "backward(); pass retainGraph=true to the first call to go through it twice");
                Tensor[] inGrads = node.rule.apply(g);
                for (int i = 0; i < node.inputs.length; i++) {
                    Tensor in = node.inputs[i];
                    Tensor ig = inGrads[i];
                    if (in == null || ig == null || !in.requiresGrad()) continue;
                    if (!ig.shape().equals(in.shape()))
                        throw new IllegalStateException("backward rule of '" + node.op + "' returned gradient " + ig.shape()
                                + " for input " + in.shape());
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? ig : prev.add(ig));
                }
            }
        }
        if (!retainGraph) for (Tensor t : order) if (t.gradFn != null) t.gradFn.free();
    }

    /** Reverse topological order (root first) of the tensors the root depends on, iteratively. */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> post = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{root, 0});
        visited.put(root, true);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] ins = t.gradFn == null || t.gradFn.inputs == null ? new Tensor[0] : t.gradFn.inputs;
            if (next < ins.length) {
                frame[1] = next + 1;
                Tensor in = ins[next];
                if (in != null && in.requiresGrad() && visited.put(in, true) == null) stack.push(new Object[]{in, 0});
            } else {
                stack.pop();
                post.add(t);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }
}
