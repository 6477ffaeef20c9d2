package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.ConvTranspose2dParams;

/**
 * Transposed 2-D convolution (the adjoint of {@link Conv2d}, used to upsample in decoders and GANs).
 * Input {@code [N, Cin, H, W]}, weight {@code [Cin, Cout/groups, R, S]} (PyTorch's layout), bias
 * {@code [Cout]}, output {@code [N, Cout, H', W']} with
 * {@code H' = (H − 1)·stride − 2·pad + dilation·(R − 1) + outputPad + 1} (likewise W'); see
 * {@link ConvTranspose2dParams}. Each input pixel scatters {@code x[n, c, i, j]·W[c, :, :, :]} into
 * the output window at {@code (i·stride − pad, j·stride − pad)}.
 * <p>
 * Default initialisation: He normal weight with fan_in = (Cin/groups)·R·S, the number of products
 * summed into an output pixel at stride 1 (PyTorch derives its fan from {@code Cout/groups}
 * instead, a quirk of reusing the convolution's formula on the transposed layout); zero bias.
 */
public class ConvTranspose2d extends Module {
    private final int inChannels, outChannels, kh, kw;
    private final ConvTranspose2dParams params;

    /** Square kernel with the given stride, padding and output padding; no dilation, one group, bias, FLOAT32. */
    public ConvTranspose2d(int inChannels, int outChannels, int kernel, int stride, int pad, int outputPad) {
        this(inChannels, outChannels, kernel, kernel, new ConvTranspose2dParams(Conv2dParams.of(stride, pad), outputPad, outputPad), true,
                DType.FLOAT32);
    }

    public ConvTranspose2d(int inChannels, int outChannels, int kh, int kw, ConvTranspose2dParams params, boolean bias, DType dtype) {
        int g = params.conv().groups();
        if (inChannels < 1 || outChannels < 1)
            throw new IllegalArgumentException("ConvTranspose2d: channels must be >= 1, got " + inChannels + "→" + outChannels);
        if (inChannels % g != 0 || outChannels % g != 0)
            throw new IllegalArgumentException("ConvTranspose2d: channels " + inChannels + "→" + outChannels + " must be divisible by groups=" + g);
        if (kh < 1 || kw < 1) throw new IllegalArgumentException("ConvTranspose2d: kernel must be >= 1, got " + kh + "×" + kw);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kh = kh;
        this.kw = kw;
        this.params = params;
        registerParameter("weight", Init.heNormal(Shape.of(inChannels, outChannels / g, kh, kw), inChannels / g * kh * kw, dtype));
        registerParameter("bias", bias ? Init.zeros(Shape.of(outChannels), dtype) : null);
    }

    /**
     * @param x {@code [N, Cin, H, W]}
     * @return {@code [N, Cout, H', W']}
     */
    @Override
    public Tensor forward(Tensor x) {
        return NN.convTranspose2d(x, param("weight"), hasParam("bias") ? param("bias") : null, params);
    }

    public ConvTranspose2dParams params() {
        return params;
    }

    @Override
    public String describe() {
        Conv2dParams c = params.conv();
        return "ConvTranspose2d(" + inChannels + "→" + outChannels + ", " + kh + "×" + kw
                + (c.strideH() != 1 || c.strideW() != 1 ? ", stride " + c.strideH() : "")
                + (c.groups() != 1 ? ", groups " + c.groups() : "") + ")";
    }
}
