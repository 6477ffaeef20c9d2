package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.kernels.KernelSources;
import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.ReduceOp;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.ops.UpsampleMode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Every kernel name the backend can launch, for every op and dtype it accepts, exists in the kernels catalog. */
class KernelNamesTest {
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64}, INDICES = {DType.INT32, DType.INT64};

    @Test
    void everyLaunchedKernelIsInTheCatalog() {
        List<String> names = new ArrayList<>();
        for (DType s : DType.values()) {
            for (DType d : DType.values()) names.add(KernelNames.copy(s, d));
            names.add(KernelNames.fill(s));
            names.add(KernelNames.arange(s));
            for (UnaryOp op : UnaryOp.values()) {
                boolean integerOk = switch (op) { case NEG, ABS, SQUARE, RELU, SIGN, CLAMP -> true; default -> false; };
                if (s.isFloatingPoint() || integerOk) names.add(KernelNames.unary(op, s));
            }
            for (BinaryOp op : BinaryOp.values()) {
                if (op == BinaryOp.POW && !s.isFloatingPoint()) continue;
                names.add(KernelNames.binary(op, s));
                names.add(KernelNames.binaryScalar(op, s));
            }
            for (ReduceOp op : ReduceOp.values()) {
                if (op == ReduceOp.MEAN && !s.isFloatingPoint()) continue;
                names.add(KernelNames.reduce(op, true, s));
                names.add(KernelNames.reduce(op, false, s));
            }
            for (boolean max : new boolean[]{true, false}) {
                names.add(KernelNames.argReduce(max, true, s));
                names.add(KernelNames.argReduce(max, false, s));
            }
        }
        for (DType f : FLOATS) {
            names.add(KernelNames.randUniform(f));
            names.add(KernelNames.randNormal(f));
            names.add(KernelNames.dropout(f));
            names.add(KernelNames.embeddingBackward(f));
            names.add(KernelNames.ceForward(f));
            names.add(KernelNames.ceReduce(f));
            for (DType i : INDICES) names.add(KernelNames.embeddingForward(f, i));
            for (UpsampleMode m : UpsampleMode.values()) {
                names.add(KernelNames.upsample(m, true, f));
                names.add(KernelNames.upsample(m, false, f));
            }
            for (ActivationOp op : ActivationOp.values()) names.add(KernelNames.activationBackward(op, f));
        }
        for (DType i : INDICES) {
            names.add(KernelNames.indexCheck(i));
            names.add(KernelNames.embeddingBuckets(i));
            names.add(KernelNames.ceLabels(i));
        }
        Set<String> catalog = new HashSet<>(KernelSources.allKernels());
        List<String> missing = names.stream().filter(n -> !catalog.contains(n)).toList();
        assertTrue(missing.isEmpty(), "kernels the backend launches but the catalog lacks: " + missing);
        for (String n : names) assertNotNull(KernelSources.fileOf(n));
        assertEquals("ew_leaky_relu_f32", KernelNames.unary(UnaryOp.LEAKY_RELU, DType.FLOAT32));
        assertEquals("reduce_sum_serial_i64", KernelNames.reduce(ReduceOp.SUM, true, DType.INT64));
        assertTrue(names.size() > 250, "covers the whole surface: " + names.size());
    }
}
