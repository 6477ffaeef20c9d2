package dev.dendrite.zoo;

import dev.dendrite.Autograd;
import dev.dendrite.MemoryScope;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Embedding;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.RecurrentLayer;
import dev.dendrite.ops.RnnMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Encoder–decoder with attention (Luong et al., 2015, "global attention" without input feeding).
 * <pre>
 *   source [N, Ts] → embedding → encoder RNN → memory M [N, Ts, H], final state s
 *   decoder input [N, Tt] → embedding → decoder RNN from s → queries Q [N, Tt, H]
 *   context C = softmax(score(Q, M) + mask) · M          [N, Tt, H]
 *   logits = W_o · tanh(W_c · [C; Q])                     [N, Tt, V]
 * </pre>
 * Scores: {@link Attention#DOT} {@code q·m/√H} (scaled dot product), or {@link Attention#ADDITIVE}
 * {@code vᵀ tanh(W_q q + W_k m)} (Bahdanau et al., 2015). Padded source positions (beyond each
 * row's length) are masked with −∞, so they get no attention. Because attention is applied after the
 * decoder RNN rather than fed back into it, the decoder runs over the whole teacher-forced target in
 * one call during training; {@link #greedyDecode} runs it one step at a time.
 */
public final class Seq2Seq extends Module {
    /** How a decoder query is scored against each encoder output. */
    public enum Attention {
        /** {@code q·m / √H}. */
        DOT,
        /** {@code vᵀ tanh(W_q q + W_k m)}. */
        ADDITIVE;

        /** {@code dot} or {@code additive}; throws listing both. */
        public static Attention parse(String name) {
            for (Attention a : values()) if (a.name().equalsIgnoreCase(name)) return a;
            throw new IllegalArgumentException("seq2seq: unknown attention '" + name + "'; valid: dot, additive");
        }

        public String lowerName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param sourceVocab source token ids are in {@code [0, sourceVocab)}
     * @param targetVocab output classes
     */
    public record Config(int sourceVocab, int targetVocab, int embedDim, int hiddenSize, RnnMode cell, Attention attention) {
        public Config {
            if (sourceVocab < 1 || targetVocab < 1 || embedDim < 1 || hiddenSize < 1)
                throw new IllegalArgumentException("seq2seq: sizes must be >= 1, got sourceVocab=" + sourceVocab + " targetVocab=" + targetVocab
                        + " embed=" + embedDim + " hidden=" + hiddenSize);
            if (cell == null || attention == null) throw new IllegalArgumentException("seq2seq: cell and attention must not be null");
        }
    }

    /** The encoder's result: memory {@code [N, Ts, H]}, the additive mask {@code [N, 1, Ts]} (null if no padding) and the final state. */
    public record Encoded(Tensor memory, Tensor mask, RnnCells.State state) {
    }

    /** Decoder result: logits {@code [N, Tt, V]}, attention weights {@code [N, Tt, Ts]}, the state after the last step. */
    public record Decoded(Tensor logits, Tensor weights, RnnCells.State state) {
    }

    private final Config config;
    private final Embedding sourceEmbedding, targetEmbedding;
    private final RecurrentLayer encoder, decoder;
    private final Linear queryProj, keyProj, scoreProj, combine, out;

    public Seq2Seq(Config c) {
        this.config = c;
        int h = c.hiddenSize();
        sourceEmbedding = registerModule("sourceEmbedding", new Embedding(c.sourceVocab(), c.embedDim()));
        targetEmbedding = registerModule("targetEmbedding", new Embedding(c.targetVocab(), c.embedDim()));
        encoder = registerModule("encoder", RnnCells.layer(c.cell(), c.embedDim(), h, 1, true, 0));
        decoder = registerModule("decoder", RnnCells.layer(c.cell(), c.embedDim(), h, 1, true, 0));
        if (c.attention() == Attention.ADDITIVE) {
            queryProj = registerModule("queryProj", new Linear(h, h, false, dev.dendrite.DType.FLOAT32));
            keyProj = registerModule("keyProj", new Linear(h, h));
            scoreProj = registerModule("scoreProj", new Linear(h, 1, false, dev.dendrite.DType.FLOAT32));
        } else {
            queryProj = keyProj = scoreProj = null;
        }
        combine = registerModule("combine", new Linear(2 * h, h));
        out = registerModule("out", new Linear(h, c.targetVocab()));
    }

    public Config config() {
        return config;
    }

    /** Not a single-input model: use {@link #logits} (training) or {@link #greedyDecode} (inference). */
    @Override
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException("seq2seq: forward(x) has no target to decode; call logits(source, lengths, decoderInput) "
                + "or greedyDecode(source, lengths, maxSteps, bos, eos)");
    }

    /**
     * @param source INT32 {@code [N, Ts]}
     * @param lengths each row's length in {@code [1, Ts]}, or null when every row is Ts long
     */
    public Encoded encode(Tensor source, int[] lengths) {
        if (source.rank() != 2) throw new IllegalArgumentException("seq2seq: source must be [N, Ts], got " + source.shape());
        int n = source.dim(0), ts = source.dim(1);
        if (lengths != null && lengths.length != n)
            throw new IllegalArgumentException("seq2seq: " + lengths.length + " lengths for a source batch of " + n + " " + source.shape());
        RecurrentLayer.Output o = encoder.run(sourceEmbedding.forward(source), lengths, null, null);
        Tensor mask = null;
        if (lengths != null && Arrays.stream(lengths).anyMatch(l -> l != ts)) {
            double[] m = new double[n * ts];
            for (int i = 0; i < n; i++) Arrays.fill(m, i * ts + lengths[i], (i + 1) * ts, Double.NEGATIVE_INFINITY);
            mask = Tensor.fromArray(m, Shape.of(n, 1, ts), source.device()).to(o.output().dtype());
        }
        return new Encoded(o.output(), mask, new RnnCells.State(o.hn(), o.cn()));
    }

    /**
     * Runs the decoder over {@code input} from {@code state} (the encoder's final state for the first call).
     * @param input INT32 {@code [N, Tt]}
     */
    public Decoded decode(Tensor input, RnnCells.State state, Encoded enc) {
        if (input.rank() != 2 || input.dim(0) != enc.memory().dim(0))
            throw new IllegalArgumentException("seq2seq: decoder input must be [N, Tt] with N = " + enc.memory().dim(0) + ", got " + input.shape());
        RecurrentLayer.Output o = decoder.run(targetEmbedding.forward(input), null, state.h(), state.c());
        Tensor q = o.output();                             // [N, Tt, H]
        Tensor m = enc.memory();                           // [N, Ts, H]
        Tensor scores = switch (config.attention()) {
            case DOT -> q.matmul(m.transpose(1, 2)).mul(1 / Math.sqrt(config.hiddenSize()));
            // [N, Tt, 1, H] + [N, 1, Ts, H] → tanh → [N, Tt, Ts, 1]
            case ADDITIVE -> scoreProj.forward(queryProj.forward(q).unsqueeze(2).add(keyProj.forward(m).unsqueeze(1)).tanh()).squeeze(3);
        };
        if (enc.mask() != null) scores = scores.add(enc.mask());
        Tensor weights = scores.softmax(2);                // [N, Tt, Ts]
        Tensor context = weights.matmul(m);                // [N, Tt, H]
        Tensor attentional = combine.forward(Tensor.concat(List.of(context, q), 2)).tanh();
        return new Decoded(out.forward(attentional), weights, new RnnCells.State(o.hn(), o.cn()));
    }

    /**
     * Teacher-forced logits for training.
     * @param decoderInput INT32 {@code [N, Tt]}: BOS then the target shifted right
     * @return {@code [N, Tt, V]}
     */
    public Tensor logits(Tensor source, int[] lengths, Tensor decoderInput) {
        Encoded enc = encode(source, lengths);
        return decode(decoderInput, enc.state(), enc).logits();
    }

    /**
     * Greedy decoding: from BOS, feed back the most likely token until every row has produced EOS or
     * {@code maxSteps} tokens.
     * @return each row's tokens before its EOS (all {@code maxSteps} tokens when it never produced one)
     */
    public int[][] greedyDecode(Tensor source, int[] lengths, int maxSteps, int bos, int eos) {
        int n = source.dim(0);
        List<List<Integer>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) rows.add(new ArrayList<>());
        boolean[] done = new boolean[n];
        boolean wasTraining = isTraining();
        eval();
        RnnCells.State state = null;
        Encoded enc = null;
        try (Autograd.NoGrad ng = Autograd.noGrad(); MemoryScope outer = MemoryScope.open()) {
            enc = encode(source, lengths);
            int[] tokens = new int[n];
            Arrays.fill(tokens, bos);
            int finished = 0;
            for (int step = 0; step < maxSteps && finished < n; step++) {
                try (MemoryScope scope = MemoryScope.open()) {
                    Decoded d = decode(Tensor.fromArray(tokens, n, 1), state == null ? enc.state() : state, enc);
                    tokens = d.logits().argmax(2, false).reshape(n).toIntArray();
                    RnnCells.State.close(state);
                    state = d.state().keep();
                }
                for (int i = 0; i < n; i++) {
                    if (done[i]) continue;
                    if (tokens[i] == eos) {
                        done[i] = true;
                        finished++;
                    } else {
                        rows.get(i).add(tokens[i]);
                    }
                }
            }
        } finally {
            RnnCells.State.close(state);
            if (wasTraining) train();
        }
        int[][] result = new int[n][];
        for (int i = 0; i < n; i++) result[i] = rows.get(i).stream().mapToInt(Integer::intValue).toArray();
        return result;
    }

    @Override
    public String describe() {
        return "Seq2Seq(" + RnnCells.name(config.cell()) + " " + config.hiddenSize() + ", " + config.attention().lowerName() + " attention)";
    }
}
