package dev.dendrite.nn;

import dev.dendrite.Tensor;

/**
 * A residual connection (He et al., 2016): {@code y = f(x) + x}, or {@code y = f(x) + shortcut(x)}
 * when the branch changes the shape and a projection (typically a 1×1 {@link Conv2d} with stride,
 * or a {@link Linear}) brings x to it. Both terms must have the same shape: no broadcasting, so a
 * mismatch is reported rather than silently expanded. Children {@code body} and, if given,
 * {@code shortcut}; no parameters of its own.
 */
public class Residual extends Module {
    private final Module body, shortcut;

    /** {@code y = body(x) + x}. */
    public Residual(Module body) {
        this(body, null);
    }

    /** {@code y = body(x) + shortcut(x)}; a null shortcut is the identity. */
    public Residual(Module body, Module shortcut) {
        if (body == null) throw new IllegalArgumentException("Residual: body is null");
        this.body = registerModule("body", body);
        this.shortcut = shortcut == null ? null : registerModule("shortcut", shortcut);
    }

    /**
     * @param x any shape accepted by the body
     * @return the body's output shape, which the shortcut must match
     */
    @Override
    public Tensor forward(Tensor x) {
        Tensor fx = body.forward(x);
        Tensor sx = shortcut == null ? x : shortcut.forward(x);
        if (!fx.shape().equals(sx.shape()))
            throw new IllegalArgumentException("Residual: body output " + fx.shape() + " and " + (shortcut == null ? "input " : "shortcut output ")
                    + sx.shape() + " differ" + (shortcut == null ? " (give a projection shortcut when the body changes the shape)" : ""));
        return fx.add(sx);
    }

    @Override
    public String describe() {
        return "Residual(" + body.describe() + (shortcut == null ? "" : " + " + shortcut.describe()) + ")";
    }
}
