package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keras-style model summary: one row per layer (walking into {@link Sequential}s), its output
 * shape from a real forward pass on zeros in eval mode, and its parameter count; then totals.
 */
final class Summary {
    private Summary() {
    }

    private record Row(String name, String layer, Shape output, long params) {
    }

    static String of(Module model, Shape input, DType dtype) {
        List<Row> rows = new ArrayList<>();
        boolean wasTraining = model.isTraining();
        model.eval();
        try (MemoryScope scope = MemoryScope.open(); Autograd.NoGrad ng = Autograd.noGrad()) {
            Tensor x = Tensor.zeros(input, dtype);
            walk("", model, x, rows);
        } finally {
            if (wasTraining) model.train();
        }
        long total = model.parameterCount(), buffers = model.bufferCount();
        StringBuilder sb = new StringBuilder();
        String fmt = "%-28s %-30s %-20s %12s%n";
        sb.append(String.format(Locale.ROOT, fmt, "Layer", "Type", "Output shape", "Params"));
        sb.append("-".repeat(93)).append('\n');
        for (Row r : rows)
            sb.append(String.format(Locale.ROOT, fmt, r.name, truncate(r.layer, 30), r.output, String.format(Locale.ROOT, "%,d", r.params)));
        sb.append("=".repeat(93)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total + buffers));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", buffers));
        return sb.toString();
    }

    private static Tensor walk(String prefix, Module m, Tensor x, List<Row> rows) {
        if (m instanceof Sequential seq) {
            Tensor h = x;
            for (var e : seq.children().entrySet())
                h = walk(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), h, rows);
            return h;
        }
        Tensor y = m.forward(x);
        rows.add(new Row(prefix.isEmpty() ? "(model)" : prefix, m.describe(), y.shape(), m.parameterCount() + m.bufferCount()));
        return y;
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
