package dev.dendrite.zoo;

import dev.dendrite.Autograd;
import dev.dendrite.MemoryScope;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Embedding;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.RecurrentLayer;
import dev.dendrite.ops.RnnMode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Character-level language model: embedding → recurrent layer(s) → linear layer to one logit per
 * character, i.e. {@code p(x_{t+1} | x_1..x_t)} at every step.
 * <pre>
 *   tokens [N, T] (INT32) → embedding [N, T, E] → LSTM/GRU [N, T, H] → linear [N, T, V]
 * </pre>
 * The recurrent state is passed in and out explicitly ({@link #run}), rather than kept by a stateful
 * layer, so that training, validation (a different batch size) and generation (one character at a
 * time) each carry their own.
 */
public final class CharLM extends Module {
    /** Metadata value of {@code model} in a char-LM checkpoint. */
    public static final String MODEL_NAME = "charlm";

    /**
     * The architecture; {@link #toMetadata()} and {@link #fromMetadata} store it in a checkpoint.
     * @param vocabSize V, characters
     * @param embedDim E
     * @param hiddenSize H
     * @param layers stacked recurrent layers
     * @param cell LSTM, GRU or a plain RNN
     */
    public record Config(int vocabSize, int embedDim, int hiddenSize, int layers, RnnMode cell) {
        public Config {
            if (vocabSize < 1 || embedDim < 1 || hiddenSize < 1 || layers < 1)
                throw new IllegalArgumentException("charlm: sizes must be >= 1, got vocab=" + vocabSize + " embed=" + embedDim + " hidden="
                        + hiddenSize + " layers=" + layers);
            if (cell == null) throw new IllegalArgumentException("charlm: cell must not be null");
        }

        public Map<String, String> toMetadata() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("model", MODEL_NAME);
            m.put("vocab_size", Integer.toString(vocabSize));
            m.put("embed", Integer.toString(embedDim));
            m.put("hidden", Integer.toString(hiddenSize));
            m.put("layers", Integer.toString(layers));
            m.put("cell", RnnCells.name(cell));
            return m;
        }

        /** Reads what {@link #toMetadata()} wrote; throws naming a missing or malformed entry. */
        public static Config fromMetadata(Map<String, String> m) {
            if (!MODEL_NAME.equals(m.get("model")))
                throw new IllegalArgumentException("charlm: checkpoint holds model '" + m.getOrDefault("model", "") + "', not '" + MODEL_NAME + "'");
            return new Config(intEntry(m, "vocab_size"), intEntry(m, "embed"), intEntry(m, "hidden"), intEntry(m, "layers"),
                    RnnCells.parse(m.getOrDefault("cell", "")));
        }
    }

    static int intEntry(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("checkpoint metadata has no '" + key + "' (have " + m.keySet() + ")");
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint metadata '" + key + "' = '" + v + "' is not an integer");
        }
    }

    /** What {@link #run} returns: logits {@code [N, T, V]} and the state after the last step. */
    public record Output(Tensor logits, RnnCells.State state) {
    }

    private final Config config;
    private final Embedding embedding;
    private final RecurrentLayer rnn;
    private final Linear head;

    /** A model without truncated backpropagation inside one call. */
    public CharLM(Config config) {
        this(config, 0);
    }

    /**
     * @param truncateSteps when {@code > 0}, gradients inside one call flow back at most this many
     *                      steps (the state is detached every {@code truncateSteps} steps); the values
     *                      are unchanged
     */
    public CharLM(Config config, int truncateSteps) {
        this.config = config;
        embedding = registerModule("embedding", new Embedding(config.vocabSize(), config.embedDim()));
        rnn = registerModule("rnn", RnnCells.layer(config.cell(), config.embedDim(), config.hiddenSize(), config.layers(), true, truncateSteps));
        head = registerModule("head", new Linear(config.hiddenSize(), config.vocabSize()));
    }

    public Config config() {
        return config;
    }

    /**
     * @param tokens INT32/INT64 {@code [N, T]}
     * @return logits {@code [N, T, V]}, from a zero initial state
     */
    @Override
    public Tensor forward(Tensor tokens) {
        return run(tokens, null).logits();
    }

    /**
     * @param tokens INT32/INT64 {@code [N, T]} ids in {@code [0, V)}
     * @param state  the state to start from ({@code [N, L, H]}), or null for zeros
     */
    public Output run(Tensor tokens, RnnCells.State state) {
        if (tokens.rank() != 2)
            throw new IllegalArgumentException("charlm: tokens must be [N, T], got " + tokens.shape());
        if (state != null && state.h().dim(0) != tokens.dim(0))
            throw new IllegalArgumentException("charlm: state " + state.h().shape() + " is for a batch of " + state.h().dim(0) + ", tokens "
                    + tokens.shape() + " are a batch of " + tokens.dim(0));
        RecurrentLayer.Output o = rnn.run(embedding.forward(tokens), null, state == null ? null : state.h(),
                state == null ? null : state.c());
        return new Output(head.forward(o.output()), new RnnCells.State(o.hn(), o.cn()));
    }

    /**
     * Continues {@code prompt} by {@code length} characters, each sampled from the model's
     * distribution given everything before it, sharpened or flattened by {@code temperature}.
     * Deterministic for a seed.
     * @param prompt token ids, at least one
     * @param temperature {@code > 0} (1 = the model's distribution), or 0 for the most likely character
     * @return the {@code length} new token ids (the prompt is not repeated)
     */
    public int[] generate(int[] prompt, int length, double temperature, long seed) {
        if (prompt.length == 0) throw new IllegalArgumentException("charlm generate: the prompt must hold at least one character");
        if (length < 0) throw new IllegalArgumentException("charlm generate: length must be >= 0, got " + length);
        checkTemperature(temperature);
        SplittableRandom random = new SplittableRandom(seed);
        int[] out = new int[length];
        boolean wasTraining = isTraining();
        eval();
        RnnCells.State state = null;
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            int[] input = prompt;
            for (int i = 0; i < length; i++) {
                try (MemoryScope scope = MemoryScope.open()) {
                    Output o = run(Tensor.fromArray(input, 1, input.length), state);
                    float[] logits = o.logits().select(1, input.length - 1).reshape(-1).toFloatArray();
                    RnnCells.State.close(state);
                    state = o.state().keep();
                    out[i] = sample(logits, temperature, random);
                    input = new int[]{out[i]};
                }
            }
        } finally {
            RnnCells.State.close(state);
            if (wasTraining) train();
        }
        return out;
    }

    private static void checkTemperature(double temperature) {
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("charlm generate: temperature must be finite and >= 0, got " + temperature);
    }

    /**
     * Draws index i with probability {@code softmax(logits / temperature)_i}; temperature 0 gives
     * the first index of the largest logit.
     */
    public static int sample(float[] logits, double temperature, SplittableRandom random) {
        checkTemperature(temperature);
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        if (temperature == 0) return best;
        double[] w = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            // Shifted by the largest logit so that exp never overflows.
            w[i] = Math.exp((logits[i] - logits[best]) / temperature);
            sum += w[i];
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < w.length; i++) {
            u -= w[i];
            if (u < 0) return i;
        }
        return best; // u landed on the rounding error at the end
    }

    @Override
    public String describe() {
        return "CharLM(" + config.vocabSize() + " chars, " + RnnCells.name(config.cell()) + " " + config.hiddenSize()
                + (config.layers() > 1 ? "×" + config.layers() : "") + ")";
    }
}
