package dev.dendrite.nn;

import dev.dendrite.NN;
import dev.dendrite.Tensor;

/**
 * ShuffleNet's channel shuffle: with {@code C = g·c} channels seen as a {@code [g, c]} grid, output
 * channel {@code j·g + i} is input channel {@code i·c + j}, i.e. the grid is transposed so that
 * the next grouped convolution sees channels from every group. For C = 6, g = 2 the order is
 * {@code 0, 3, 1, 4, 2, 5}. Input and output {@code [N, C, H, W]}; C must be divisible by g. No parameters.
 */
public class ChannelShuffle extends Module {
    private final int groups;

    public ChannelShuffle(int groups) {
        if (groups < 1) throw new IllegalArgumentException("ChannelShuffle: groups must be >= 1, got " + groups);
        this.groups = groups;
    }

    @Override
    public Tensor forward(Tensor x) {
        return NN.channelShuffle(x, groups);
    }

    @Override
    public String describe() {
        return "ChannelShuffle(" + groups + ")";
    }
}
