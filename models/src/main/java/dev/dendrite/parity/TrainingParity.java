package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.Engine;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Embedding;
import dev.dendrite.nn.Init;
import dev.dendrite.nn.LSTM;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.optim.Adam;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.SGD;
import dev.dendrite.parity.ParityReport.Row;
import dev.dendrite.parity.ParityReport.Runner;
import dev.dendrite.parity.ParityReport.Status;
import dev.dendrite.zoo.LeNet5;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Runner 6: training trajectories. Two small models — LeNet-5 with dropout (SGD with momentum) and a
 * 2-layer LSTM language model with dropout between the layers (Adam) — train for N steps on each
 * backend from identical initial weights (the CPU model's, loaded into the other backend's) on
 * identical batches in the same order, in FLOAT64 and FLOAT32; every parameter is compared after
 * every step. The layers, losses and optimizers are the real ones from {@code dev.dendrite.nn},
 * {@code zoo} and {@code optim}, so this is what a user's training run does.
 * <p>
 * On the CPU alone the runner trains each model in FLOAT32 and in FLOAT64 from the same
 * (float-representable) weights and compares them: that leg calibrates the FLOAT32 tolerance the
 * GPU leg uses (Note [Parity tolerances]).
 */
final class TrainingParity {
    static final int DEFAULT_STEPS = 5;
    private static final long SEED = 20240611;

    private final ParitySuite suite;

    TrainingParity(ParitySuite suite) {
        this.suite = suite;
    }

    /** The two models. */
    enum Kind {
        LENET5("lenet5", "LeNet-5, dropout 0.3, SGD momentum 0.9 lr 0.05, batch 16 of 28×28"),
        LSTM_LM("lstm-lm", "embedding 16×8 → 2-layer LSTM (H=12, dropout 0.25) → linear 12→16, Adam lr 5e-3 eps 1e-4, batch 4×7 tokens");

        final String op, description;

        Kind(String op, String description) {
            this.op = op;
            this.description = description;
        }
    }

    /** Parameters after each step (host copies, by name) and the loss of each step. */
    record Trajectory(List<Map<String, double[]>> params, Map<String, Shape> shapes, double[] losses) {
    }

    static Tolerance tolerance(DType dt) {
        return dt == DType.FLOAT64
                ? new Tolerance(1e-10, 1e-10, "float64: rounding ~1e-16 per operation, amplified by a few optimizer steps far less than 1e4; "
                + "a relu or max-pool decision would flip only for a value within ~1e-15 of the kink")
                : new Tolerance(1e-5, 1e-5, "float32 rounding accumulated over the steps: the CPU's float32 run stays within ~5e-7 of "
                + "float64 after 5 steps (the calibration leg), so 1e-5 leaves ~20×; a near-tie relu or max-pool decision that flips "
                + "in float32 moves a few weights by ~lr·|g|, which this allows for small gradients only");
    }

    List<Row> run() {
        List<Row> rows = new ArrayList<>();
        for (Kind k : Kind.values()) {
            boolean any32 = suite.options().accepts(k.op + "/float32"), any64 = suite.options().accepts(k.op + "/float64");
            if (!suite.options().accepts(k.op) && !any32 && !any64) continue;
            int steps = suite.options().trainingSteps();
            Trajectory ref64, ref32;
            long t0 = System.nanoTime();
            try {
                ref32 = trajectory(k, ParitySuite.REFERENCE, DType.FLOAT32, steps, null);
                ref64 = trajectory(k, ParitySuite.REFERENCE, DType.FLOAT64, steps, null);
            } catch (RuntimeException e) {
                rows.add(new Row(Runner.TRAINING, ParitySuite.REFERENCE, k.op, "reference trajectory", "", Status.FAIL, null, null, "", "", null,
                        "", k.op + " on cpu threw " + e, Map.of(), ParitySuite.ms(t0)));
                continue;
            }
            Tolerance cal = tolerance(DType.FLOAT32);
            rows.add(compare(k, "float32 vs float64 on the CPU (calibrates the float32 tolerance), " + steps + " steps", DType.FLOAT32,
                    ParitySuite.REFERENCE, ref64, ref32, cal, "float64", "float32", t0));
            for (ParitySuite.Leg l : suite.legs()) {
                for (DType dt : new DType[]{DType.FLOAT64, DType.FLOAT32}) {
                    String name = k.description + ", " + steps + " steps";
                    if (!l.available()) {
                        rows.add(Row.skipped(Runner.TRAINING, l.name(), k.op, name, dt.shortName(), l.reason()));
                        continue;
                    }
                    long t1 = System.nanoTime();
                    Trajectory ref = dt == DType.FLOAT64 ? ref64 : ref32;
                    Tolerance tol = dt == DType.FLOAT64 ? tolerance(dt)
                            : tolerance(dt).times(2, "between two float32 implementations, each with its own rounding");
                    try {
                        Trajectory got = trajectory(k, l.name(), dt, steps, ParitySuite.REFERENCE);
                        rows.add(compare(k, name, dt, l.name(), ref, got, tol, ParitySuite.REFERENCE, l.name(), t1));
                    } catch (RuntimeException e) {
                        rows.add(new Row(Runner.TRAINING, l.name(), k.op, name, dt.shortName(), Status.FAIL, null, null, "", "", null, "",
                                k.op + " " + dt.shortName() + " on " + l.name() + " threw " + e, Map.of(), ParitySuite.ms(t1)));
                    }
                }
            }
        }
        return rows;
    }

