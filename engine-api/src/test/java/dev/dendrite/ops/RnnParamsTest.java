package dev.dendrite.ops;

import dev.dendrite.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link RnnParams}: the weight order, shapes and names the backends and layers rely on, and its validation messages. */
class RnnParamsTest {
    @Test
    void gatesPerMode() {
        assertEquals(1, RnnMode.RNN_TANH.gates());
        assertEquals(1, RnnMode.RNN_RELU.gates());
        assertEquals(4, RnnMode.LSTM.gates());
        assertEquals(3, RnnMode.GRU.gates());
    }

    @Test
    void weightOrderShapesAndNames() {
        RnnParams p = new RnnParams(RnnMode.LSTM, 5, 7, 2, true, 0, 0);
        assertEquals(16, p.weightCount());
        // (l·D + d)·4 + k: layer 1, reverse, b_hh is the last one.
        assertEquals(15, p.weightIndex(1, 1, 3));
        assertEquals(6, p.weightIndex(0, 1, 2));
        assertEquals("weight_ih_l0", p.weightName(0));
        assertEquals("bias_ih_l0_reverse", p.weightName(6));
        assertEquals("weight_hh_l1", p.weightName(9));
        assertEquals("bias_hh_l1_reverse", p.weightName(15));
        assertEquals(Shape.of(28, 5), p.weightShape(0));
        assertEquals(Shape.of(28, 14), p.weightShape(8), "layer 1 reads both directions: 2·H");
        assertEquals(Shape.of(28, 7), p.weightShape(13));
        assertEquals(Shape.of(28), p.weightShape(15));
        assertEquals(Shape.of(4, 3, 7), p.stateShape(3));
        assertEquals(Shape.of(6, 3, 14), p.outputShape(6, 3));
        // Per layer and direction 4H·(in + H) + 2·4H: layer 0 28·12 + 56, layer 1 28·21 + 56, two directions each.
        assertEquals(2 * (28 * 12 + 56) + 2 * (28 * 21 + 56), p.parameterCount(true));
        assertEquals(2 * (28 * 12 + 28) + 2 * (28 * 21 + 28), p.parameterCount(false));
    }

    @Test
    void validationMessages() {
        assertEquals("gru: hiddenSize must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new RnnParams(RnnMode.GRU, 3, 0, 1, false, 0, 0)).getMessage());
        assertEquals("lstm: dropout must be in [0, 1), got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new RnnParams(RnnMode.LSTM, 3, 4, 2, false, -0.1, 0)).getMessage());
        assertEquals("rnn_relu: inputSize must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> RnnParams.of(RnnMode.RNN_RELU, 0, 4)).getMessage());
        assertEquals("lstm: layer 2 out of range [0, 2)",
                assertThrows(IllegalArgumentException.class, () -> new RnnParams(RnnMode.LSTM, 3, 4, 2, false, 0, 0).weightIndex(2, 0, 0)).getMessage());
        assertEquals("lstm: direction 1 out of range [0, 1)",
                assertThrows(IllegalArgumentException.class, () -> new RnnParams(RnnMode.LSTM, 3, 4, 2, false, 0, 0).weightIndex(0, 1, 0)).getMessage());
    }

    @Test
    void withoutDropoutKeepsEverythingElse() {
        RnnParams p = new RnnParams(RnnMode.GRU, 3, 4, 2, true, 0.3, 9);
        assertEquals(new RnnParams(RnnMode.GRU, 3, 4, 2, true, 0, 9), p.withoutDropout());
    }
}
