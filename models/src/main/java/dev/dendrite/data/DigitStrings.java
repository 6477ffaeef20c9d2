package dev.dendrite.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Synthetic sequence-to-sequence tasks on strings of decimal digits: reverse the string, or sort
 * its digits. Token ids: {@link #PAD} 0, {@link #BOS} 1, {@link #EOS} 2, digit {@code d} is
 * {@code 3 + d}. A batch of {@code N} random strings of lengths in {@code [minLength, maxLength]}:
 * <pre>
 *   source        [N, maxLength]       digits, then PAD
 *   decoderInput  [N, maxLength + 1]   BOS, answer digits, then PAD   (teacher forcing)
 *   target        [N, maxLength + 1]   answer digits, EOS, then PAD   (PAD positions carry no loss)
 * </pre>
 */
public final class DigitStrings {
    public static final int PAD = 0, BOS = 1, EOS = 2, FIRST_DIGIT = 3;
    /** PAD, BOS, EOS and the ten digits. */
    public static final int VOCAB_SIZE = 13;

    private DigitStrings() {
    }

    /** What the model must output for an input string. */
    public enum Task {
        /** {@code 12345 → 54321} */
        REVERSE,
        /** {@code 31415 → 11345} */
        SORT;

        /** The answer's tokens for source tokens (digits only). */
        public int[] answer(int[] source) {
            return switch (this) {
                case REVERSE -> {
                    int[] out = new int[source.length];
                    for (int i = 0; i < source.length; i++) out[i] = source[source.length - 1 - i];
                    yield out;
                }
                case SORT -> {
                    int[] out = source.clone();
                    Arrays.sort(out);
                    yield out;
                }
            };
        }

        /** {@code reverse} → REVERSE; throws listing the tasks. */
        public static Task parse(String name) {
            for (Task t : values()) if (t.name().equalsIgnoreCase(name)) return t;
            throw new IllegalArgumentException("seq2seq: unknown task '" + name + "'; valid tasks: reverse, sort");
        }
    }

    /**
     * One batch (see the class comment for the layout).
     * @param lengths source length of each row
     * @param answers each row's expected output tokens (digits, no EOS), for exact-match scoring
     */
    public record Batch(int size, int maxLength, int[] source, int[] lengths, int[] decoderInput, int[] target, int[][] answers) {
    }

    /** {@code n} random strings, each length uniform in {@code [minLength, maxLength]} and digits uniform. */
    public static Batch batch(Task task, int n, int minLength, int maxLength, SplittableRandom random) {
        if (n < 1 || minLength < 1 || maxLength < minLength)
            throw new IllegalArgumentException("DigitStrings.batch: need n >= 1 and 1 <= minLength <= maxLength, got n=" + n + " minLength="
                    + minLength + " maxLength=" + maxLength);
        int lt = maxLength + 1;
        int[] src = new int[n * maxLength], lens = new int[n], dec = new int[n * lt], tgt = new int[n * lt];
        int[][] answers = new int[n][];
        for (int i = 0; i < n; i++) {
            int len = minLength + random.nextInt(maxLength - minLength + 1);
            int[] s = new int[len];
            for (int j = 0; j < len; j++) s[j] = FIRST_DIGIT + random.nextInt(10);
            int[] a = task.answer(s);
            lens[i] = len;
            answers[i] = a;
            System.arraycopy(s, 0, src, i * maxLength, len);
            dec[i * lt] = BOS;
            System.arraycopy(a, 0, dec, i * lt + 1, len);
            System.arraycopy(a, 0, tgt, i * lt, len);
            tgt[i * lt + len] = EOS;
        }
        return new Batch(n, maxLength, src, lens, dec, tgt, answers);
    }

    /** Digits of a token sequence as text, stopping at EOS ({@code ?} for a token that is not a digit). */
    public static String text(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t == EOS) break;
            sb.append(t >= FIRST_DIGIT && t < FIRST_DIGIT + 10 ? (char) ('0' + t - FIRST_DIGIT) : '?');
        }
        return sb.toString();
    }
}
