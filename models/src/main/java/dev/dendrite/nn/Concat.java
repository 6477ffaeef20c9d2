package dev.dendrite.nn;

import dev.dendrite.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs several branches on the same input and joins their outputs along an axis (channels, axis
 * 1, by default): {@code y = concat(b₁(x), …, bₙ(x))} as in Inception blocks, or, built with
 * {@link #dense}, {@code y = concat(x, b₁(x), …)} as in a DenseNet layer, where every layer's input
 * is carried forward. For NCHW inputs {@code [N, C, H, W]} the branches must agree on N, H and W;
 * the output has {@code C_out = Σ C_i} (plus C for dense). Children are named {@code 0, 1, …};
 * no parameters of its own.
 */
public class Concat extends Module {
    private final int axis;
    private final boolean includeInput;
    private final List<Module> branches = new ArrayList<>();

    /** Concatenates the branches' outputs along axis 1. */
    public Concat(Module... branches) {
        this(1, false, List.of(branches));
    }

    /**
     * @param axis the axis to join along (negative counts from the end)
     * @param includeInput whether the input itself comes first in the result (DenseNet)
     */
    public Concat(int axis, boolean includeInput, List<? extends Module> branches) {
        if (branches.isEmpty() && !includeInput) throw new IllegalArgumentException("Concat: needs at least one branch");
        this.axis = axis;
        this.includeInput = includeInput;
        for (int i = 0; i < branches.size(); i++) this.branches.add(registerModule(Integer.toString(i), branches.get(i)));
    }

    /** DenseNet-style: {@code concat(x, b₁(x), …)} along channels. */
    public static Concat dense(Module... branches) {
        return new Concat(1, true, List.of(branches));
    }

    /**
     * @param x input given to every branch
     * @return the branch outputs (after x when dense) joined along the axis
     */
    @Override
    public Tensor forward(Tensor x) {
        List<Tensor> parts = new ArrayList<>();
        if (includeInput) parts.add(x);
        for (Module b : branches) parts.add(b.forward(x));
        return Tensor.concat(parts, axis);
    }

    @Override
    public String describe() {
        return (includeInput ? "DenseConcat(" : "Concat(") + branches.size() + " branches, axis " + axis + ")";
    }
}
