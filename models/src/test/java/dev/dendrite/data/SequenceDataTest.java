package dev.dendrite.data;

import dev.dendrite.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vocabulary, text corpus, token streams, sine-wave windows and digit-string batches, checked against hand-worked values. */
class SequenceDataTest {
    // ---- vocabulary ---------------------------------------------------------------------------------

    @Test
    void vocabularyNumbersCharactersInCodePointOrder() {
        CharVocabulary v = CharVocabulary.of("banana");
        assertEquals(3, v.size());
        assertEquals("abn", v.toMetadata());
        assertArrayEquals(new int[]{2, 0, 1}, v.encode("nab"));
        assertEquals("banana", v.decode(v.encode("banana")));
        assertArrayEquals(new int[]{3, 1, 2}, v.counts(v.encode("banana")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.encode("bad"));
        assertTrue(e.getMessage().contains("'d' at position 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> v.encode("a\n"));
        assertTrue(e.getMessage().contains("U+000A"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> v.decode(new int[]{3}));
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.of(""));
    }

    @Test
    void unigramEntropyMatchesHandComputedValues() {
        CharVocabulary v = CharVocabulary.of("ab");
        assertEquals(Math.log(2), v.unigramEntropyNats(v.encode("aabb")), 1e-15);
        // p = (3/4, 1/4): −(0.75 ln 0.75 + 0.25 ln 0.25) = 0.5623351446...
        assertEquals(0.5623351446188083, v.unigramEntropyNats(v.encode("aaab")), 1e-15);
        assertEquals(0, v.unigramEntropyNats(v.encode("aaaa")), 0);
    }

    @Test
    void vocabularySurvivesSafetensorsMetadata(@TempDir Path dir) throws Exception {
        String text = "tab\tnewline\n quote\" backslash\\ é ß 中 😀 \u0000 end";
        CharVocabulary v = CharVocabulary.of(text);
        Path f = dir.resolve("v.safetensors");
        SafeTensors.write(f, Map.of("x", SafeTensors.TensorEntry.of(new float[]{1}, 1)), Map.of("vocab", v.toMetadata()));
        CharVocabulary back = CharVocabulary.fromMetadata(SafeTensors.read(f).metadata().get("vocab"));
        assertEquals(v, back);
        assertEquals(text, back.decode(back.encode(text)));
        assertEquals(text.codePointCount(0, text.length()), back.encode(text).length, "😀 is one token, not two surrogates");
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.fromMetadata("aba"));
    }

    // ---- text corpus ------------------------------------------------------------------------------

    @Test
    void corpusReadsDirectoriesInNameOrderSkippingLinksAndSplitsAtTheEnd(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.txt"), "BBBB");
        Files.writeString(dir.resolve("a.txt"), "AAAAAA");
        Files.createSymbolicLink(dir.resolve("c-link"), dir.resolve("a.txt"));
        TextCorpus c = TextCorpus.load(List.of(dir));
        assertEquals("AAAAAABBBB", c.text());
        assertTrue(c.source().startsWith("2 files in "), c.source());
        assertArrayEquals(new String[]{"AAAAAAB", "BBB"}, c.split(0.3));
        assertEquals("AAAAAA", TextCorpus.load(List.of(dir.resolve("c-link"))).text(), "a link named directly is read");
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.load(List.of(dir.resolve("missing"))));
        assertThrows(IllegalArgumentException.class, () -> c.split(1.0));
        // Cut at a code point, never between the halves of a surrogate pair.
        assertArrayEquals(new String[]{"a😀", "bc"}, new TextCorpus("a😀bc", "t").split(0.5));
    }

    // ---- token streams ----------------------------------------------------------------------------

    @Test
    void tokenStreamsContinueEachRowFromBatchToBatch() {
        int[] tokens = new int[21];
        for (int i = 0; i < tokens.length; i++) tokens[i] = i;
        // 2 streams of ⌊20/2⌋ = 10 tokens: [0..9] and [10..19]; windows of 3 give 3 batches (token 9 and 19 only as targets).
        TokenStreams s = new TokenStreams(tokens, 2, 3);
        assertEquals(3, s.batches());
        assertEquals(18, s.tokensPerPass());
        assertArrayEquals(new int[]{0, 1, 2, 10, 11, 12}, s.inputs(0));
        assertArrayEquals(new int[]{1, 2, 3, 11, 12, 13}, s.targets(0));
        assertArrayEquals(new int[]{3, 4, 5, 13, 14, 15}, s.inputs(1));
        assertArrayEquals(new int[]{6, 7, 8, 16, 17, 18}, s.inputs(2));
        assertArrayEquals(new int[]{7, 8, 9, 17, 18, 19}, s.targets(2));
        assertThrows(IllegalArgumentException.class, () -> s.inputs(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenStreams(tokens, 8, 3));
        assertTrue(e.getMessage().contains("need 25"), e.getMessage());
    }

    // ---- sine waves -------------------------------------------------------------------------------

    @Test
    void windowsAndTheLastValueBaseline() {
        SineWaves.Windows w = SineWaves.windows(new float[][]{{0, 1, 2, 3, 5}}, 2);
        assertEquals(3, w.size());
        assertArrayEquals(new float[]{0, 1, 1, 2, 2, 3}, w.inputs());
        assertArrayEquals(new float[]{2, 3, 5}, w.targets());
        // (2−1)² + (3−2)² + (5−3)² = 6, over 3 windows.
        assertEquals(2.0, w.lastValueMse(), 1e-12);
        assertArrayEquals(new float[]{2, 3, 0, 1}, w.inputs(new int[]{2, 0}));
        assertThrows(IllegalArgumentException.class, () -> SineWaves.windows(new float[][]{{1, 2}}, 2));
    }

    @Test
    void sineWavesAreBoundedDeterministicAndCarryTheRequestedNoise() {
        float[][] clean = SineWaves.generate(20, 200, 8, 24, 0, 5);
        for (float[] s : clean) for (float x : s) assertTrue(Math.abs(x) <= 1.5f, "amplitude <= 1.5: " + x);
        assertArrayEquals(clean[3], SineWaves.generate(20, 200, 8, 24, 0, 5)[3]);
        float[] f = SineWaves.generate(1, 20_000, 1e9, 1e9, 0.1, 7)[0];
        // A period of 1e9 steps is constant over the series, so x_t − x_{t−1} is the difference of two
        // independent N(0, σ²) noises: mean square 2σ² = 0.02.
        double sq = 0;
        for (int t = 1; t < f.length; t++) sq += (f[t] - f[t - 1]) * (f[t] - f[t - 1]);
        assertEquals(0.02, sq / (f.length - 1), 0.002);
        assertThrows(IllegalArgumentException.class, () -> SineWaves.generate(1, 10, 5, 4, 0.1, 1));
    }

    // ---- digit strings ----------------------------------------------------------------------------

    @Test
    void digitStringTasksAndBatchLayout() {
        assertArrayEquals(new int[]{5, 4, 3}, DigitStrings.Task.REVERSE.answer(new int[]{3, 4, 5}));
        assertArrayEquals(new int[]{3, 4, 4, 7}, DigitStrings.Task.SORT.answer(new int[]{7, 4, 3, 4}));
        assertEquals(DigitStrings.Task.SORT, DigitStrings.Task.parse("Sort"));
        assertThrows(IllegalArgumentException.class, () -> DigitStrings.Task.parse("shuffle"));
        DigitStrings.Batch b = DigitStrings.batch(DigitStrings.Task.REVERSE, 50, 2, 4, new SplittableRandom(1));
        for (int i = 0; i < 50; i++) {
            int len = b.lengths()[i];
            assertTrue(len >= 2 && len <= 4);
            int[] src = java.util.Arrays.copyOfRange(b.source(), i * 4, i * 4 + len);
            assertArrayEquals(DigitStrings.Task.REVERSE.answer(src), b.answers()[i]);
            for (int j = len; j < 4; j++) assertEquals(DigitStrings.PAD, b.source()[i * 4 + j]);
            assertEquals(DigitStrings.BOS, b.decoderInput()[i * 5]);
            for (int j = 0; j < len; j++) {
                assertEquals(b.answers()[i][j], b.decoderInput()[i * 5 + 1 + j]);
                assertEquals(b.answers()[i][j], b.target()[i * 5 + j]);
            }
            assertEquals(DigitStrings.EOS, b.target()[i * 5 + len]);
            for (int j = len + 1; j < 5; j++) assertEquals(DigitStrings.PAD, b.target()[i * 5 + j]);
        }
        assertEquals("907", DigitStrings.text(new int[]{12, 3, 10, DigitStrings.EOS, 5}));
    }
}
