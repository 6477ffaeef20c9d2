package dev.dendrite.train;

import dev.dendrite.Autograd;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.data.CharVocabulary;
import dev.dendrite.data.TextCorpus;
import dev.dendrite.data.TokenStreams;
import dev.dendrite.nn.Init;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.optim.CosineAnnealingLR;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.Optimizers;
import dev.dendrite.optim.WarmUp;
import dev.dendrite.zoo.CharLM;
import dev.dendrite.zoo.RnnCells;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a {@link CharLM} on a text with truncated backpropagation through time and reports the
 * validation loss per character next to the unigram entropy of the text — the loss of the best
 * model that ignores context, which a language model must beat by a wide margin.
 * <p>
 * Note [Stateful truncated BPTT]
 * The training text is cut into {@code batch} parallel streams ({@link TokenStreams}); consecutive
 * batches hold consecutive windows of {@code seqLen} characters of every stream. The recurrent
 * state at the end of a batch is detached and carried into the next batch, so the model sees an
 * unbroken context while gradients flow back at most one window; with {@code bptt < seqLen} the
 * layer also detaches the state every {@code bptt} steps inside a window. The state is reset to
 * zero whenever a pass over the streams starts again. Validation carries its own state the same way
 * over the held-out text, in evaluation mode.
 */
public final class CharLmTraining {
    private CharLmTraining() {
    }

    /** Hyper-parameters; the defaults reach a validation loss far below the unigram entropy of the Debian licences in about two minutes on two CPU cores. */
    public static final class Options {
        int embed = 32, hidden = 128, layers = 1, seqLen = 64, bptt = 0, batch = 32, steps = 1200, evalEvery = 200;
        RnnMode cell = RnnMode.LSTM;
        double lr = 3e-3, clip = 1.0, validationFraction = 0.1;
        String optimizer = "adam";
        long seed = 42;

        public Options embed(int v) { embed = v; return this; }
        public Options hidden(int v) { hidden = v; return this; }
        public Options layers(int v) { layers = v; return this; }
        public Options cell(RnnMode v) { cell = v; return this; }
        /** Characters per training window (T). */
        public Options seqLen(int v) { seqLen = v; return this; }
        /** Detach the state every k steps inside a window (0 = only at window ends, i.e. k = seqLen). */
        public Options bptt(int v) { bptt = v; return this; }
        /** Parallel streams (N). */
        public Options batch(int v) { batch = v; return this; }
        public Options steps(int v) { steps = v; return this; }
        public Options evalEvery(int v) { evalEvery = v; return this; }
        public Options lr(double v) { lr = v; return this; }
        /** Global gradient-norm clip (NaN = none). */
        public Options clip(double v) { clip = v; return this; }
        public Options validationFraction(double v) { validationFraction = v; return this; }
        public Options optimizer(String v) { optimizer = v; return this; }
        public Options seed(long v) { seed = v; return this; }

        void validate() {
            if (embed < 1 || hidden < 1 || layers < 1 || seqLen < 1 || batch < 1 || steps < 1 || evalEvery < 1 || bptt < 0)
                throw new IllegalArgumentException(String.format(Locale.ROOT, "charlm: --embed %d, --hidden %d, --layers %d, --seq-len %d, "
                        + "--batch %d, --steps %d must be >= 1 and --bptt %d >= 0", embed, hidden, layers, seqLen, batch, steps, bptt));
            if (!(lr > 0)) throw new IllegalArgumentException("charlm: --lr must be > 0, got " + lr);
        }
    }

