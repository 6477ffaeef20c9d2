package dev.dendrite.data;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The characters (Unicode code points) of a text, numbered {@code 0 .. size−1} in code-point order,
 * for character-level models. Token {@code i} is {@link #symbol(int) symbol(i)}. A vocabulary travels
 * with a checkpoint as one metadata string, the symbols concatenated in id order
 * ({@link #toMetadata()} / {@link #fromMetadata(String)}); code points rather than {@code char}s, so a
 * character outside the Basic Multilingual Plane is one token, not two halves of a surrogate pair.
 */
public final class CharVocabulary {
    private final int[] symbols;
    private final Map<Integer, Integer> ids = new HashMap<>();

    private CharVocabulary(int[] symbols) {
        if (symbols.length == 0) throw new IllegalArgumentException("CharVocabulary: no characters (empty text)");
        this.symbols = symbols;
        for (int i = 0; i < symbols.length; i++)
            if (ids.put(symbols[i], i) != null)
                throw new IllegalArgumentException("CharVocabulary: character " + describe(symbols[i]) + " appears twice (ids "
                        + ids.get(symbols[i]) + " and " + i + ")");
    }

    /** Every distinct code point of {@code text}, in code-point order. */
    public static CharVocabulary of(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new CharVocabulary(set.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The inverse of {@link #toMetadata()}: the symbols in id order. */
    public static CharVocabulary fromMetadata(String symbolsInIdOrder) {
        return new CharVocabulary(symbolsInIdOrder.codePoints().toArray());
    }

    /** The symbols concatenated in id order (what {@link #fromMetadata} reads back). */
    public String toMetadata() {
        return new String(symbols, 0, symbols.length);
    }

    public int size() {
        return symbols.length;
    }

    /** The code point of token {@code id}. */
    public int symbol(int id) {
        if (id < 0 || id >= symbols.length)
            throw new IllegalArgumentException("CharVocabulary: token id " + id + " is outside [0, " + symbols.length + ")");
        return symbols[id];
    }

    public boolean contains(int codePoint) {
        return ids.containsKey(codePoint);
    }

    /** Token ids of every code point of {@code text}; throws naming the first character not in the vocabulary. */
    public int[] encode(String text) {
        int[] cps = text.codePoints().toArray();
        int[] out = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            Integer id = ids.get(cps[i]);
            if (id == null)
                throw new IllegalArgumentException("CharVocabulary: character " + describe(cps[i]) + " at position " + i
                        + " is not in the vocabulary of " + symbols.length + " characters the model was trained on");
            out[i] = id;
        }
        return out;
    }

    /** The text of a token sequence. */
    public String decode(int[] tokens) {
        int[] cps = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) cps[i] = symbol(tokens[i]);
        return new String(cps, 0, cps.length);
    }

    /** {@code 'a'}, or {@code U+000A} for a character that does not print. */
    static String describe(int cp) {
        return Character.isISOControl(cp) || Character.isWhitespace(cp) ? String.format("U+%04X", cp) : "'" + Character.toString(cp) + "'";
    }

    /** How often each token occurs in {@code tokens} ({@code counts[id]}). */
    public int[] counts(int[] tokens) {
        int[] c = new int[symbols.length];
        for (int t : tokens) c[t]++;
        return c;
    }

    /**
     * Entropy of the unigram distribution of {@code tokens}, {@code −Σ p_i ln p_i} in nats per
     * character (divide by ln 2 for bits): the loss per character of the best model that ignores
     * context, which a language model must beat to have learnt anything from context.
     */
    public double unigramEntropyNats(int[] tokens) {
        if (tokens.length == 0) throw new IllegalArgumentException("unigramEntropy: no tokens");
        double h = 0;
        for (int c : counts(tokens)) {
            if (c == 0) continue;
            double p = (double) c / tokens.length;
            h -= p * Math.log(p);
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharVocabulary v && Arrays.equals(symbols, v.symbols);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(symbols);
    }

    @Override
    public String toString() {
        return "CharVocabulary(" + symbols.length + " characters)";
    }
}
