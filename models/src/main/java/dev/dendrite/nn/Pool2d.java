package dev.dendrite.nn;

import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;

/** Max or average pooling over {@code [N, C, H, W]}; see {@link Pool2dParams}. No parameters. */
public class Pool2d extends Module {
    private final Pool2dParams params;

    public Pool2d(Pool2dParams params) {
        this.params = params;
    }

    /** Max pooling with a square window (stride = kernel, no padding, when built with {@code maxPool(k)}). */
    public static Pool2d max(int kernel, int stride, int pad) {
        return new Pool2d(Pool2dParams.of(PoolMode.MAX, kernel, stride, pad));
    }

    public static Pool2d max(int kernel) {
        return max(kernel, kernel, 0);
    }

    /** Average pooling counting padded positions (PyTorch's default count_include_pad=True). */
    public static Pool2d avg(int kernel, int stride, int pad) {
        return new Pool2d(Pool2dParams.of(PoolMode.AVG_INCLUDE_PAD, kernel, stride, pad));
    }

    public static Pool2d avg(int kernel) {
        return avg(kernel, kernel, 0);
    }

    @Override
    public Tensor forward(Tensor x) {
        return NN.pool2d(x, params);
    }

    @Override
    public String describe() {
        return (params.mode() == PoolMode.MAX ? "MaxPool2d" : "AvgPool2d") + "(" + params.kernelH() + "×" + params.kernelW()
                + ", stride " + params.strideH() + ")";
    }
}
