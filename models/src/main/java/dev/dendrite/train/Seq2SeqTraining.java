package dev.dendrite.train;

import dev.dendrite.Autograd;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.data.DigitStrings;
import dev.dendrite.nn.Init;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Reduction;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.optim.CosineAnnealingLR;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.Optimizers;
import dev.dendrite.optim.WarmUp;
import dev.dendrite.zoo.RnnCells;
import dev.dendrite.zoo.Seq2Seq;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a {@link Seq2Seq} model with attention on a {@link DigitStrings} task (reverse or sort
 * strings of digits of random lengths) with teacher forcing, and scores it by exact match under
 * greedy decoding on a fixed test set drawn from a different seed: an answer counts only when every
 * digit and the length are right.
 */
public final class Seq2SeqTraining {
    private Seq2SeqTraining() {
    }

    /** Hyper-parameters and task sizes. */
    public static final class Options {
        DigitStrings.Task task = DigitStrings.Task.REVERSE;
        Seq2Seq.Attention attention = Seq2Seq.Attention.DOT;
        RnnMode cell = RnnMode.LSTM;
        int minLength = 1, maxLength = 8, embed = 16, hidden = 64, batch = 64, steps = 1500, evalEvery = 250, testSize = 1000;
        double lr = 3e-3, clip = 1.0;
        String optimizer = "adam";
        long seed = 42;

        public Options task(DigitStrings.Task v) { task = v; return this; }
        public Options attention(Seq2Seq.Attention v) { attention = v; return this; }
        public Options cell(RnnMode v) { cell = v; return this; }
        /** Lengths of the digit strings, uniform in {@code [min, max]}. */
        public Options lengths(int min, int max) { minLength = min; maxLength = max; return this; }
        public Options embed(int v) { embed = v; return this; }
        public Options hidden(int v) { hidden = v; return this; }
        public Options batch(int v) { batch = v; return this; }
        public Options steps(int v) { steps = v; return this; }
        public Options evalEvery(int v) { evalEvery = v; return this; }
        public Options testSize(int v) { testSize = v; return this; }
        public Options lr(double v) { lr = v; return this; }
        public Options clip(double v) { clip = v; return this; }
        public Options optimizer(String v) { optimizer = v; return this; }
        public Options seed(long v) { seed = v; return this; }

        void validate() {
            if (embed < 1 || hidden < 1 || batch < 1 || steps < 1 || evalEvery < 1 || testSize < 1)
                throw new IllegalArgumentException(String.format(Locale.ROOT, "seq2seq: --embed %d, --hidden %d, --batch %d, --steps %d "
                        + "must be >= 1", embed, hidden, batch, steps));
            if (minLength < 1 || maxLength < minLength)
                throw new IllegalArgumentException("seq2seq: need 1 <= min length <= --seq-len, got " + minLength + " and " + maxLength);
            if (!(lr > 0)) throw new IllegalArgumentException("seq2seq: --lr must be > 0, got " + lr);
        }
    }

