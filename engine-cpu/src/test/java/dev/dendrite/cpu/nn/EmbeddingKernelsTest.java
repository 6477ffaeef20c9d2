package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.NnTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingKernelsTest {
    // weight [V=4, D=3]: row r = [10r, 10r + 1, 10r + 2].
    private static final float[] WEIGHT = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};

    @Test
    void forwardGathersRows() {
        float[] rows = new float[1 + 3 * 3];
        EmbeddingKernels.forward(WEIGHT, 0, 4, 3, new long[]{-7, 3, 0, 3}, 1, 3, rows, 1);
        assertArrayEquals(new float[]{0, 30, 31, 32, 0, 1, 2, 30, 31, 32}, rows, 0);

        double[] w = toDouble(WEIGHT), rd = new double[6];
        EmbeddingKernels.forward(w, 3, 3, 3, new int[]{2, 1}, 0, 2, rd, 0);   // table starts at row 1
        assertArrayEquals(new double[]{30, 31, 32, 20, 21, 22}, rd, 0);
    }

    @Test
    void backwardAddsRepeatedIndices() {
        // indices [2, 0, 2, 2], drows rows i = [i+1, 10(i+1), 100(i+1)]:
        // dweight[0] = drows[1] = [2, 20, 200]; dweight[2] = drows[0] + drows[2] + drows[3] = [1+3+4, 80, 800];
        // rows 1 and 3 are unused and must be zeroed (they start as garbage).
        float[] drows = {1, 10, 100, 2, 20, 200, 3, 30, 300, 4, 40, 400};
        float[] expected = {2, 20, 200, 0, 0, 0, 8, 80, 800, 0, 0, 0};
        float[] dw = new float[12];
        java.util.Arrays.fill(dw, -99);
        EmbeddingKernels.backward(new long[]{2, 0, 2, 2}, 0, 4, drows, 0, 4, 3, dw, 0);
        assertArrayEquals(expected, dw, 0);

        java.util.Arrays.fill(dw, -99);
        EmbeddingKernels.backward(new int[]{2, 0, 2, 2}, 0, 4, drows, 0, 4, 3, dw, 0);
        assertArrayEquals(expected, dw, 0);

        double[] dwd = new double[13];
        java.util.Arrays.fill(dwd, -99);
        EmbeddingKernels.backward(new int[]{5, 2, 0, 2, 2}, 1, 4, toDouble(drows), 0, 4, 3, dwd, 1);
        assertEquals(-99, dwd[0], 0);
        assertArrayEquals(toDouble(expected), java.util.Arrays.copyOfRange(dwd, 1, 13), 0);
    }

    /** Many repeats across thread chunks against a serial oracle; run twice to check determinism. */
    @Test
    void largeBackwardMatchesSerialOracleAndIsDeterministic() {
        int v = 1000, d = 64, count = 5000;
        Random rnd = new Random(13);
        long[] idx = new long[count];
        for (int i = 0; i < count; i++) idx[i] = i % 3 == 0 ? 7 : rnd.nextInt(v / 4);   // row 7 gets ~1700 repeats
        double[] drows = randn(rnd, count * d);
        float[] drowsF = toFloat(drows);
        double[] oracle = new double[v * d];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < d; j++) oracle[(int) idx[i] * d + j] += drowsF[i * d + j];

        float[] dw1 = new float[v * d], dw2 = new float[v * d];
        EmbeddingKernels.backward(idx, 0, count, drowsF, 0, v, d, dw1, 0);
        EmbeddingKernels.backward(idx, 0, count, drowsF, 0, v, d, dw2, 0);
        assertArrayEquals(dw1, dw2, 0);
        // Summed in double and rounded once: within one float rounding of the double oracle.
        assertClose("embeddingBackward float", oracle, dw1, 1e-12, 6e-8);

        double[] dwd = new double[v * d];
        EmbeddingKernels.backward(idx, 0, count, toDouble(drowsF), 0, v, d, dwd, 0);
        assertClose("embeddingBackward double", oracle, dwd, 0, 0);
    }

    @Test
    void outOfRangeIndicesAreReported() {
        float[] rows = new float[6 * 3], dw = new float[12];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingKernels.forward(new float[1000 * 3], 0, 1000, 3, new long[]{0, 1, 2, 3, 4, -1}, 0, 6, rows, 0));
        assertEquals("embedding: index -1 at position 5 is out of range [0, 1000)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingKernels.forward(WEIGHT, 0, 4, 3, new int[]{9, 4}, 1, 1, rows, 0));
        assertEquals("embedding: index 4 at position 0 is out of range [0, 4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingKernels.backward(new long[]{1, 1L << 33}, 0, 2, new float[6], 0, 4, 3, dw, 0));
        assertEquals("embeddingBackward: index 8589934592 at position 1 is out of range [0, 4)", e.getMessage());
        // Checked before anything is written.
        float[] untouched = {5, 5, 5, 5, 5, 5};
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingKernels.forward(WEIGHT, 0, 4, 3, new int[]{1, 4}, 0, 2, untouched, 0));
        assertArrayEquals(new float[]{5, 5, 5, 5, 5, 5}, untouched, 0);
    }
}
