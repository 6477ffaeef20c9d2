package dev.dendrite.cuda;

import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import dev.dendrite.cuda.RnnWeightPacking.LayerRegions;
import dev.dendrite.cuda.RnnWeightPacking.Region;
import dev.dendrite.cuda.RnnWeightPacking.Segment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class RnnWeightPackingTest {

    /** Packs canonical tensors into a weight space of {@code size} elements by executing the segments; unset = NaN. */
    private static double[] pack(List<Segment> segments, double[][] canonical, int size) {
        double[] space = new double[size];
        Arrays.fill(space, Double.NaN);
        for (Segment s : segments)
            for (long i = 0; i < s.length(); i++)
                space[(int) (s.spaceOffset() + i)] = s.isZeroFill() ? 0 : canonical[s.weightIndex()][(int) (s.sourceOffset() + i)];
        return space;
    }

    private static double[][] unpack(List<Segment> segments, double[] space, RnnParams p) {
        double[][] out = new double[p.weightCount()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[p.weightShape(i).numel()];
            Arrays.fill(out[i], Double.NaN);
        }
        for (Segment s : segments)
            if (!s.isZeroFill())
                for (long i = 0; i < s.length(); i++) out[s.weightIndex()][(int) (s.sourceOffset() + i)] = space[(int) (s.spaceOffset() + i)];
        return out;
    }

    /** Canonical tensors whose every element says where it came from: 1000·index + element. */
    private static double[][] canonical(RnnParams p) {
        double[][] w = new double[p.weightCount()][];
        for (int i = 0; i < w.length; i++) {
            w[i] = new double[p.weightShape(i).numel()];
            for (int e = 0; e < w[i].length; e++) w[i][e] = 1000 * i + e;
        }
        return w;
    }

    @Test
    void lstmGateOrderFollowsCudnnLinLayerIds() {
        // One LSTM layer, input 3, hidden 2: cuDNN-style layout, W ids 0-3 [2,3] at 0,6,12,18; R ids 4-7 [2,2]
        // at 24,28,32,36; biases ids 0-7 [2] at 40,42,...,54. 56 elements in all.
        RnnParams p = RnnParams.of(RnnMode.LSTM, 3, 2);
        Region[] m = new Region[8], b = new Region[8];
        for (int id = 0; id < 4; id++) m[id] = new Region(6L * id, 2, 3);
        for (int id = 4; id < 8; id++) m[id] = new Region(24 + 4L * (id - 4), 2, 2);
        for (int id = 0; id < 8; id++) b[id] = new Region(40 + 2L * id, 2, 1);
        List<Segment> segs = RnnWeightPacking.plan(p, new LayerRegions[]{new LayerRegions(m, b)}, new boolean[]{true, true, true, true});
        double[] space = pack(segs, canonical(p), 56);

        // Forget gate (gate 1) of W_ih = canonical rows 2..3 = elements 6..11 -> linLayerID 1 at offset 6.
        for (int e = 0; e < 6; e++) assertEquals(6 + e, space[6 + e], "W_ih forget gate element " + e);
        // Cell candidate g (gate 2) of W_hh = rows 4..5 of [8,2] = elements 8..11 -> linLayerID 6 at offset 32.
        for (int e = 0; e < 4; e++) assertEquals(1000 + 8 + e, space[32 + e], "W_hh g gate element " + e);
        // Output gate (3) of b_hh = elements 6,7 -> linLayerID 7's bias at 54.
        assertEquals(3000 + 6, space[54]);
        assertEquals(3000 + 7, space[55]);
        // Input gate of b_ih -> id 0's bias at 40.
        assertEquals(2000, space[40]);
        for (double v : space) assertFalse(Double.isNaN(v), "every element of the weight space is written");
        assertEquals(16, segs.size(), "4 gates x 4 tensors");
        assertEquals(4, RnnWeightPacking.linLayerId(p, true, 0));
    }

    @Test
    void gruBidirectionalTwoLayersRoundTripsThroughAScrambledLayout() {
        RnnParams p = new RnnParams(RnnMode.GRU, 5, 3, 2, true, 0, 0);
        int g = 3, h = 3;
        // Lay the regions out in a shuffled order so that nothing but the table can place them.
        List<long[]> slots = new ArrayList<>(); // {pseudo, id, isBias, rows, cols}
        for (int pl = 0; pl < 4; pl++) {
            int in = pl < 2 ? 5 : 6;
            for (int id = 0; id < 2 * g; id++) {
                slots.add(new long[]{pl, id, 0, h, id < g ? in : h});
                slots.add(new long[]{pl, id, 1, h, 1});
            }
        }
        Collections.shuffle(slots, new Random(7));
        LayerRegions[] regions = new LayerRegions[4];
        for (int pl = 0; pl < 4; pl++) regions[pl] = new LayerRegions(new Region[2 * g], new Region[2 * g]);
        long offset = 0;
        for (long[] s : slots) {
            Region r = new Region(offset, (int) s[3], (int) s[4]);
            if (s[2] == 0) regions[(int) s[0]].matrices()[(int) s[1]] = r;
            else regions[(int) s[0]].biases()[(int) s[1]] = r;
            offset += r.length();
        }
        boolean[] present = new boolean[p.weightCount()];
        Arrays.fill(present, true);
        List<Segment> segs = RnnWeightPacking.plan(p, regions, present);
        double[][] canon = canonical(p);
        double[] space = pack(segs, canon, (int) offset);
        for (double v : space) assertFalse(Double.isNaN(v));
        double[][] back = unpack(segs, space, p);
        for (int i = 0; i < canon.length; i++) assertArrayEquals(canon[i], back[i], p.weightName(i));
        // Layer 1 reverse (pseudo-layer 3) update gate z of W_ih (input 6) -> id 1.
        Region z = regions[3].matrices()[1];
        int wih = p.weightIndex(1, 1, 0);
        assertEquals(1000.0 * wih + h * 6, space[(int) z.offset()], "first element of gate 1 = row 3 of W_ih_l1_reverse");
        // coalescing keeps the result identical
        assertArrayEquals(space, pack(RnnWeightPacking.coalesce(segs), canon, (int) offset));
    }

    @Test
    void missingBiasesAreZeroedOrSkippedByBiasMode() {
        RnnParams p = RnnParams.of(RnnMode.RNN_TANH, 2, 2);
        Region[] m = {new Region(0, 2, 2), new Region(4, 2, 2)};
        boolean[] noHh = {true, true, true, false};
        // DOUBLE_BIAS space (b_hh present in cuDNN, absent in the network): zero-filled.
        Region[] both = {new Region(8, 2, 1), new Region(10, 2, 1)};
        List<Segment> segs = RnnWeightPacking.plan(p, new LayerRegions[]{new LayerRegions(m, both)}, noHh);
        double[] space = pack(segs, canonical(p), 12);
        assertEquals(0, space[10]);
        assertEquals(0, space[11]);
        assertEquals(2000, space[8]);
        assertTrue(segs.stream().anyMatch(Segment::isZeroFill));
        // SINGLE_INP_BIAS space: no recurrent bias region, nothing to write for it.
        Region[] single = {new Region(8, 2, 1), Region.ABSENT};
        List<Segment> segs2 = RnnWeightPacking.plan(p, new LayerRegions[]{new LayerRegions(m, single)}, noHh);
        assertEquals(3, segs2.size());
        assertFalse(segs2.stream().anyMatch(Segment::isZeroFill));
        // A network bias the space lacks is a mismatch, not silently dropped.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RnnWeightPacking.plan(p,
                new LayerRegions[]{new LayerRegions(m, single)}, new boolean[]{true, true, true, true}));
        assertTrue(e.getMessage().contains("bias_hh_l0"), e.getMessage());
    }

    @Test
    void sizeDisagreementNamesTheRegion() {
        RnnParams p = RnnParams.of(RnnMode.RNN_RELU, 4, 2);
        Region[] m = {new Region(0, 2, 3), new Region(8, 2, 2)};
        Region[] b = {new Region(12, 2, 1), new Region(14, 2, 1)};
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RnnWeightPacking.plan(p, new LayerRegions[]{new LayerRegions(m, b)}, new boolean[]{true, true, true, true}));
        assertEquals("rnn_relu(4→2, layers=1): cuDNN reports weight_ih_l0 gate 0 (pseudo-layer 0, linLayerID 0) as [2, 3], expected [2, 4]",
                e.getMessage());
    }
}
