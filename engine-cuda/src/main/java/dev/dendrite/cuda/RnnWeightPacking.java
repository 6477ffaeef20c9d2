package dev.dendrite.cuda;

import dev.dendrite.ops.RnnParams;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each canonical RNN weight goes in cuDNN's weight space: a pure function of the offsets
 * {@code cudnnGetRNNWeightParams} reports, tested on the CPU with hand-made offset tables.
 *
 * <p>Note [cuDNN linear-layer IDs]
 * cuDNN splits every (layer, direction) — its "pseudo-layer" {@code l·D + d} — into linear layers,
 * one matrix (and bias) per gate and input kind. For LSTM, IDs 0–3 multiply the layer input and 4–7
 * the recurrent state, in gate order input, forget, new memory (g, c̃), output; for GRU, IDs 0–2 and
 * 3–5 in gate order reset, update, new memory (n, h̃); for the plain RNN, ID 0 and 1. The engine's
 * canonical tensors ({@link RnnParams}: PyTorch's layout) stack the gate blocks along rows in that
 * same order, so gate {@code g} of W_ih is rows {@code [g·H, (g+1)·H)} and goes to ID {@code g},
 * and gate {@code g} of W_hh goes to ID {@code G + g}; biases likewise (b_ih with the input IDs,
 * b_hh with the recurrent IDs). Each block is a contiguous row-major {@code [H, in]} run in both
 * layouts (cuDNN's matrix descriptor is {@code [1, H, in]}, as PyTorch's weight flattening relies
 * on), so a block moves with one copy, never a transpose.
 */
public final class RnnWeightPacking {
    private RnnWeightPacking() {
    }

    /**
     * One matrix or bias in the weight space, as {@code cudnnGetRNNWeightParams} describes it:
     * element offset from the start of the weight space, and rows × cols (cols = 1 for a bias). An
     * absent one (a bias the bias mode leaves out) is {@link #ABSENT}.
     */
    public record Region(long offset, int rows, int cols) {
        public static final Region ABSENT = new Region(-1, 0, 0);

        public boolean isPresent() {
            return offset >= 0;
        }

        public long length() {
            return (long) rows * cols;
        }
    }

    /** The regions of one pseudo-layer, indexed by linear-layer ID ({@code 2·G} entries each). */
    public record LayerRegions(Region[] matrices, Region[] biases) {
    }

    /**
     * One contiguous copy between a canonical tensor and the weight space. {@code weightIndex} is the
     * index in the engine's flat weight list; {@code sourceOffset} counts elements from that tensor's
     * first element (dense row-major); {@code spaceOffset} counts elements from the start of the
     * weight space. A segment with {@code weightIndex == -1} is a region to zero (a bias that the
     * weight space has but the network lacks).
     */
    public record Segment(int weightIndex, long sourceOffset, long length, long spaceOffset) {
        public boolean isZeroFill() {
            return weightIndex < 0;
        }
    }

    /** The linear-layer ID of gate {@code gate} of the input ({@code recurrent = false}) or recurrent matrix. */
    public static int linLayerId(RnnParams p, boolean recurrent, int gate) {
        if (gate < 0 || gate >= p.gates())
            throw new IllegalArgumentException(p.mode().opName() + ": gate " + gate + " out of range [0, " + p.gates() + ")");
        return (recurrent ? p.gates() : 0) + gate;
    }

    /**
     * The copies that pack (or, reversed, unpack) the canonical weights into the weight space.
     *
     * @param p        the network
     * @param regions  per pseudo-layer {@code l·D + d}, the regions cuDNN reported for IDs {@code 0 .. 2G−1}
     * @param present  per flat weight index, whether the engine has that tensor (biases may be absent)
     * @return segments covering every present tensor once and every weight-space bias the network lacks
     * @throws IllegalStateException when cuDNN's reported sizes disagree with the network (a bug, or a
     *                               cuDNN that lays weights out differently: the message names the region)
     */
    public static List<Segment> plan(RnnParams p, LayerRegions[] regions, boolean[] present) {
        int d = p.directions(), g = p.gates(), h = p.hiddenSize();
        if (regions.length != p.numLayers() * d)
            throw new IllegalArgumentException(p + ": " + regions.length + " pseudo-layers of regions, expected " + p.numLayers() * d);
        if (present.length != p.weightCount())
            throw new IllegalArgumentException(p + ": presence of " + present.length + " weights, expected " + p.weightCount());
        List<Segment> out = new ArrayList<>();
        for (int layer = 0; layer < p.numLayers(); layer++) {
            for (int dir = 0; dir < d; dir++) {
                int pseudo = layer * d + dir;
                LayerRegions r = regions[pseudo];
                if (r.matrices().length != 2 * g || r.biases().length != 2 * g)
                    throw new IllegalStateException(p + ": pseudo-layer " + pseudo + " has " + r.matrices().length + " matrices and "
                            + r.biases().length + " biases, expected " + 2 * g + " each");
                for (int k = 0; k < 4; k++) {
                    int index = p.weightIndex(layer, dir, k);
                    boolean recurrent = k == 1 || k == 3, bias = k >= 2;
                    int cols = bias ? 1 : recurrent ? h : p.layerInputSize(layer);
                    for (int gate = 0; gate < g; gate++) {
                        int id = linLayerId(p, recurrent, gate);
                        Region region = bias ? r.biases()[id] : r.matrices()[id];
                        String where = p.weightName(index) + " gate " + gate + " (pseudo-layer " + pseudo + ", linLayerID " + id + ")";
                        if (!region.isPresent()) {
                            if (!bias) throw new IllegalStateException(p + ": cuDNN reports no matrix for " + where);
                            if (present[index])
                                throw new IllegalStateException(p + ": the network has " + where + " but the weight space has no such bias"
                                        + " (bias mode disagrees with the weights)");
                            continue;
                        }
                        if (region.rows() != h || region.cols() != cols)
                            throw new IllegalStateException(p + ": cuDNN reports " + where + " as [" + region.rows() + ", " + region.cols()
                                    + "], expected [" + h + ", " + cols + "]");
                        if (present[index]) out.add(new Segment(index, (long) gate * h * cols, region.length(), region.offset()));
                        else if (bias) out.add(new Segment(-1, 0, region.length(), region.offset()));
                        else throw new IllegalStateException(p + ": weight " + p.weightName(index) + " is missing (only biases may be absent)");
                    }
                }
            }
        }
        return out;
    }

    /** Merges segments that continue each other in both the source tensor and the weight space (fewer copies). */
    public static List<Segment> coalesce(List<Segment> segments) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : segments) {
            if (!out.isEmpty()) {
                Segment last = out.get(out.size() - 1);
                if (last.weightIndex() == s.weightIndex() && last.spaceOffset() + last.length() == s.spaceOffset()
                        && (s.isZeroFill() || last.sourceOffset() + last.length() == s.sourceOffset())) {
                    out.set(out.size() - 1, new Segment(last.weightIndex(), last.sourceOffset(), last.length() + s.length(), last.spaceOffset()));
                    continue;
                }
            }
            out.add(s);
        }
        return out;
    }
}