    /**
     * @param exactMatch fraction of test strings answered exactly (greedy decoding)
     * @param tokenAccuracy fraction of test target tokens (digits and EOS) predicted right under teacher forcing
     * @param examples a few test inputs with the model's answers, {@code "31415 → 51413 ✓"}
     */
    public record Result(Seq2Seq model, double exactMatch, double tokenAccuracy, List<String> examples,
                         List<SequenceTrainer.Progress> history, double seconds) {
        public Map<String, String> metadata(Options o) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("model", "seq2seq");
            m.put("task", o.task.name().toLowerCase(Locale.ROOT));
            m.put("attention", o.attention.lowerName());
            m.put("cell", RnnCells.name(o.cell));
            m.put("embed", Integer.toString(o.embed));
            m.put("hidden", Integer.toString(o.hidden));
            m.put("max_length", Integer.toString(o.maxLength));
            m.put("exact_match", Double.toString(exactMatch));
            return m;
        }
    }

    /** @param out progress lines, or null for silence */
    public static Result train(Options o, PrintStream out) {
        o.validate();
        DigitStrings.Batch test = DigitStrings.batch(o.task, o.testSize, o.minLength, o.maxLength, new SplittableRandom(o.seed + 0x9E3779B97F4A7C15L));
        Init.seed(o.seed);
        Seq2Seq model = new Seq2Seq(new Seq2Seq.Config(DigitStrings.VOCAB_SIZE, DigitStrings.VOCAB_SIZE, o.embed, o.hidden, o.cell, o.attention));
        Optimizer opt = Optimizers.create(o.optimizer, model.parameters(), o.lr);
        int warmup = Math.min(100, o.steps / 10);
        SequenceTrainer trainer = new SequenceTrainer(model, opt).clipGradNorm(o.clip)
                .schedule(new WarmUp(warmup, new CosineAnnealingLR(Math.max(1, o.steps - warmup), 0)));
        if (out != null) {
            out.printf(Locale.ROOT, "Task: %s digit strings of length %d-%d; test set: %,d strings from another seed%n",
                    o.task.name().toLowerCase(Locale.ROOT), o.minLength, o.maxLength, o.testSize);
            out.printf(Locale.ROOT, "Training %s (%,d parameters), %d steps of batch %d (fresh random strings each step), %s lr %.2g%n",
                    model.describe(), model.parameterCount(), o.steps, o.batch, o.optimizer, o.lr);
        }
        SplittableRandom random = new SplittableRandom(o.seed);
        CrossEntropyParams ignorePad = new CrossEntropyParams(Reduction.MEAN, DigitStrings.PAD, 0);
        int lt = o.maxLength + 1;
        long t0 = System.nanoTime();
        double[] last = new double[2];
        List<SequenceTrainer.Progress> history = trainer.fit(o.steps, i -> {
            DigitStrings.Batch b = DigitStrings.batch(o.task, o.batch, o.minLength, o.maxLength, random);
            Tensor logits = model.logits(Tensor.fromArray(b.source(), b.size(), o.maxLength), b.lengths(),
                    Tensor.fromArray(b.decoderInput(), b.size(), lt));
            return NN.crossEntropy(logits.reshape(b.size() * lt, DigitStrings.VOCAB_SIZE), Tensor.fromArray(b.target(), b.size() * lt), ignorePad);
        }, o.evalEvery, () -> {
            double[] r = evaluate(model, test);
            last[0] = r[0];
            last[1] = r[1];
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("exact_match", r[0]);
            m.put("token_accuracy", r[1]);
            return m;
        }, p -> {
            if (out != null)
                out.printf(Locale.ROOT, "step %5d/%d  train loss %.4f  test exact match %.2f%%  token accuracy %.2f%%  %.1f s%n", p.step(),
                        p.totalSteps(), p.trainLoss(), 100 * p.metrics().get("exact_match"), 100 * p.metrics().get("token_accuracy"), p.seconds());
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(model, last[0], last[1], examples(model, test, 5), history, seconds);
    }

    /** {exact-match rate under greedy decoding, teacher-forced token accuracy on non-PAD targets}. */
    public static double[] evaluate(Seq2Seq model, DigitStrings.Batch test) {
        int n = test.size(), ls = test.maxLength(), lt = ls + 1;
        int exact = 0;
        long tokens = 0, right = 0;
        int chunk = 500;
        for (int start = 0; start < n; start += chunk) {
            int m = Math.min(chunk, n - start);
            int[] src = Arrays.copyOfRange(test.source(), start * ls, (start + m) * ls);
            int[] lens = Arrays.copyOfRange(test.lengths(), start, start + m);
            int[][] answers = model.greedyDecode(Tensor.fromArray(src, m, ls), lens, lt, DigitStrings.BOS, DigitStrings.EOS);
            for (int i = 0; i < m; i++) if (Arrays.equals(answers[i], test.answers()[start + i])) exact++;
            boolean wasTraining = model.isTraining();
            model.eval();
            try (Autograd.NoGrad ng = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
                int[] dec = Arrays.copyOfRange(test.decoderInput(), start * lt, (start + m) * lt);
                int[] tgt = Arrays.copyOfRange(test.target(), start * lt, (start + m) * lt);
                int[] pred = model.logits(Tensor.fromArray(src, m, ls), lens, Tensor.fromArray(dec, m, lt)).argmax(2, false).reshape(m * lt)
                        .toIntArray();
                for (int k = 0; k < pred.length; k++) {
                    if (tgt[k] == DigitStrings.PAD) continue;
                    tokens++;
                    if (pred[k] == tgt[k]) right++;
                }
            } finally {
                if (wasTraining) model.train();
            }
        }
        return new double[]{(double) exact / n, (double) right / Math.max(1, tokens)};
    }

    /** The first {@code k} test strings with the model's greedy answers. */
    static List<String> examples(Seq2Seq model, DigitStrings.Batch test, int k) {
        int m = Math.min(k, test.size()), ls = test.maxLength();
        int[] src = Arrays.copyOfRange(test.source(), 0, m * ls);
        int[] lens = Arrays.copyOfRange(test.lengths(), 0, m);
        int[][] answers = model.greedyDecode(Tensor.fromArray(src, m, ls), lens, ls + 1, DigitStrings.BOS, DigitStrings.EOS);
        String[] out = new String[m];
        for (int i = 0; i < m; i++) {
            String in = DigitStrings.text(Arrays.copyOfRange(src, i * ls, i * ls + lens[i]));
            out[i] = in + " → " + DigitStrings.text(answers[i]) + (Arrays.equals(answers[i], test.answers()[i]) ? " ✓" : " ✗ (expected "
                    + DigitStrings.text(test.answers()[i]) + ")");
        }
        return List.of(out);
    }
}
