package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.NN;
import dev.dendrite.Recurrent;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.Reduction;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Bad input, for the same-error runner: every backend must reject each case with the same exception
 * class and the same message. Most checks happen once in engine-api before dispatch (so a
 * difference there means a backend validated something itself, or a different path was taken);
 * the ones marked {@code inBackend} can only be detected while computing — an index or a label out
 * of range, an integer division by zero — and are where backends really diverge.
 *
 * @param op the op
 * @param name the situation
 * @param inBackend whether the backend itself (not engine-api) must detect it
 * @param expected the exception class the CPU reference throws
 * @param fragment a piece of the message that must be present (it names the op and the offending values)
 * @param action provokes the error on a device
 */
public record ErrorCase(String op, String name, boolean inBackend, Class<? extends Throwable> expected, String fragment,
                        Consumer<Device> action) {

    /** {@code op/name}. */
    public String id() {
        return op + "/" + name;
    }

    private static Tensor zeros(Device d, DType t, int... dims) {
        return Tensor.zeros(Shape.of(dims), t, d);
    }

    private static Tensor longs(Device d, long[] v, int... dims) {
        return Tensor.fromArray(v, Shape.of(dims), d);
    }

    /** Every error case. */
    public static List<ErrorCase> all() {
        List<ErrorCase> c = new ArrayList<>();
        Class<IllegalArgumentException> IAE = IllegalArgumentException.class;

        // ---- detected by the backend while computing ---------------------------------------------
        c.add(new ErrorCase("embedding", "index past the vocabulary", true, IAE, "index 7 at position 1 is out of range [0, 5)",
                d -> NN.embedding(zeros(d, DType.FLOAT32, 5, 3), longs(d, new long[]{0, 7, 2}, 3))));
        c.add(new ErrorCase("embedding", "negative INT32 index", true, IAE, "index -1 at position 2",
                d -> NN.embedding(zeros(d, DType.FLOAT64, 4, 2), Tensor.fromArray(new int[]{1, 3, -1, 0}, Shape.of(2, 2), d))));
        c.add(new ErrorCase("crossEntropy", "label equal to the class count", true, IAE, "label 4 at sample 1 is out of range [0, 4)",
                d -> NN.crossEntropy(zeros(d, DType.FLOAT32, 3, 4), longs(d, new long[]{0, 4, 1}, 3))));
        c.add(new ErrorCase("crossEntropy", "negative label that is not the ignore index", true, IAE, "label -3 at sample 0",
                d -> NN.crossEntropy(zeros(d, DType.FLOAT64, 2, 3), longs(d, new long[]{-3, 1}, 2),
                        new CrossEntropyParams(Reduction.SUM, -100, 0))));
        c.add(new ErrorCase("binary.div", "INT64 division by zero", true, ArithmeticException.class, "div: integer division by zero",
                d -> longs(d, new long[]{4, 5, 6}, 3).div(longs(d, new long[]{2, 0, 1}, 3))));
        c.add(new ErrorCase("binaryScalar.div", "INT32 division by a zero scalar", true, ArithmeticException.class, "integer division by zero",
                d -> Tensor.fromArray(new int[]{4, 5}, Shape.of(2), d).div(0)));
        c.add(new ErrorCase("binaryScalar.add", "fractional scalar with an INT64 tensor", true, IAE, "scalar 0.5 is not an integer",
                d -> longs(d, new long[]{1, 2}, 2).add(0.5)));

        // ---- validated once in engine-api (ShapeRules and the parameter records) -------------------
        c.add(new ErrorCase("matmul", "inner dimensions differ", false, IAE, "inner dimensions differ",
                d -> zeros(d, DType.FLOAT32, 2, 3).matmul(zeros(d, DType.FLOAT32, 4, 5))));
        c.add(new ErrorCase("binary.add", "shapes do not broadcast", false, IAE, "add",
                d -> zeros(d, DType.FLOAT32, 2, 3).add(zeros(d, DType.FLOAT32, 4, 3))));
        c.add(new ErrorCase("binary.add", "dtypes differ", false, IAE, "add",
                d -> zeros(d, DType.FLOAT32, 2).add(zeros(d, DType.FLOAT64, 2))));
        c.add(new ErrorCase("binary.pow", "integer operands", false, IAE, "pow",
                d -> longs(d, new long[]{2}, 1).pow(longs(d, new long[]{3}, 1))));
        c.add(new ErrorCase("unary.log", "integer input", false, IAE, "log",
                d -> longs(d, new long[]{2}, 1).log()));
        c.add(new ErrorCase("conv2d", "input channels differ from the weight's", false, IAE, "conv2d",
                d -> NN.conv2d(zeros(d, DType.FLOAT32, 8, 3, 32, 32), zeros(d, DType.FLOAT32, 16, 4, 3, 3), null, Conv2dParams.defaults())));
        c.add(new ErrorCase("conv2d", "kernel larger than the padded input", false, IAE, "conv2d",
                d -> NN.conv2d(zeros(d, DType.FLOAT32, 1, 1, 4, 4), zeros(d, DType.FLOAT32, 1, 1, 7, 7), null, Conv2dParams.defaults())));
        c.add(new ErrorCase("conv2d", "channels not divisible by groups", false, IAE, "conv2d",
                d -> NN.conv2d(zeros(d, DType.FLOAT32, 1, 5, 6, 6), zeros(d, DType.FLOAT32, 4, 2, 3, 3), null,
                        Conv2dParams.defaults().withGroups(2))));
        c.add(new ErrorCase("pool2d", "padding not smaller than the kernel", false, IAE, "pool2d: padding (2, 2) must be smaller than the kernel",
                d -> NN.pool2d(zeros(d, DType.FLOAT32, 1, 1, 5, 5), Pool2dParams.of(PoolMode.MAX, 2, 1, 2))));
        c.add(new ErrorCase("batchNorm", "training with one value per channel", false, IAE, "batchNorm: training needs more than one value per channel",
                d -> NN.batchNorm(zeros(d, DType.FLOAT32, 1, 3), zeros(d, DType.FLOAT32, 3), zeros(d, DType.FLOAT32, 3),
                        zeros(d, DType.FLOAT32, 3), zeros(d, DType.FLOAT32, 3), true, dev.dendrite.ops.BatchNormParams.defaults())));
        c.add(new ErrorCase("crossEntropy", "floating-point labels", false, IAE, "crossEntropy",
                d -> NN.crossEntropy(zeros(d, DType.FLOAT32, 2, 3), zeros(d, DType.FLOAT32, 2))));
        c.add(new ErrorCase("reduce.max", "over an empty dimension", false, IAE, "max: cannot reduce over empty dimension 0",
                d -> zeros(d, DType.FLOAT32, 0, 3).max(new int[]{0}, false)));
        c.add(new ErrorCase("argmax", "over an empty dimension", false, IAE, "argmax",
                d -> zeros(d, DType.FLOAT64, 2, 0).argmax(1, false)));
        c.add(new ErrorCase("reduce.mean", "integer input", false, IAE, "mean",
                d -> longs(d, new long[]{1, 2}, 2).mean()));
        c.add(new ErrorCase("copy", "reshape to an incompatible size", false, IAE, "reshape",
                d -> zeros(d, DType.FLOAT32, 2, 3).reshape(4, 2)));
        c.add(new ErrorCase("dropout", "p = 1", false, IAE, "dropout: p must be in [0, 1), got 1.0",
                d -> NN.dropout(zeros(d, DType.FLOAT32, 3), 1.0, 1, 0)));
        c.add(new ErrorCase("rnn.lstm", "a sequence length larger than T", false, IAE, "lstm: lengths[1] = 5 exceeds T = 3",
                d -> Recurrent.rnn(zeros(d, DType.FLOAT32, 3, 2, 2), new int[]{3, 5}, null, null, rnnWeights(d, RnnMode.LSTM, 2, 4),
                        RnnParams.of(RnnMode.LSTM, 2, 4), false, 0)));
        c.add(new ErrorCase("rnn.gru", "input features differ from inputSize", false, IAE, "gru: input [3, 2, 5] has 5 features",
                d -> Recurrent.rnn(zeros(d, DType.FLOAT32, 3, 2, 5), null, null, null, rnnWeights(d, RnnMode.GRU, 2, 4),
                        RnnParams.of(RnnMode.GRU, 2, 4), false, 0)));
        c.add(new ErrorCase("rnn.rnn_tanh", "c0 given to a cell without cell state", false, IAE, "rnn_tanh: c0 is only for LSTM",
                d -> Recurrent.rnn(zeros(d, DType.FLOAT32, 3, 2, 2), null, zeros(d, DType.FLOAT32, 1, 2, 4), zeros(d, DType.FLOAT32, 1, 2, 4),
                        rnnWeights(d, RnnMode.RNN_TANH, 2, 4), RnnParams.of(RnnMode.RNN_TANH, 2, 4), false, 0)));
        c.add(new ErrorCase("rand", "integer dtype", false, IAE, "rand: dtype must be FLOAT32 or FLOAT64",
                d -> Tensor.rand(Shape.of(3), 1, 0, 0, 1, DType.INT32, d)));
        return c;
    }

    private static List<Tensor> rnnWeights(Device d, RnnMode mode, int in, int hidden) {
        RnnParams p = RnnParams.of(mode, in, hidden);
        List<Tensor> w = new ArrayList<>();
        for (int i = 0; i < p.weightCount(); i++) w.add(Tensor.zeros(p.weightShape(i), DType.FLOAT32, d));
        return w;
    }
}
