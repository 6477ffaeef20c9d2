package dev.dendrite.bench;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.nn.GRU;
import dev.dendrite.nn.LSTM;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.RecurrentLayer;
import dev.dendrite.ops.BatchNormParams;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.optim.Adam;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.zoo.CharLM;
import dev.dendrite.zoo.LeNet5;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The workloads of issue 8's speed targets, float32 on the default backend. The shapes are those
 * the PyTorch twins in {@code bench_pytorch.py} use: change both together.
 * <ul>
 *   <li>{@code sgemm-N}: {@code C[N,N] = A·B} for N = 256, 512, 1024, 2048;</li>
 *   <li>{@code conv3x3}: 3×3 convolution 64→64, padding 1, on {@code [64, 64, 32, 32]}, no bias, forward + backward (dx, dw);</li>
 *   <li>{@code depthwise3x3}: depthwise 3×3, padding 1, on {@code [64, 32, 56, 56]}, forward + backward;</li>
 *   <li>{@code maxpool2x2}: 2×2 max pooling on {@code [64, 64, 32, 32]}, forward + backward;</li>
 *   <li>{@code batchnorm}: training-mode batch norm on {@code [64, 64, 32, 32]}, forward + backward;</li>
 *   <li>{@code lstm} / {@code gru}: 2 layers, input 128, hidden 256, T = 35, batch 32, forward + backward;</li>
 *   <li>{@code lenet5-step}: LeNet-5 training step, batch 64 of 28×28, cross-entropy, Adam;</li>
 *   <li>{@code charlstm-step}: char-LSTM LM training step: vocabulary 65, embedding 64, LSTM 256,
 *       sequence 64, batch 32, cross-entropy over every position, Adam.</li>
 * </ul>
 * Every run of a forward + backward workload drops the inputs' gradients first, as PyTorch's twin
 * sets {@code .grad = None}.
 */
public final class Workloads {
    private Workloads() {
    }

    /** Matrix sizes of the GEMM workloads. */
    public static final int[] GEMM_SIZES = {256, 512, 1024, 2048};

    /** Every workload name, in table order. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (int n : GEMM_SIZES) names.add("sgemm-" + n);
        names.addAll(List.of("conv3x3", "depthwise3x3", "maxpool2x2", "batchnorm", "lstm", "gru", "lenet5-step", "charlstm-step"));
        return names;
    }

    /** Builds the workload called {@code name} (one of {@link #names()}). */
    public static Workload create(String name) {
        if (name.startsWith("sgemm-")) return sgemm(parseSize(name));
        return switch (name) {
            case "conv3x3" -> conv(name, "3×3 conv 64→64, pad 1, x[64,64,32,32], fwd+bwd", new int[]{64, 64, 32, 32},
                    new int[]{64, 64, 3, 3}, Conv2dParams.of(1, 1));
            case "depthwise3x3" -> conv(name, "depthwise 3×3, pad 1, x[64,32,56,56], fwd+bwd", new int[]{64, 32, 56, 56},
                    new int[]{32, 1, 3, 3}, Conv2dParams.of(1, 1).withGroups(32));
            case "maxpool2x2" -> maxPool();
            case "batchnorm" -> batchNorm();
            case "lstm" -> recurrent(name, RnnMode.LSTM);
            case "gru" -> recurrent(name, RnnMode.GRU);
            case "lenet5-step" -> lenet();
            case "charlstm-step" -> charLstm();
            default -> throw new IllegalArgumentException("bench: no workload '" + name + "' (have " + String.join(", ", names()) + ")");
        };
    }

    private static int parseSize(String name) {
        String n = name.substring("sgemm-".length());
        for (int s : GEMM_SIZES) if (Integer.toString(s).equals(n)) return s;
        throw new IllegalArgumentException("bench: no workload '" + name + "' (GEMM sizes are 256, 512, 1024, 2048)");
    }

    /** Takes a workload's tensor out of any scope the caller has open: it lives until the workload closes. */
    private static Tensor keep(Tensor t) {
        return MemoryScope.release(t);
    }

    private static Tensor randn(long seed, int... dims) {
        return keep(Tensor.randn(Shape.of(dims), seed, DType.FLOAT32));
    }

