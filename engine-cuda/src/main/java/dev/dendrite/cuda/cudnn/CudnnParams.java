package dev.dendrite.cuda.cudnn;

import dev.dendrite.DType;
import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import jcuda.jcudnn.cudnnActivationMode;
import jcuda.jcudnn.cudnnBatchNormMode;
import jcuda.jcudnn.cudnnConvolutionMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnDirectionMode;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnNanPropagation;
import jcuda.jcudnn.cudnnPoolingMode;
import jcuda.jcudnn.cudnnRNNAlgo;
import jcuda.jcudnn.cudnnRNNBiasMode;
import jcuda.jcudnn.cudnnRNNDataLayout;
import jcuda.jcudnn.cudnnRNNInputMode;
import jcuda.jcudnn.cudnnRNNMode;
import jcuda.jcudnn.cudnnSoftmaxAlgorithm;
import jcuda.jcudnn.cudnnSoftmaxMode;

import java.util.Arrays;

/**
 * The parameters of every cuDNN descriptor the backend builds, as pure functions of engine shapes
 * and op records. Only cuDNN's integer enum constants are referenced (compile-time constants, so no
 * native library is touched); everything here is tested on the CPU, and the values are fed to the
 * real cuDNN by the descriptor tests.
 */
public final class CudnnParams {
    private CudnnParams() {
    }

    /** cuDNN's limit on tensor rank ({@code CUDNN_DIM_MAX}). */
    public static final int MAX_RANK = 8;
    /** The rank tensors are padded to: cuDNN's Nd descriptors want at least 4 dimensions (3 is accepted, 2 never). */
    public static final int MIN_RANK = 4;
    /** {@code cudnnRNNDescriptor_v8} aux flag: sequences of different lengths in an unpacked layout. */
    public static final int RNN_PADDED_IO_ENABLED = 1;

