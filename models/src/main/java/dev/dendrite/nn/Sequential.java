package dev.dendrite.nn;

import dev.dendrite.Tensor;

import java.util.List;

/** Applies its children in order; children are named {@code 0, 1, 2, ...}. */
public class Sequential extends Module {
    public Sequential(Module... layers) {
        this(List.of(layers));
    }

    public Sequential(List<? extends Module> layers) {
        for (int i = 0; i < layers.size(); i++) registerModule(Integer.toString(i), layers.get(i));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Module m : children().values()) h = m.forward(h);
        return h;
    }

    /** The i-th layer. */
    public Module get(int i) {
        Module m = children().get(Integer.toString(i));
        if (m == null) throw new IndexOutOfBoundsException("Sequential: no layer " + i + " (has " + children().size() + ")");
        return m;
    }

    public int size() {
        return children().size();
    }
}