    /** Compares every parameter after every step (and each step's loss); the row keeps the worst element of the whole run. */
    private Row compare(Kind k, String name, DType dt, String backend, Trajectory ref, Trajectory got, Tolerance tol, String refName,
                        String gotName, long t0) {
        Diff worst = null;
        int worstStep = -1;
        for (int s = 0; s < ref.params().size(); s++) {
            Diff step = Diff.of("loss", Shape.scalar(), new double[]{ref.losses()[s]}, Shape.scalar(), new double[]{got.losses()[s]}, tol);
            for (Map.Entry<String, double[]> e : ref.params().get(s).entrySet()) {
                double[] g = got.params().get(s).get(e.getKey());
                Shape shape = ref.shapes().get(e.getKey());
                step = step.combine(g == null
                        ? new Diff(e.getKey(), shape, Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, -1, 0, 0, "parameter " + e.getKey() + " missing")
                        : Diff.of(e.getKey(), shape, e.getValue(), got.shapes().get(e.getKey()), g, tol));
            }
            if (worst == null || step.worstRatio() > worst.worstRatio() || !step.passes() && worst.passes()) worstStep = s + 1;
            worst = worst == null ? step : worst.combine(step);
        }
        boolean ok = worst.passes();
        String what = "after step " + worstStep + ": " + worst.describe(refName, gotName);
        String msg = ok ? "" : k.op + " " + dt.shortName() + " trajectory on " + backend + " diverged " + what + ", " + tol.describe() + " (" + tol.why() + ")";
        return new Row(Runner.TRAINING, backend, k.op, name, dt.shortName(), ok ? Status.PASS : Status.FAIL,
                worst.problem() == null ? worst.maxAbs() : null, worst.problem() == null ? worst.maxRel() : null, tol.describe(), tol.why(),
                Double.isFinite(worst.worstRatio()) ? worst.worstRatio() : null, what, msg, ParitySuite.diagnostics(backend), ParitySuite.ms(t0));
    }

    // ---- one trajectory ---------------------------------------------------------------------------

    /**
     * Trains {@code kind} on {@code backend} in {@code dt} for {@code steps} steps.
     * @param weightsFrom null: the model's own seeded initialisation (built in FLOAT32, then converted, so
     *                    both dtypes start from the same float-representable weights); else a backend whose
     *                    seeded FLOAT32 build provides the initial state (so the weights are identical even
     *                    where a device's transcendental functions round a normal draw differently)
     */
    @SuppressWarnings("try") // the scopes free what the body allocates
    Trajectory trajectory(Kind kind, String backend, DType dt, int steps, String weightsFrom) {
        Device device = new Device(backend, 0);
        try (Module model = build(kind, backend)) {
            model.to(dt);
            if (weightsFrom != null) {
                try (Module init = build(kind, weightsFrom); MemoryScope scope = MemoryScope.open()) {
                    init.to(dt);
                    model.loadStateDict(init.stateDict());
                }
            }
            model.train();
            List<Tensor> params = model.parameters();
            try (Optimizer opt = optimizer(kind, params)) {
                List<Map<String, double[]>> snaps = new ArrayList<>();
                Map<String, Shape> shapes = new LinkedHashMap<>();
                model.namedParameters().forEach((n, t) -> shapes.put(n, t.shape()));
                double[] losses = new double[steps];
                for (int s = 0; s < steps; s++) {
                    try (MemoryScope scope = MemoryScope.open()) {
                        opt.zeroGrad();
                        Tensor loss = loss(kind, model, s, device, dt);
                        loss.backward();
                        opt.step();
                        losses[s] = loss.item();
                    }
                    Map<String, double[]> snap = new LinkedHashMap<>();
                    model.namedParameters().forEach((n, t) -> snap.put(n, t.toDoubleArray()));
                    snaps.add(snap);
                }
                return new Trajectory(snaps, shapes, losses);
            }
        }
    }

