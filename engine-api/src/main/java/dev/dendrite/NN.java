package dev.dendrite;

import dev.dendrite.ops.BatchNormParams;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.ConvTranspose2dParams;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.Reduction;
import dev.dendrite.ops.UpsampleMode;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.View;

/**
 * Neural-network primitives with autograd: convolution, pooling, batch norm, dropout, losses,
 * embedding and upsampling (the set cuDNN provides, plus what it lacks). Each validates once via
 * {@link ShapeRules}, calls the backend primitive, and records its backward rule in terms of the
 * backend's backward primitives. All image tensors are NCHW.
 */
public final class NN {
    private NN() {
    }

    private static View cv(Tensor t) {
        return t.contiguous().view();
    }

    // ---- convolution ----------------------------------------------------------------------------

    /**
     * 2-D convolution (cross-correlation).
     * @param x input {@code [N, C, H, W]}
     * @param weight {@code [K, C/groups, R, S]}
     * @param bias {@code [K]} or null
     * @return {@code [N, K, P, Q]} with P, Q from {@link Conv2dParams#outputSize}
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p) {
        ShapeRules.floatingPoint("conv2d", x);
        ShapeRules.sameDTypeAndDevice("conv2d", x, weight);
        Shape out = ShapeRules.conv2d(x.shape(), weight.shape(), p);
        checkBias("conv2d", bias, x, weight.dim(0));
        Backend be = x.backend();
        Tensor y = Tensor.empty(out, x.dtype(), be);
        be.conv2dForward(cv(x), cv(weight), p, y.view());
        Tensor result = Autograd.record("conv2d", y, g -> {
            Tensor gc = g.contiguous();
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Tensor.empty(x.shape(), x.dtype(), be);
                be.conv2dBackwardData(gc.view(), cv(weight), p, dx.view());
            }
            if (weight.requiresGrad()) {
                dw = Tensor.empty(weight.shape(), weight.dtype(), be);
                be.conv2dBackwardFilter(cv(x), gc.view(), p, dw.view());
            }
            return new Tensor[]{dx, dw};
        }, x, weight);
        return bias == null ? result : addChannelBias(result, bias);
    }

    /** Adds a per-channel bias {@code [C]} to {@code [N, C, ...]}, with cuDNN's backward-bias primitive for the gradient. */
    private static Tensor addChannelBias(Tensor y, Tensor bias) {
        int[] d = new int[y.rank()];
        java.util.Arrays.fill(d, 1);
        d[1] = bias.dim(0);
        Tensor out;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            out = y.add(bias.reshape(d));
        }
        Backend be = y.backend();
        return Autograd.record("channelBias", out, g -> {
            Tensor db = null;
            if (bias.requiresGrad()) {
                Tensor g4 = g.rank() == 4 ? g : g.reshape(g.dim(0), g.dim(1), -1, 1);
                db = Tensor.empty(bias.shape(), bias.dtype(), be);
                be.conv2dBackwardBias(cv(g4), db.view());
            }
            return new Tensor[]{g, db};
        }, y, bias);
    }

    private static void checkBias(String op, Tensor bias, Tensor x, int channels) {
        if (bias == null) return;
        ShapeRules.sameDTypeAndDevice(op, x, bias);
        if (bias.rank() != 1 || bias.dim(0) != channels)
            throw new IllegalArgumentException(op + ": bias must have shape [" + channels + "], got " + bias.shape());
    }

    /**
     * Transposed convolution, the adjoint of {@link #conv2d} (computed with the conv backward-data primitive).
     * @param x {@code [N, Cin, H, W]}
     * @param weight {@code [Cin, Cout/groups, R, S]}
     * @param bias {@code [Cout]} or null
     */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvTranspose2dParams tp) {
        ShapeRules.floatingPoint("convTranspose2d", x);
        ShapeRules.sameDTypeAndDevice("convTranspose2d", x, weight);
        Shape out = ShapeRules.convTranspose2d(x.shape(), weight.shape(), tp);
        checkBias("convTranspose2d", bias, x, out.dim(1));
        Conv2dParams p = tp.conv();
        Backend be = x.backend();
        Tensor y = Tensor.empty(out, x.dtype(), be);
        // The conv whose input is y and output is x has weight [Cin, Cout/g, R, S] = our weight, so y = conv backward-data(x).
        be.conv2dBackwardData(cv(x), cv(weight), p, y.view());
        Tensor result = Autograd.record("convTranspose2d", y, g -> {
            Tensor gc = g.contiguous();
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Tensor.empty(x.shape(), x.dtype(), be);
                be.conv2dForward(gc.view(), cv(weight), p, dx.view());
            }
            if (weight.requiresGrad()) {
                dw = Tensor.empty(weight.shape(), weight.dtype(), be);
                be.conv2dBackwardFilter(gc.view(), cv(x), p, dw.view());
            }
            return new Tensor[]{dx, dw};
        }, x, weight);
        return bias == null ? result : addChannelBias(result, bias);
    }

    // ---- pooling and upsampling -------------------------------------------------------------------

    /** Max or average pooling; see {@link Pool2dParams} and {@link PoolMode}. */
    public static Tensor pool2d(Tensor x, Pool2dParams p) {
        ShapeRules.floatingPoint("pool2d", x);
        Shape out = ShapeRules.pool2d(x.shape(), p);
        Backend be = x.backend();
        Tensor xc = x.contiguous();
        Tensor y = Tensor.empty(out, x.dtype(), be);
        be.pool2dForward(xc.view(), p, y.view());
        return Autograd.record(p.mode() == PoolMode.MAX ? "maxPool2d" : "avgPool2d", y, g -> {
            Tensor dx = Tensor.empty(x.shape(), x.dtype(), be);
            be.pool2dBackward(xc.view(), y.view(), cv(g), p, dx.view());
            return new Tensor[]{dx};
        }, x);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int pad) {
        return pool2d(x, Pool2dParams.of(PoolMode.MAX, kernel, stride, pad));
    }

    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int pad) {
        return pool2d(x, Pool2dParams.of(PoolMode.AVG_INCLUDE_PAD, kernel, stride, pad));
    }

    /** Mean over H and W: {@code [N, C, H, W] → [N, C, 1, 1]}. */
    public static Tensor globalAvgPool2d(Tensor x) {
        ShapeRules.rank("globalAvgPool2d", "input", x, 4);
        return x.mean(new int[]{2, 3}, true);
    }

    /** 2× upsampling of {@code [N, C, H, W]} to {@code [N, C, 2H, 2W]}; see {@link UpsampleMode}. */
    public static Tensor upsample2x(Tensor x, UpsampleMode mode) {
        ShapeRules.floatingPoint("upsample2x", x);
        ShapeRules.rank("upsample2x", "input", x, 4);
        Backend be = x.backend();
        Tensor y = Tensor.empty(Shape.of(x.dim(0), x.dim(1), 2 * x.dim(2), 2 * x.dim(3)), x.dtype(), be);
        be.upsample2x(mode, cv(x), y.view());
        return Autograd.record("upsample2x", y, g -> {
            Tensor dx = Tensor.empty(x.shape(), x.dtype(), be);
            be.upsample2xBackward(mode, cv(g), dx.view());
            return new Tensor[]{dx};
        }, x);
    }

    /** ShuffleNet's channel shuffle: {@code [N, g·c, H, W]} → reshape {@code [N, g, c, H, W]} → swap → reshape. */
    public static Tensor channelShuffle(Tensor x, int groups) {
        ShapeRules.rank("channelShuffle", "input", x, 4);
        if (groups < 1 || x.dim(1) % groups != 0)
            throw new IllegalArgumentException("channelShuffle: " + x.dim(1) + " channels of " + x.shape() + " are not divisible by groups=" + groups);
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        return x.reshape(n, groups, c / groups, h, w).transpose(1, 2).reshape(n, c, h, w);
    }

    // ---- normalisation and dropout ------------------------------------------------------------------

    /**
     * Batch normalisation of {@code [N, C]} or {@code [N, C, H, W]} (see {@link BatchNormParams} for
     * the formulas and the running-statistics convention). In training it normalises with batch
     * statistics and updates {@code runningMean}/{@code runningVar} in place; otherwise it uses them.
     */
    public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   boolean training, BatchNormParams p) {
        ShapeRules.floatingPoint("batchNorm", x);
        int c = ShapeRules.batchNormChannels(x.shape());
        for (Tensor t : new Tensor[]{gamma, beta, runningMean, runningVar}) {
            ShapeRules.sameDTypeAndDevice("batchNorm", x, t);
            if (t.rank() != 1 || t.dim(0) != c)
                throw new IllegalArgumentException("batchNorm: per-channel tensors must have shape [" + c + "] for input " + x.shape() + ", got " + t.shape());
        }
        Backend be = x.backend();
        Tensor xc = x.contiguous();
        Tensor y = Tensor.empty(x.shape(), x.dtype(), be);
        if (!training) {
            be.batchNormForwardInference(xc.view(), cv(gamma), cv(beta), cv(runningMean), cv(runningVar), p.epsilon(), y.view());
            // Inference: y = γ·(x − μ_run)·s + β with s = 1/√(σ²_run + ε), an affine map of x.
            return Autograd.record("batchNorm(eval)", y, g -> {
                Tensor s = runningVar.add(p.epsilon()).rsqrt();
                int[] d = channelShape(x);
                Tensor scale = gamma.mul(s).reshape(d);
                Tensor dx = x.requiresGrad() ? g.mul(scale) : null;
                int[] axes = nonChannelAxes(x);
                Tensor xhat = x.sub(runningMean.reshape(d)).mul(s.reshape(d));
                Tensor dg = gamma.requiresGrad() ? g.mul(xhat).sum(axes, false) : null;
                Tensor db = beta.requiresGrad() ? g.sum(axes, false) : null;
                return new Tensor[]{dx, dg, db};
            }, x, gamma, beta);
        }
        if (x.numel() / c < 2)
            throw new IllegalArgumentException("batchNorm: training needs more than one value per channel, got input " + x.shape());
        Tensor saveMean = Tensor.empty(Shape.of(c), x.dtype(), be), saveInvStd = Tensor.empty(Shape.of(c), x.dtype(), be);
        be.batchNormForwardTraining(xc.view(), cv(gamma), cv(beta), p, runningMean.view(), runningVar.view(), y.view(),
                saveMean.view(), saveInvStd.view());
        return Autograd.record("batchNorm", y, g -> {
            Tensor dx = Tensor.empty(x.shape(), x.dtype(), be);
            Tensor dg = Tensor.empty(gamma.shape(), x.dtype(), be), db = Tensor.empty(beta.shape(), x.dtype(), be);
            be.batchNormBackward(xc.view(), cv(g), cv(gamma), saveMean.view(), saveInvStd.view(), dx.view(), dg.view(), db.view());
            return new Tensor[]{dx, dg, db};
        }, x, gamma, beta);
    }

    private static int[] channelShape(Tensor x) {
        int[] d = new int[x.rank()];
        java.util.Arrays.fill(d, 1);
        d[1] = x.dim(1);
        return d;
    }

    private static int[] nonChannelAxes(Tensor x) {
        int[] a = new int[x.rank() - 1];
        for (int i = 0, j = 0; i < x.rank(); i++) if (i != 1) a[j++] = i;
        return a;
    }

    /**
     * Inverted dropout with probability {@code p} of zeroing; survivors are scaled by {@code 1/(1 − p)}.
     * The mask comes from Philox keyed by (seed, stream, element index), so every backend draws the same one.
     * Identity when {@code p == 0}.
     */
    public static Tensor dropout(Tensor x, double p, long seed, long stream) {
        ShapeRules.floatingPoint("dropout", x);
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        if (p == 0) return x;
        Backend be = x.backend();
        Tensor y = Tensor.empty(x.shape(), x.dtype(), be), mask = Tensor.empty(x.shape(), x.dtype(), be);
        be.dropout(cv(x), p, seed, stream, y.view(), mask.view());
        return Autograd.record("dropout", y, g -> new Tensor[]{g.mul(mask)}, x);
    }

    // ---- losses ----------------------------------------------------------------------------------

    /**
     * Softmax cross-entropy from logits {@code [N, C]} and integer labels {@code [N]} (see
     * {@link CrossEntropyParams}). Returns a scalar, or {@code [N]} for {@link Reduction#NONE}.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, CrossEntropyParams p) {
        ShapeRules.floatingPoint("crossEntropy", logits);
        ShapeRules.rank("crossEntropy", "logits", logits, 2);
        ShapeRules.integral("crossEntropy", "labels", labels);
        ShapeRules.sameDevice("crossEntropy", logits, labels);
        if (labels.rank() != 1 || labels.dim(0) != logits.dim(0))
            throw new IllegalArgumentException("crossEntropy: labels must have shape [" + logits.dim(0) + "] for logits " + logits.shape()
                    + ", got " + labels.shape());
        if (logits.dim(1) == 0) throw new IllegalArgumentException("crossEntropy: logits " + logits.shape() + " have no classes");
        Backend be = logits.backend();
        Shape lossShape = p.reduction() == Reduction.NONE ? Shape.of(logits.dim(0)) : Shape.scalar();
        Tensor loss = Tensor.empty(lossShape, logits.dtype(), be);
        Tensor dlogits = logits.requiresGrad() && Autograd.isGradEnabled() ? Tensor.empty(logits.shape(), logits.dtype(), be) : null;
        be.softmaxCrossEntropy(cv(logits), cv(labels), p, loss.view(), dlogits == null ? null : dlogits.view());
        return Autograd.record("crossEntropy", loss, g -> new Tensor[]{
                p.reduction() == Reduction.NONE ? dlogits.mul(g.reshape(-1, 1)) : dlogits.mul(g)}, logits);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return crossEntropy(logits, labels, CrossEntropyParams.mean());
    }

    /** Mean squared error {@code (pred − target)²} reduced as asked. */
    public static Tensor mseLoss(Tensor pred, Tensor target, Reduction reduction) {
        ShapeRules.sameDTypeAndDevice("mseLoss", pred, target);
        if (!pred.shape().equals(target.shape()))
            throw new IllegalArgumentException("mseLoss: prediction " + pred.shape() + " and target " + target.shape() + " differ");
        return reduce(pred.sub(target).square(), reduction);
    }

    /**
     * Binary cross-entropy on logits, stable for any magnitude:
     * {@code max(x, 0) − x·t + log(1 + e^(−|x|))}.
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor target, Reduction reduction) {
        ShapeRules.sameDTypeAndDevice("bceWithLogits", logits, target);
        if (!logits.shape().equals(target.shape()))
            throw new IllegalArgumentException("bceWithLogits: logits " + logits.shape() + " and target " + target.shape() + " differ");
        Tensor per = logits.relu().sub(logits.mul(target)).add(logits.abs().neg().softplus());
        return reduce(per, reduction);
    }

    private static Tensor reduce(Tensor t, Reduction r) {
        return switch (r) {
            case MEAN -> t.mean();
            case SUM -> t.sum();
            case NONE -> t;
        };
    }

    // ---- lookups -----------------------------------------------------------------------------------

    /**
     * Rows of {@code weight [V, D]} picked by integer {@code indices} of any shape: result
     * {@code [indices..., D]}. The gradient scatter-adds, so repeated indices accumulate.
     */
    public static Tensor embedding(Tensor weight, Tensor indices) {
        ShapeRules.floatingPoint("embedding", weight);
        ShapeRules.rank("embedding", "weight", weight, 2);
        ShapeRules.integral("embedding", "indices", indices);
        ShapeRules.sameDevice("embedding", weight, indices);
        int[] od = java.util.Arrays.copyOf(indices.shape().toArray(), indices.rank() + 1);
        od[indices.rank()] = weight.dim(1);
        Backend be = weight.backend();
        Tensor rows = Tensor.empty(Shape.of(od), weight.dtype(), be);
        Tensor idx = indices.contiguous();
        be.embedding(cv(weight), idx.view(), rows.view());
        return Autograd.record("embedding", rows, g -> {
            Tensor dw = Tensor.empty(weight.shape(), weight.dtype(), be);
            be.embeddingBackward(idx.view(), cv(g), dw.view());
            return new Tensor[]{dw};
        }, weight);
    }

    /** {@code y = x · Wᵀ + b} for {@code x [..., in]}, {@code W [out, in]}, {@code b [out]} (or null). */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        ShapeRules.rank("linear", "weight", weight, 2);
        if (x.dim(-1) != weight.dim(1))
            throw new IllegalArgumentException("linear: input " + x.shape() + " has " + x.dim(-1) + " features, weight " + weight.shape()
                    + " expects " + weight.dim(1));
        Tensor y = x.rank() == 2 ? x.matmulOp(weight, false, true) : x.matmul(weight.transpose(0, 1));
        return bias == null ? y : y.add(bias);
    }
}
