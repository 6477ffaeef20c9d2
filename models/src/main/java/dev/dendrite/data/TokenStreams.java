package dev.dendrite.data;

/**
 * Batches of a token sequence for a stateful language model with truncated backpropagation
 * through time. The sequence is cut into {@code N} contiguous streams of {@code S = ⌊(L − 1)/N⌋}
 * tokens; batch {@code b} holds window {@code [b·T, b·T + T)} of every stream, so row {@code n} of
 * batch {@code b + 1} continues row {@code n} of batch {@code b} and the recurrent state carried from
 * one batch to the next is the state of the same text. Targets are the inputs shifted by one token.
 * <pre>
 *   tokens:  [ stream 0: S tokens | stream 1: S tokens | ... | stream N−1 | rest ]
 *   inputs(b)[n, t]  = tokens[n·S + b·T + t]
 *   targets(b)[n, t] = tokens[n·S + b·T + t + 1]
 * </pre>
 * A trailing part of each stream shorter than T is not used (at most T − 1 tokens per stream).
 */
public final class TokenStreams {
    private final int[] tokens;
    private final int streams, window, streamLength, batches;

    /**
     * @param tokens the sequence, length L
     * @param streams N, the batch size
     * @param window T, the steps per batch
     */
    public TokenStreams(int[] tokens, int streams, int window) {
        if (streams < 1 || window < 1)
            throw new IllegalArgumentException("TokenStreams: streams and window must be >= 1, got streams=" + streams + " window=" + window);
        this.tokens = tokens;
        this.streams = streams;
        this.window = window;
        this.streamLength = Math.max(0, (tokens.length - 1) / streams);
        this.batches = streamLength / window;
        if (batches < 1)
            throw new IllegalArgumentException("TokenStreams: " + tokens.length + " tokens are too few for " + streams + " streams of at least "
                    + window + " steps (need " + (streams * window + 1) + "); use a smaller batch or --seq-len, or a longer text");
    }

    /** Batches in one pass over the streams. */
    public int batches() {
        return batches;
    }

    public int streams() {
        return streams;
    }

    public int window() {
        return window;
    }

    /** Tokens predicted in one pass: {@code batches · N · T}. */
    public long tokensPerPass() {
        return (long) batches * streams * window;
    }

    /** Row-major {@code [N, T]} input ids of batch {@code b}. */
    public int[] inputs(int b) {
        return slice(b, 0);
    }

    /** Row-major {@code [N, T]} target ids of batch {@code b}: the next token after each input. */
    public int[] targets(int b) {
        return slice(b, 1);
    }

    private int[] slice(int b, int shift) {
        if (b < 0 || b >= batches) throw new IllegalArgumentException("TokenStreams: batch " + b + " is outside [0, " + batches + ")");
        int[] out = new int[streams * window];
        for (int n = 0; n < streams; n++)
            System.arraycopy(tokens, n * streamLength + b * window + shift, out, n * window, window);
        return out;
    }
}
