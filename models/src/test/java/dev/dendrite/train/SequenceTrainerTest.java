package dev.dendrite.train;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Linear;
import dev.dendrite.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One update by hand: loss, clipping of the global gradient norm, the SGD step; divergence; the report schedule. */
class SequenceTrainerTest {
    private static Linear scalarModel(double w) {
        Linear lin = new Linear(1, 1, false, DType.FLOAT64);
        lin.loadStateDict(Map.of("weight", Tensor.full(Shape.of(1, 1), w, DType.FLOAT64)));
        return lin;
    }

    private static double weight(Linear lin) {
        return lin.namedParameters().get("weight").item();
    }

    @Test
    void stepClipsTheGlobalGradientNormBeforeTheUpdate() {
        try (Linear lin = scalarModel(3)) {
            SequenceTrainer t = new SequenceTrainer(lin, new SGD(lin.parameters(), 0.5)).clipGradNorm(1.0);
            Tensor x = Tensor.full(Shape.of(1, 1), 10, DType.FLOAT64);
            // loss = 10·w = 30, dloss/dw = 10: norm 10 > 1, so the gradient becomes 10·1/(10 + 1e-6) ≈ 1 and w = 3 − 0.5·1.
            double loss = t.step(() -> lin.forward(x).sum());
            assertEquals(30, loss, 1e-12);
            assertEquals(10, t.lastGradNorm(), 1e-12);
            assertEquals(3 - 0.5 * 10 / (10 + 1e-6), weight(lin), 1e-12);
            assertEquals(1, t.steps());
            // Unclipped: the full gradient 10 is applied.
            SequenceTrainer plain = new SequenceTrainer(lin, new SGD(lin.parameters(), 0.01));
            plain.step(() -> lin.forward(x).sum());
            assertEquals(3 - 0.5 * 10 / (10 + 1e-6) - 0.1, weight(lin), 1e-12);
            assertTrue(Double.isNaN(plain.lastGradNorm()));
        }
    }

    @Test
    void nonFiniteLossStopsTrainingNamingTheStep() {
        try (Linear lin = scalarModel(1)) {
            SequenceTrainer t = new SequenceTrainer(lin, new SGD(lin.parameters(), 0.1));
            Tensor x = Tensor.full(Shape.of(1, 1), 1, DType.FLOAT64);
            t.step(() -> lin.forward(x).sum());
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.step(() -> lin.forward(x).sum().mul(Double.NaN)));
            assertTrue(e.getMessage().contains("NaN at step 2"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.clipGradNorm(0));
        }
    }

    @Test
    void fitReportsEveryEvalEveryStepsAndAtTheEnd() {
        try (Linear lin = scalarModel(0)) {
            SequenceTrainer t = new SequenceTrainer(lin, new SGD(lin.parameters(), 0.0));
            Tensor x = Tensor.full(Shape.of(1, 1), 1, DType.FLOAT64);
            int[] evaluations = {0};
            // Loss of step i is w·1 + i = i (lr 0 keeps w = 0): reports average steps {0,1}, {2,3}, {4}.
            List<SequenceTrainer.Progress> h = t.fit(5, i -> lin.forward(x).sum().add(i), 2, () -> Map.of("evals", (double) ++evaluations[0]), null);
            assertEquals(3, h.size());
            assertEquals(List.of(2L, 4L, 5L), h.stream().map(SequenceTrainer.Progress::step).toList());
            assertEquals(List.of(0.5, 2.5, 4.0), h.stream().map(SequenceTrainer.Progress::trainLoss).toList());
            assertEquals(3.0, h.get(2).metrics().get("evals"));
        }
    }
}