    /** A workload from a run body and the tensors/modules to free. */
    private record Simple(String name, String description, double workPerRun, String unit, double unitScale, Runnable body,
                          List<AutoCloseable> owned) implements Workload {
        @Override
        public void run() {
            try (MemoryScope scope = MemoryScope.open()) {
                body.run();
            }
        }

        @Override
        public void close() {
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("bench: closing " + name + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static Workload sgemm(int n) {
        Tensor a = randn(1, n, n), b = randn(2, n, n);
        return new Simple("sgemm-" + n, String.format(Locale.ROOT, "C[%d,%d] = A·B, float32", n, n), 2.0 * n * n * n, "GFLOP/s", 1e9,
                () -> a.matmul(b), List.of(a, b));
    }

    private static Workload conv(String name, String description, int[] xs, int[] ws, Conv2dParams p) {
        Tensor x = randn(1, xs).requiresGrad(true), w = randn(2, ws).requiresGrad(true);
        Tensor y0;
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            y0 = NN.conv2d(x, w, null, p);
        }
        Tensor g = randn(3, y0.shape().toArray());
        y0.close();
        return new Simple(name, description, 0, "", 1, () -> {
            x.zeroGrad();
            w.zeroGrad();
            NN.conv2d(x, w, null, p).backward(g);
        }, List.of(x, w, g));
    }

    private static Workload maxPool() {
        Tensor x = randn(1, 64, 64, 32, 32).requiresGrad(true), g = randn(2, 64, 64, 16, 16);
        return new Simple("maxpool2x2", "2×2 max pooling, x[64,64,32,32], fwd+bwd", 0, "", 1, () -> {
            x.zeroGrad();
            NN.maxPool2d(x, 2, 2, 0).backward(g);
        }, List.of(x, g));
    }

    private static Workload batchNorm() {
        Tensor x = randn(1, 64, 64, 32, 32).requiresGrad(true), g = randn(2, 64, 64, 32, 32);
        Tensor gamma = keep(Tensor.ones(Shape.of(64), DType.FLOAT32)).requiresGrad(true);
        Tensor beta = keep(Tensor.zeros(Shape.of(64), DType.FLOAT32)).requiresGrad(true);
        Tensor mean = keep(Tensor.zeros(Shape.of(64), DType.FLOAT32)), var = keep(Tensor.ones(Shape.of(64), DType.FLOAT32));
        return new Simple("batchnorm", "batch norm (training), x[64,64,32,32], fwd+bwd", 0, "", 1, () -> {
            x.zeroGrad();
            gamma.zeroGrad();
            beta.zeroGrad();
            NN.batchNorm(x, gamma, beta, mean, var, true, BatchNormParams.defaults()).backward(g);
        }, List.of(x, g, gamma, beta, mean, var));
    }

    private static Workload recurrent(String name, RnnMode mode) {
        RecurrentLayer layer = mode == RnnMode.LSTM
                ? LSTM.builder(128, 256).layers(2).returnSequences(true).build()
                : GRU.builder(128, 256).layers(2).returnSequences(true).build();
        Tensor x = randn(1, 32, 35, 128).requiresGrad(true), g = randn(2, 32, 35, 256);
        String cell = mode == RnnMode.LSTM ? "LSTM" : "GRU";
        return new Simple(name, cell + " 2 layers 128→256, T=35, batch 32, fwd+bwd", 0, "", 1, () -> {
            layer.zeroGrad();
            x.zeroGrad();
            layer.forward(x).backward(g);
        }, List.of(layer, x, g));
    }

    /** A training step: zero gradients, forward, loss, backward, update. */
    private static Workload trainingStep(String name, String description, double items, String unit, Module model, Supplier<Tensor> loss,
                                         Optimizer opt, List<AutoCloseable> owned) {
        List<AutoCloseable> all = new ArrayList<>(owned);
        all.add(opt);
        all.add(model);
        return new Simple(name, description, items, unit, 1, () -> {
            opt.zeroGrad();
            Tensor l = loss.get();
            l.item();
            l.backward();
            opt.step();
        }, all);
    }

    private static Workload lenet() {
        Module model = LeNet5.build(1, 28, 28, 10, 0);
        Adam opt = new Adam(model.parameters(), 1e-3);
        Tensor x = randn(1, 64, 1, 28, 28);
        long[] labels = new long[64];
        for (int i = 0; i < labels.length; i++) labels[i] = (i * 7) % 10;
        Tensor y = keep(Tensor.fromArray(labels, 64));
        return trainingStep("lenet5-step", "LeNet-5 training step, batch 64, 28×28, Adam", 64, "images/s", model,
                () -> NN.crossEntropy(model.forward(x), y), opt, List.of(x, y));
    }

    private static Workload charLstm() {
        int vocab = 65, batch = 32, seq = 64;
        CharLM model = new CharLM(new CharLM.Config(vocab, 64, 256, 1, RnnMode.LSTM));
        Adam opt = new Adam(model.parameters(), 1e-3);
        int[] tokens = new int[batch * seq], next = new int[batch * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 31 + 7) % vocab;
            next[i] = (i * 17 + 3) % vocab;
        }
        Tensor x = keep(Tensor.fromArray(tokens, batch, seq)), y = keep(Tensor.fromArray(next, batch * seq));
        return trainingStep("charlstm-step", "char-LSTM LM step: vocab 65, embed 64, LSTM 256, seq 64, batch 32, Adam",
                batch * seq, "tokens/s", model, () -> NN.crossEntropy(model.forward(x).reshape(batch * seq, vocab), y), opt, List.of(x, y));
    }
}