    /** Builds the model with the default backend switched to {@code backend} (layers create their parameters there). */
    private static Module build(Kind kind, String backend) {
        return onBackend(backend, () -> {
            Init.seed(SEED);
            return switch (kind) {
                case LENET5 -> LeNet5.build(1, 28, 28, 10, 0.3);
                case LSTM_LM -> new LstmLm(16, 8, 12);
            };
        });
    }

    private static <T> T onBackend(String backend, Supplier<T> action) {
        String previous = Engine.getDefault().name();
        Engine.setDefault(backend);
        try {
            return action.get();
        } finally {
            Engine.setDefault(previous);
        }
    }

    private static Optimizer optimizer(Kind kind, List<Tensor> params) {
        return switch (kind) {
            case LENET5 -> SGD.builder(params).lr(0.05).momentum(0.9).build();
            // A larger ε than Adam's 1e-8: where a gradient is ~1e-8, m/√v is ±1 whatever its size, so a sign flip
            // from rounding would move that weight by 2·lr on one backend only.
            case LSTM_LM -> Adam.builder(params).lr(5e-3).eps(1e-4).build();
        };
    }

    /** The loss of step {@code s} on its own batch (host-generated, seeded by the step, uploaded in {@code dt}). */
    private static Tensor loss(Kind kind, Module model, int s, Device d, DType dt) {
        SplittableRandom r = new SplittableRandom(SEED * 1000 + s);
        return switch (kind) {
            case LENET5 -> {
                int batch = 16;
                double[][] templates = templates();
                double[] x = new double[batch * 28 * 28];
                long[] y = new long[batch];
                for (int i = 0; i < batch; i++) {
                    int label = r.nextInt(10);
                    y[i] = label;
                    for (int p = 0; p < 28 * 28; p++) x[i * 784 + p] = (float) (templates[label][p] + 0.3 * (r.nextDouble() - 0.5));
                }
                Tensor logits = model.forward(Evaluation.upload(x, Shape.of(batch, 1, 28, 28), dt, d));
                yield NN.crossEntropy(logits, Tensor.fromArray(y, Shape.of(batch), d));
            }
            case LSTM_LM -> {
                int n = 4, t = 7, vocab = 16;
                long[] tokens = new long[n * (t + 1)];
                for (int i = 0; i < n; i++) {
                    int tok = r.nextInt(vocab);
                    for (int j = 0; j <= t; j++) {
                        tokens[i * (t + 1) + j] = tok;
                        tok = (3 * tok + 1 + (r.nextInt(4) == 0 ? r.nextInt(vocab) : 0)) % vocab; // mostly predictable
                    }
                }
                long[] in = new long[n * t], next = new long[n * t];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < t; j++) {
                        in[i * t + j] = tokens[i * (t + 1) + j];
                        next[i * t + j] = tokens[i * (t + 1) + j + 1];
                    }
                Tensor logits = model.forward(Tensor.fromArray(in, Shape.of(n, t), d));
                yield NN.crossEntropy(logits, Tensor.fromArray(next, Shape.of(n * t), d));
            }
        };
    }

    /** Ten fixed 28×28 class patterns (seeded), so the batches are learnable. */
    private static double[][] templates() {
        SplittableRandom r = new SplittableRandom(SEED);
        double[][] t = new double[10][784];
        for (int c = 0; c < 10; c++)
            for (int p = 0; p < 784; p++) t[c][p] = r.nextDouble() < 0.3 ? 1 : 0;
        return t;
    }

    /** Embedding → 2-layer LSTM (dropout between the layers) → linear, over every position: logits {@code [N·T, V]}. */
    static final class LstmLm extends Module {
        private final Embedding embedding;
        private final LSTM lstm;
        private final Linear head;

        LstmLm(int vocab, int embed, int hidden) {
            embedding = registerModule("embedding", new Embedding(vocab, embed));
            lstm = registerModule("lstm", LSTM.builder(embed, hidden).layers(2).dropout(0.25).returnSequences(true).build());
            head = registerModule("head", new Linear(hidden, vocab));
        }

        /** @param tokens INT64 {@code [N, T]} @return logits {@code [N·T, V]} */
        @Override
        public Tensor forward(Tensor tokens) {
            Tensor h = lstm.forward(embedding.forward(tokens));     // [N, T, H]
            return head.forward(h.reshape(-1, h.dim(2)));
        }

        @Override
        public String describe() {
            return String.format(Locale.ROOT, "LstmLm(%s)", lstm.describe());
        }
    }
}