    /**
     * @param unigramEntropyNats entropy of the training text's character distribution, nats per character
     * @param validationLossNats mean cross-entropy per character on the held-out text, nats
     * @param history the reports, {@code val_loss} in nats per character
     */
    public record Result(CharLM model, CharVocabulary vocabulary, double unigramEntropyNats, double validationLossNats,
                         List<SequenceTrainer.Progress> history, double seconds, int trainChars, int validationChars) {
        public double unigramEntropyBits() {
            return unigramEntropyNats / Math.log(2);
        }

        public double validationLossBits() {
            return validationLossNats / Math.log(2);
        }

        /** What {@code dendrite generate} needs to rebuild the model: architecture and vocabulary, plus the numbers. */
        public Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>(model.config().toMetadata());
            m.put("vocab", vocabulary.toMetadata());
            m.put("step", Long.toString(history.isEmpty() ? 0 : history.get(history.size() - 1).step()));
            m.put("unigram_entropy_nats", Double.toString(unigramEntropyNats));
            m.put("val_loss_nats", Double.toString(validationLossNats));
            return m;
        }
    }

    /** Rebuilds the vocabulary stored by {@link Result#metadata()}. */
    public static CharVocabulary vocabulary(Map<String, String> metadata) {
        String v = metadata.get("vocab");
        if (v == null) throw new IllegalArgumentException("charlm: checkpoint metadata has no 'vocab' entry");
        CharVocabulary vocab = CharVocabulary.fromMetadata(v);
        String size = metadata.get("vocab_size");
        if (size != null && !size.equals(Integer.toString(vocab.size())))
            throw new IllegalArgumentException("charlm: checkpoint vocabulary has " + vocab.size() + " characters but vocab_size says " + size);
        return vocab;
    }

    /**
     * Trains on the first {@code 1 − validationFraction} of {@code corpus} and validates on the rest.
     * @param out progress lines, or null for silence
     */
    public static Result train(TextCorpus corpus, Options o, PrintStream out) {
        o.validate();
        CharVocabulary vocab = CharVocabulary.of(corpus.text());
        String[] parts = corpus.split(o.validationFraction);
        int[] train = vocab.encode(parts[0]), val = vocab.encode(parts[1]);
        TokenStreams streams = new TokenStreams(train, o.batch, o.seqLen);
        // Four validation streams of long windows: few zero-state starts, few calls.
        int valStreams = Math.max(1, Math.min(4, (val.length - 1) / (2 * o.seqLen)));
        int valWindow = Math.min(4 * o.seqLen, Math.max(1, (val.length - 1) / valStreams));
        TokenStreams valBatches = new TokenStreams(val, valStreams, valWindow);
        double unigram = vocab.unigramEntropyNats(train);

        Init.seed(o.seed);
        int truncate = o.bptt > 0 && o.bptt < o.seqLen ? o.bptt : 0;
        CharLM model = new CharLM(new CharLM.Config(vocab.size(), o.embed, o.hidden, o.layers, o.cell), truncate);
        Optimizer opt = Optimizers.create(o.optimizer, model.parameters(), o.lr);
        int warmup = Math.min(100, o.steps / 10);
        SequenceTrainer trainer = new SequenceTrainer(model, opt).clipGradNorm(o.clip)
                .schedule(new WarmUp(warmup, new CosineAnnealingLR(Math.max(1, o.steps - warmup), 0)));
        if (out != null) {
            out.printf(Locale.ROOT, "Text: %s, %,d characters (%,d training, %,d validation), %d distinct%n", corpus.source(), corpus.length(),
                    train.length, val.length, vocab.size());
            out.printf(Locale.ROOT, "Training %s (%,d parameters): %d streams × %d characters per step, state carried across steps, "
                            + "gradients truncated every %d steps, %d steps (%.1f passes), %s lr %.2g, clip %s%n", model.describe(),
                    model.parameterCount(), o.batch, o.seqLen, truncate > 0 ? truncate : o.seqLen, o.steps,
                    (double) o.steps / streams.batches(), o.optimizer, o.lr, Double.isNaN(o.clip) ? "off" : Double.toString(o.clip));
            out.printf(Locale.ROOT, "Unigram entropy of the training text: %.4f bits/char (%.4f nats/char)%n", unigram / Math.log(2), unigram);
        }

        // [0]: the state the coming step starts from; [1]: the one the previous step started from, which
        // that step's backward pass read, so it is closed only once that pass is over.
        RnnCells.State[] states = {null, null};
        long t0 = System.nanoTime();
        List<SequenceTrainer.Progress> history;
        try {
            history = trainer.fit(o.steps, i -> {
                int b = i % streams.batches();
                RnnCells.State.close(states[1]);
                states[1] = states[0];
                Tensor x = Tensor.fromArray(streams.inputs(b), o.batch, o.seqLen);
                Tensor y = Tensor.fromArray(streams.targets(b), o.batch * o.seqLen);
                // At b = 0 a new pass starts: the streams restart from their beginnings and the carried state no longer applies.
                CharLM.Output r = model.run(x, b == 0 ? null : states[1]);
                states[0] = r.state().keep();
                return NN.crossEntropy(r.logits().reshape(o.batch * o.seqLen, vocab.size()), y);
            }, o.evalEvery, () -> Map.of("val_loss", validationLoss(model, valBatches)), p -> {
                if (out != null)
                    out.printf(Locale.ROOT, "step %5d/%d  train loss %.4f  val loss %.4f nats/char = %.4f bits/char  (unigram %.4f bits)  %.1f s%n",
                            p.step(), p.totalSteps(), p.trainLoss(), p.metrics().get("val_loss"), p.metrics().get("val_loss") / Math.log(2),
                            unigram / Math.log(2), p.seconds());
            });
        } finally {
            RnnCells.State.close(states[0]);
            RnnCells.State.close(states[1]);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double valLoss = history.get(history.size() - 1).metrics().get("val_loss");
        return new Result(model, vocab, unigram, valLoss, history, seconds, train.length, val.length);
    }

    /**
     * Mean cross-entropy per predicted character, in nats, over every window of {@code batches},
     * carrying the state from window to window; evaluation mode, no gradients.
     */
    public static double validationLoss(CharLM model, TokenStreams batches) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double sum = 0;
        long count = 0;
        RnnCells.State state = null;
        int n = batches.streams(), t = batches.window(), v = model.config().vocabSize();
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            for (int b = 0; b < batches.batches(); b++) {
                try (MemoryScope scope = MemoryScope.open()) {
                    CharLM.Output r = model.run(Tensor.fromArray(batches.inputs(b), n, t), state);
                    Tensor y = Tensor.fromArray(batches.targets(b), n * t);
                    sum += NN.crossEntropy(r.logits().reshape(n * t, v), y).item() * n * t;
                    count += (long) n * t;
                    RnnCells.State.close(state);
                    state = r.state().keep();
                }
            }
        } finally {
            RnnCells.State.close(state);
            if (wasTraining) model.train();
        }
        return sum / count;
    }
}
