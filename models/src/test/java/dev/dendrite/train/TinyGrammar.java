package dev.dendrite.train;

import java.util.SplittableRandom;

/**
 * A deterministic English-like text for language-model tests: sentences from a small grammar
 * ("the quick fox sees a lazy dog.") drawn with a seed. Its characters have a unigram entropy of
 * about 4 bits, but the spelling of a few dozen words makes most characters predictable from the
 * previous few, so a model that learns context must beat the unigram entropy by a wide margin.
 */
public final class TinyGrammar {
    private static final String[] DET = {"the", "a", "every", "some"};
    private static final String[] ADJ = {"quick", "lazy", "brown", "small", "clever", "quiet"};
    private static final String[] NOUN = {"fox", "dog", "cat", "bird", "horse", "farmer", "child"};
    private static final String[] VERB = {"sees", "chases", "likes", "follows", "watches", "finds"};
    private static final String[] ADV = {"slowly", "today", "again", "at night"};

    private TinyGrammar() {
    }

    /** About {@code chars} characters of sentences, one paragraph per line every few sentences. */
    public static String text(int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        int sentences = 0;
        while (sb.length() < chars) {
            String s = pick(r, DET) + " " + (r.nextBoolean() ? pick(r, ADJ) + " " : "") + pick(r, NOUN) + " " + pick(r, VERB) + " " + pick(r, DET)
                    + " " + pick(r, NOUN) + (r.nextInt(3) == 0 ? " " + pick(r, ADV) : "") + ".";
            sb.append(Character.toUpperCase(s.charAt(0))).append(s, 1, s.length());
            sb.append(++sentences % 4 == 0 ? "\n" : " ");
        }
        return sb.toString();
    }

    private static String pick(SplittableRandom r, String[] words) {
        return words[r.nextInt(words.length)];
    }
}
