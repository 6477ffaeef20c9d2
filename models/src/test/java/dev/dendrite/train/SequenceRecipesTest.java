package dev.dendrite.train;

import dev.dendrite.data.DigitStrings;
import dev.dendrite.zoo.Seq2Seq;
import dev.dendrite.zoo.WindowRegressor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reduced versions of {@code dendrite train timeseries} and {@code dendrite train seq2seq}: each
 * must clear the bar the full run is held to (beat the last-value forecast; >= 95% exact match).
 */
class SequenceRecipesTest {
    @Test
    void timeSeriesModelBeatsPredictingTheLastValue() {
        TimeSeriesTraining.Result r = TimeSeriesTraining.train(new TimeSeriesTraining.Options().steps(300).trainSeries(64).testSeries(16)
                .evalEvery(300).seed(7), null);
        try (WindowRegressor m = r.model()) {
            // Noise σ = 0.1 on unit-scale waves: the naive forecast pays the change over one step plus
            // twice the noise variance; the model should get within a small factor of σ² = 0.01.
            assertEquals(0.01, r.noiseVariance(), 1e-12);
            assertTrue(r.lastValueMse() > 0.05, "baseline " + r.lastValueMse());
            assertTrue(r.testMse() < 0.5 * r.lastValueMse(), "model MSE " + r.testMse() + " vs last value " + r.lastValueMse());
            assertTrue(r.testMse() > 0.5 * r.noiseVariance(), "no model beats the noise: " + r.testMse());
        }
    }

    @Test
    void seq2seqWithAdditiveAttentionReversesDigitStrings() {
        Seq2SeqTraining.Result r = Seq2SeqTraining.train(new Seq2SeqTraining.Options().task(DigitStrings.Task.REVERSE)
                .attention(Seq2Seq.Attention.ADDITIVE).lengths(1, 6).hidden(48).steps(300).evalEvery(300).testSize(500).seed(1), null);
        try (Seq2Seq m = r.model()) {
            assertTrue(r.exactMatch() >= 0.95, "exact match " + r.exactMatch() + ", examples " + r.examples());
            assertTrue(r.tokenAccuracy() >= r.exactMatch() - 1e-9, "token accuracy " + r.tokenAccuracy());
            assertEquals(5, r.examples().size());
        }
    }

    @Test
    void seq2seqWithDotAttentionReversesShortStrings() {
        Seq2SeqTraining.Result r = Seq2SeqTraining.train(new Seq2SeqTraining.Options().task(DigitStrings.Task.REVERSE)
                .attention(Seq2Seq.Attention.DOT).lengths(1, 5).hidden(48).steps(400).evalEvery(400).testSize(500).seed(1), null);
        try (Seq2Seq m = r.model()) {
            assertTrue(r.exactMatch() >= 0.95, "exact match " + r.exactMatch() + ", examples " + r.examples());
        }
    }
}
