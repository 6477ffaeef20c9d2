package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Tensor;

/**
 * Squeeze-and-excitation block (Hu et al., 2018): rescales each channel by a gate computed from
 * global context, {@code y = x ⊙ σ(W₂·relu(W₁·GAP(x) + b₁) + b₂)} broadcast over H and W.
 * <ol>
 *   <li>squeeze: {@code s = GAP(x)}, {@code [N, C, H, W] → [N, C]}</li>
 *   <li>excite: {@code fc1} Linear {@code C → C/r}, ReLU, {@code fc2} Linear {@code C/r → C}, sigmoid</li>
 *   <li>scale: {@code x[n, c, i, j] · gate[n, c]}</li>
 * </ol>
 * r is the reduction ratio (16 in the paper); the hidden width is {@code max(1, C / r)}.
 * Input and output {@code [N, C, H, W]}. Children {@code fc1}, {@code fc2} use {@link Linear}'s
 * default initialisation (Glorot uniform weights, zero biases).
 */
public class SqueezeExcitation extends Module {
    private final int channels, hidden;
    private final Linear fc1, fc2;

    /** Reduction ratio 16, FLOAT32. */
    public SqueezeExcitation(int channels) {
        this(channels, 16, DType.FLOAT32);
    }

    public SqueezeExcitation(int channels, int reduction, DType dtype) {
        if (channels < 1) throw new IllegalArgumentException("SqueezeExcitation: channels must be >= 1, got " + channels);
        if (reduction < 1) throw new IllegalArgumentException("SqueezeExcitation: reduction ratio must be >= 1, got " + reduction);
        this.channels = channels;
        this.hidden = Math.max(1, channels / reduction);
        this.fc1 = registerModule("fc1", new Linear(channels, hidden, true, dtype));
        this.fc2 = registerModule("fc2", new Linear(hidden, channels, true, dtype));
    }

    /**
     * @param x {@code [N, C, H, W]}
     * @return {@code [N, C, H, W]}
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.dim(1) != channels)
            throw new IllegalArgumentException("SqueezeExcitation: input must be [N, " + channels + ", H, W], got " + x.shape());
        int n = x.dim(0);
        Tensor s = NN.globalAvgPool2d(x).reshape(n, channels);
        Tensor gate = fc2.forward(fc1.forward(s).relu()).sigmoid();
        return x.mul(gate.reshape(n, channels, 1, 1));
    }

    /** Width of the bottleneck, {@code max(1, C / r)}. */
    public int hiddenChannels() {
        return hidden;
    }

    @Override
    public String describe() {
        return "SqueezeExcitation(" + channels + ", hidden " + hidden + ")";
    }
}
