package dev.dendrite.train;

import dev.dendrite.data.CharVocabulary;
import dev.dendrite.data.TextCorpus;
import dev.dendrite.io.SafeTensors;
import dev.dendrite.zoo.CharLM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The char-LM recipe end to end on a small grammar text: stateful truncated BPTT must take the
 * held-out loss far below the unigram entropy, and a checkpoint must bring back the same model
 * and vocabulary.
 */
class CharLmTrainingTest {
    @Test
    void validationLossFallsFarBelowTheUnigramEntropy() {
        TextCorpus corpus = new TextCorpus(TinyGrammar.text(20_000, 1), "tiny grammar");
        // bptt 16 < seqLen 32: the layer also detaches inside each window.
        CharLmTraining.Result r = CharLmTraining.train(corpus, new CharLmTraining.Options().hidden(64).embed(16).seqLen(32).bptt(16).batch(16)
                .steps(300).evalEvery(150).seed(3), null);
        try (CharLM m = r.model()) {
            // The training text's unigram entropy recomputed here from the character counts.
            String train = corpus.split(0.1)[0];
            CharVocabulary v = r.vocabulary();
            double h = 0;
            for (int c : v.counts(v.encode(train))) if (c > 0) h -= (double) c / train.length() * Math.log((double) c / train.length());
            assertEquals(h, r.unigramEntropyNats(), 1e-12);
            assertTrue(h > 2.8 && h < 3.1, "unigram entropy of the grammar text, nats: " + h);
            // A context-free model cannot go below h; this one must reach less than half of it.
            double first = r.history().get(0).metrics().get("val_loss");
            assertTrue(r.validationLossNats() < 0.5 * h, "validation loss " + r.validationLossNats() + " nats vs unigram " + h);
            assertTrue(r.validationLossNats() < first, "validation loss fell from " + first + " to " + r.validationLossNats());
            assertEquals(300, r.history().get(r.history().size() - 1).step());
            assertEquals(r.validationLossNats() / Math.log(2), r.validationLossBits(), 1e-12);
        }
    }

    @Test
    void checkpointRoundTripRestoresModelAndVocabulary(@TempDir Path dir) throws Exception {
        TextCorpus corpus = new TextCorpus("Ünïcode \"quoted\"\\ text\twith tabs\nand 😀 lines.\n".repeat(40), "snippet");
        CharLmTraining.Result r = CharLmTraining.train(corpus, new CharLmTraining.Options().hidden(16).embed(8).seqLen(8).batch(4).steps(5)
                .evalEvery(5), null);
        Path file = dir.resolve("lm.safetensors");
        try (CharLM m = r.model()) {
            Checkpoint.save(file, m, null, r.metadata());
            Map<String, String> meta = SafeTensors.read(file).metadata();
            assertEquals("charlm", meta.get("model"));
            CharVocabulary v = CharLmTraining.vocabulary(meta);
            assertEquals(r.vocabulary(), v);
            assertEquals(1, v.encode("😀").length, "a character outside the BMP is one token");
            try (CharLM loaded = new CharLM(CharLM.Config.fromMetadata(meta))) {
                assertEquals(m.config(), loaded.config());
                Checkpoint.load(file, loaded, null);
                int[] prompt = v.encode("Ünï");
                assertArrayEquals(m.generate(prompt, 30, 1.0, 5), loaded.generate(prompt, 30, 1.0, 5), "same weights, same seed, same text");
            }
            Map<String, String> bad = new java.util.HashMap<>(meta);
            bad.put("vocab_size", "3");
            assertThrows(IllegalArgumentException.class, () -> CharLmTraining.vocabulary(bad));
        }
    }

    @Test
    void optionsOutOfRangeNameTheOption() {
        TextCorpus corpus = new TextCorpus("abc".repeat(100), "abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CharLmTraining.train(corpus, new CharLmTraining.Options().seqLen(0), null));
        assertTrue(e.getMessage().contains("--seq-len 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CharLmTraining.train(corpus, new CharLmTraining.Options().batch(64), null));
        assertTrue(e.getMessage().contains("too few"), e.getMessage());
    }
}