    /** {@code cudnnDataType_t} of a floating dtype; integer tensors never reach cuDNN. */
    public static int dataType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> cudnnDataType.CUDNN_DATA_FLOAT;
            case FLOAT64 -> cudnnDataType.CUDNN_DATA_DOUBLE;
            case INT32, INT64 -> throw new IllegalArgumentException("cuDNN: dtype " + dtype.shortName() + " is not supported (float32/float64 only)");
        };
    }

    /**
     * Math type of convolutions and RNNs. FLOAT32 gets {@code CUDNN_FMA_MATH} (no tensor cores, hence
     * no TF32 rounding of the inputs: results comparable with the CPU to ~1e-6) unless TF32 is
     * allowed, in which case {@code CUDNN_DEFAULT_MATH} lets cuDNN 8 use TF32 tensor cores on Ampere
     * and newer. FLOAT64 has no reduced-precision path and gets the default.
     */
    public static int mathType(DType dtype, boolean allowTf32) {
        return dtype == DType.FLOAT32 && !allowTf32 ? cudnnMathType.CUDNN_FMA_MATH : cudnnMathType.CUDNN_DEFAULT_MATH;
    }

    // ---- tensors --------------------------------------------------------------------------------

    /**
     * Dimensions and strides of a cuDNN Nd tensor descriptor.
     *
     * @param dims   sizes, at least {@link #MIN_RANK} of them
     * @param strides element strides, same length
     */
    public record TensorLayout(int[] dims, int[] strides) {
        public int rank() {
            return dims.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorLayout t && Arrays.equals(dims, t.dims) && Arrays.equals(strides, t.strides);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(dims) + Arrays.hashCode(strides);
        }

        @Override
        public String toString() {
            return "dims " + Arrays.toString(dims) + " strides " + Arrays.toString(strides);
        }
    }

    /**
     * The tensor descriptor of a view with the given shape and strides. Ranks below
     * {@link #MIN_RANK} are padded with trailing size-1 dimensions of stride 1 ({@code [N, C]} →
     * {@code [N, C, 1, 1]}), which changes no element's address. A size-1 dimension gets the stride a
     * packed tensor would have (cuDNN checks strides even where they cannot matter).
     *
     * @throws IllegalArgumentException for a zero-size dimension (cuDNN rejects it: callers skip empty
     *         work), a broadcast dimension (stride 0 with size > 1: cuDNN cannot express it; see
     *         {@link #isRepresentable}), or a rank above {@link #MAX_RANK}
     */
    public static TensorLayout tensor(int[] shape, int[] strides) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("cuDNN tensor: shape " + Arrays.toString(shape) + " and strides " + Arrays.toString(strides)
                    + " differ in rank");
        if (shape.length > MAX_RANK)
            throw new IllegalArgumentException("cuDNN tensor: rank " + shape.length + " of " + Arrays.toString(shape) + " exceeds " + MAX_RANK);
        int rank = Math.max(shape.length, MIN_RANK);
        int[] dims = new int[rank], st = new int[rank];
        Arrays.fill(dims, 1);
        Arrays.fill(st, 1);
        System.arraycopy(shape, 0, dims, 0, shape.length);
        for (int d : shape)
            if (d == 0) throw new IllegalArgumentException("cuDNN tensor: zero-size dimension in " + Arrays.toString(shape));
        long packed = 1;
        for (int i = rank - 1; i >= 0; i--) {
            if (i < shape.length && shape[i] != 1) {
                if (strides[i] <= 0)
                    throw new IllegalArgumentException("cuDNN tensor: dimension " + i + " of " + Arrays.toString(shape) + " has stride "
                            + strides[i] + " (broadcast views must be copied densely first)");
                st[i] = strides[i];
            } else {
                st[i] = (int) Math.min(packed, Integer.MAX_VALUE);
            }
            packed *= dims[i];
        }
        return new TensorLayout(dims, st);
    }

    /** The descriptor of a dense row-major tensor of this shape. */
    public static TensorLayout packed(int... shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return tensor(shape, strides);
    }

    /** Whether {@link #tensor} can describe the view: no broadcast (stride-0, size > 1) dimension, no zero size, rank ≤ 8. */
    public static boolean isRepresentable(int[] shape, int[] strides) {
        if (shape.length > MAX_RANK) return false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) return false;
            if (shape[i] != 1 && strides[i] <= 0) return false;
        }
        return true;
    }

    // ---- convolution ----------------------------------------------------------------------------

    /** Filter descriptor dimensions: the weight's own {@code [K, C/groups, R, S]} in NCHW format. */
    public static int[] filter(int[] weightShape) {
        if (weightShape.length < 3 || weightShape.length > MAX_RANK)
            throw new IllegalArgumentException("cuDNN filter: weight " + Arrays.toString(weightShape) + " must have rank 3 to 8");
        for (int d : weightShape)
            if (d < 1) throw new IllegalArgumentException("cuDNN filter: non-positive dimension in " + Arrays.toString(weightShape));
        return weightShape.clone();
    }

    /**
     * Convolution descriptor arguments: {@code cudnnSetConvolutionNdDescriptor(pad, stride, dilation,
     * CUDNN_CROSS_CORRELATION, computeType)}, {@code cudnnSetConvolutionGroupCount(groups)},
     * {@code cudnnSetConvolutionMathType(mathType)}. Cross-correlation, because that is what the
     * engine (and every framework) calls convolution.
     */
    public record ConvParams(int[] pad, int[] stride, int[] dilation, int mode, int computeType, int groups, int mathType) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ConvParams c && Arrays.equals(pad, c.pad) && Arrays.equals(stride, c.stride)
                    && Arrays.equals(dilation, c.dilation) && mode == c.mode && computeType == c.computeType && groups == c.groups
                    && mathType == c.mathType;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new int[]{Arrays.hashCode(pad), Arrays.hashCode(stride), Arrays.hashCode(dilation), mode, computeType,
                    groups, mathType});
        }

        @Override
        public String toString() {
            return "pad " + Arrays.toString(pad) + " stride " + Arrays.toString(stride) + " dilation " + Arrays.toString(dilation)
                    + " groups " + groups + " compute " + computeType + " math " + mathType;
        }
    }

    public static ConvParams conv2d(Conv2dParams p, DType dtype, boolean allowTf32) {
        return new ConvParams(new int[]{p.padH(), p.padW()}, new int[]{p.strideH(), p.strideW()},
                new int[]{p.dilationH(), p.dilationW()}, cudnnConvolutionMode.CUDNN_CROSS_CORRELATION, dataType(dtype), p.groups(),
                mathType(dtype, allowTf32));
    }

    // ---- pooling --------------------------------------------------------------------------------

    /**
     * {@code cudnnPoolingMode_t} of an engine pooling mode. MAX maps to the deterministic variant:
     * its backward pass sends each gradient to one maximum, as the CPU reference does, instead of an
     * atomically accumulated, order-dependent result.
     */
    public static int poolingMode(PoolMode mode) {
        return switch (mode) {
            case MAX -> cudnnPoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC;
            case AVG_INCLUDE_PAD -> cudnnPoolingMode.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
            case AVG_EXCLUDE_PAD -> cudnnPoolingMode.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
        };
    }

    /** NaN handling of pooling and activations: propagate, as the CPU reference does. */
    public static final int NAN_PROPAGATION = cudnnNanPropagation.CUDNN_PROPAGATE_NAN;

    /** {@code cudnnSetPoolingNdDescriptor(mode, nan, 2, window, padding, stride)} arguments. */
    public record PoolParams(int mode, int nanPropagation, int[] window, int[] padding, int[] stride) {
        @Override
        public boolean equals(Object o) {
            return o instanceof PoolParams p && mode == p.mode && nanPropagation == p.nanPropagation && Arrays.equals(window, p.window)
                    && Arrays.equals(padding, p.padding) && Arrays.equals(stride, p.stride);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new int[]{mode, nanPropagation, Arrays.hashCode(window), Arrays.hashCode(padding), Arrays.hashCode(stride)});
        }

        @Override
        public String toString() {
            return "mode " + mode + " window " + Arrays.toString(window) + " pad " + Arrays.toString(padding) + " stride " + Arrays.toString(stride);
        }
    }

    public static PoolParams pool2d(dev.dendrite.ops.Pool2dParams p) {
        return new PoolParams(poolingMode(p.mode()), NAN_PROPAGATION, new int[]{p.kernelH(), p.kernelW()},
                new int[]{p.padH(), p.padW()}, new int[]{p.strideH(), p.strideW()});
    }

    // ---- batch normalisation --------------------------------------------------------------------

    /**
     * Batch-norm mode: {@code [N, C, H, W]} normalises per channel over N, H, W
     * ({@code CUDNN_BATCHNORM_SPATIAL}); {@code [N, C]} (described as {@code [N, C, 1, 1]}) per
     * feature over N, which is {@code CUDNN_BATCHNORM_PER_ACTIVATION} on that 4-D shape (SPATIAL
     * would give the same numbers; PER_ACTIVATION is cuDNN's documented mode for fully connected layers).
     * The spatial-persistent variant is never chosen: it may overflow on some inputs and is not
     * bit-stable across batch sizes.
     */
    public static int batchNormMode(int rank) {
        return switch (rank) {
            case 2 -> cudnnBatchNormMode.CUDNN_BATCHNORM_PER_ACTIVATION;
            case 4 -> cudnnBatchNormMode.CUDNN_BATCHNORM_SPATIAL;
            default -> throw new IllegalArgumentException("batchNorm: cuDNN needs [N, C] or [N, C, H, W], got rank " + rank);
        };
    }

    /** The 4-D shape cuDNN sees for a batch-norm input: {@code [N, C]} → {@code [N, C, 1, 1]}. */
    public static int[] batchNormShape(int[] xShape) {
        batchNormMode(xShape.length);
        return xShape.length == 4 ? xShape.clone() : new int[]{xShape[0], xShape[1], 1, 1};
    }

    /** Shape of the per-channel scale/bias/mean/variance tensors: {@code [1, C, 1, 1]} for both modes. */
    public static int[] batchNormParamShape(int[] xShape) {
        batchNormMode(xShape.length);
        return new int[]{1, xShape[1], 1, 1};
    }

    // ---- softmax --------------------------------------------------------------------------------

    /**
     * The 4-D shape softmax along {@code axis} is computed on: {@code [outer, axisSize, inner, 1]}
     * with {@code CUDNN_SOFTMAX_MODE_CHANNEL}, which normalises over dimension 1 for every
     * (n, h, w) — exactly "along axis" for a dense row-major tensor.
     */
    public static int[] softmaxShape(int[] shape, int axis) {
        if (shape.length == 0) return new int[]{1, 1, 1, 1};
        if (axis < 0 || axis >= shape.length)
            throw new IllegalArgumentException("softmax: axis " + axis + " out of range for " + Arrays.toString(shape));
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.length; i++) inner *= shape[i];
        return new int[]{(int) outer, shape[axis], (int) inner, 1};
    }

    public static final int SOFTMAX_MODE = cudnnSoftmaxMode.CUDNN_SOFTMAX_MODE_CHANNEL;

    /** {@code CUDNN_SOFTMAX_LOG} for log-softmax, else {@code CUDNN_SOFTMAX_ACCURATE} (max-subtracted, like the CPU). */
    public static int softmaxAlgorithm(boolean log) {
        return log ? cudnnSoftmaxAlgorithm.CUDNN_SOFTMAX_LOG : cudnnSoftmaxAlgorithm.CUDNN_SOFTMAX_ACCURATE;
    }

    // ---- activations ----------------------------------------------------------------------------

    /**
     * {@code cudnnActivationMode_t} of an activation, or -1 where cuDNN 8 has none (LEAKY_RELU,
     * GELU: our kernels compute those).
     */
    public static int activationMode(ActivationOp op) {
        return switch (op) {
            case RELU -> cudnnActivationMode.CUDNN_ACTIVATION_RELU;
            case SIGMOID -> cudnnActivationMode.CUDNN_ACTIVATION_SIGMOID;
            case TANH -> cudnnActivationMode.CUDNN_ACTIVATION_TANH;
            case ELU -> cudnnActivationMode.CUDNN_ACTIVATION_ELU;
            case LEAKY_RELU, GELU -> -1;
        };
    }

    /** The activation descriptor's coefficient: ELU's alpha; unused (0) for the others. */
    public static double activationCoef(ActivationOp op, double alpha) {
        return op == ActivationOp.ELU ? alpha : 0;
    }

    // ---- recurrent ------------------------------------------------------------------------------

    public static int rnnMode(RnnMode mode) {
        return switch (mode) {
            case RNN_TANH -> cudnnRNNMode.CUDNN_RNN_TANH;
            case RNN_RELU -> cudnnRNNMode.CUDNN_RNN_RELU;
            case LSTM -> cudnnRNNMode.CUDNN_LSTM;
            case GRU -> cudnnRNNMode.CUDNN_GRU;
        };
    }

    /**
     * Bias mode from which bias tensors a network has ({@code hasIh[i]}/{@code hasHh[i]} per layer
     * and direction): all of both → DOUBLE; all b_ih and no b_hh → SINGLE_INP (Keras-style); none →
     * NO_BIAS; no b_ih and all b_hh → SINGLE_REC. A mixture is DOUBLE, and the weight packing writes
     * zeros for the missing ones, which is what the equations read for an absent bias.
     */
    public static int rnnBiasMode(boolean[] hasIh, boolean[] hasHh) {
        boolean allIh = true, noIh = true, allHh = true, noHh = true;
        for (boolean b : hasIh) { allIh &= b; noIh &= !b; }
        for (boolean b : hasHh) { allHh &= b; noHh &= !b; }
        if (noIh && noHh) return cudnnRNNBiasMode.CUDNN_RNN_NO_BIAS;
        if (allIh && noHh) return cudnnRNNBiasMode.CUDNN_RNN_SINGLE_INP_BIAS;
        if (noIh && allHh) return cudnnRNNBiasMode.CUDNN_RNN_SINGLE_REC_BIAS;
        return cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS;
    }

    /** Which bias tensors exist in the weight space for a bias mode: {ih, hh}. */
    public static boolean[] rnnBiasesPresent(int biasMode) {
        return switch (biasMode) {
            case cudnnRNNBiasMode.CUDNN_RNN_NO_BIAS -> new boolean[]{false, false};
            case cudnnRNNBiasMode.CUDNN_RNN_SINGLE_INP_BIAS -> new boolean[]{true, false};
            case cudnnRNNBiasMode.CUDNN_RNN_SINGLE_REC_BIAS -> new boolean[]{false, true};
            case cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS -> new boolean[]{true, true};
            default -> throw new IllegalArgumentException("rnn: unknown cuDNN bias mode " + biasMode);
        };
    }

    /** Every argument of {@code cudnnSetRNNDescriptor_v8} but the dropout descriptor. */
    public record RnnDescriptorParams(int algo, int cellMode, int biasMode, int dirMode, int inputMode, int dataType, int mathPrec,
                                      int mathType, int inputSize, int hiddenSize, int projSize, int numLayers, int auxFlags) {
        @Override
        public String toString() {
            return "cellMode=" + cellMode + " biasMode=" + biasMode + " dirMode=" + dirMode + " dataType=" + dataType + " mathType=" + mathType
                    + " inputSize=" + inputSize + " hiddenSize=" + hiddenSize + " projSize=" + projSize + " numLayers=" + numLayers
                    + " auxFlags=" + auxFlags;
        }
    }

    /**
     * The RNN descriptor of a network: standard algorithm, linear input (a real W_ih, never
     * SKIP_INPUT), no projection (projSize = hiddenSize), padded I/O enabled so that sequences of
     * different lengths can share the time-major unpacked layout the engine uses.
     */
    public static RnnDescriptorParams rnn(RnnParams p, DType dtype, int biasMode, boolean allowTf32) {
        int dt = dataType(dtype);
        return new RnnDescriptorParams(cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD, rnnMode(p.mode()), biasMode,
                p.bidirectional() ? cudnnDirectionMode.CUDNN_BIDIRECTIONAL : cudnnDirectionMode.CUDNN_UNIDIRECTIONAL,
                cudnnRNNInputMode.CUDNN_LINEAR_INPUT, dt, dt, mathType(dtype, allowTf32),
                p.inputSize(), p.hiddenSize(), p.hiddenSize(), p.numLayers(), RNN_PADDED_IO_ENABLED);
    }

    /**
     * The descriptor of layer {@code l} alone (one stacked layer, same cell and directions), used
     * when dropout between layers must be the engine's own Philox masks rather than cuDNN's.
     */
    public static RnnDescriptorParams rnnLayer(RnnParams p, int layer, DType dtype, int biasMode, boolean allowTf32) {
        RnnDescriptorParams all = rnn(p, dtype, biasMode, allowTf32);
        return new RnnDescriptorParams(all.algo(), all.cellMode(), all.biasMode(), all.dirMode(), all.inputMode(), all.dataType(),
                all.mathPrec(), all.mathType(), p.layerInputSize(layer), p.hiddenSize(), p.hiddenSize(), 1, all.auxFlags());
    }

    /** {@code cudnnSetRNNDataDescriptor} arguments (time-major unpacked, padding filled with 0). */
    public record RnnDataParams(int dataType, int layout, int maxSeqLength, int batchSize, int vectorSize, int[] seqLengths,
                                double paddingFill) {
        @Override
        public String toString() {
            return "layout=" + layout + " maxSeqLength=" + maxSeqLength + " batch=" + batchSize + " vector=" + vectorSize
                    + " seqLengths=" + Arrays.toString(seqLengths);
        }
    }

    /**
     * RNN data descriptor of {@code [T, N, vectorSize]} in the engine's time-major layout; null
     * {@code seqLengths} means every sequence has all T steps.
     */
    public static RnnDataParams rnnData(DType dtype, int steps, int batch, int vectorSize, int[] seqLengths) {
        int[] lens = new int[batch];
        if (seqLengths == null) Arrays.fill(lens, steps);
        else {
            if (seqLengths.length != batch)
                throw new IllegalArgumentException("rnn: " + seqLengths.length + " sequence lengths for a batch of " + batch);
            for (int i = 0; i < batch; i++) {
                if (seqLengths[i] < 1 || seqLengths[i] > steps)
                    throw new IllegalArgumentException("rnn: sequence length " + seqLengths[i] + " of sequence " + i + " outside [1, " + steps + "]");
                lens[i] = seqLengths[i];
            }
        }
        return new RnnDataParams(dataType(dtype), cudnnRNNDataLayout.CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, steps, batch, vectorSize, lens, 0.0);
    }
}
