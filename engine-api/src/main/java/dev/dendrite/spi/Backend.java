package dev.dendrite.spi;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.ops.*;

/**
 * The numeric contract a backend fulfils. Every argument has been validated and every output
 * allocated by {@code engine-api} before a call arrives (see {@code ShapeRules}), so
 * implementations check nothing about shapes and do arithmetic only. Outputs are written, never
 * accumulated, unless a method says otherwise. Views may be non-contiguous unless stated; outputs
 * named {@code y}/{@code out} are always contiguous. Reference semantics (cuDNN's) are documented on
 * the parameter records and on the CPU backend.
 */
public interface Backend extends AutoCloseable {
    String name();

    Device device();

    // ---- memory ------------------------------------------------------------------------------
    /** Uninitialised storage for {@code length} elements. Throws {@link OutOfMemoryError}-like {@code IllegalStateException} naming the request when full. */
    Storage allocate(DType dtype, int length);

    void free(Storage storage);

    /** Copies {@code length} elements from a host array ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]} matching the dtype). */
    void writeFromHost(Object hostArray, int srcOffset, Storage dst, int dstOffset, int length);

    /** Copies {@code length} elements into a host array of the storage's dtype. */
    void readToHost(Storage src, int srcOffset, Object hostArray, int dstOffset, int length);

    // ---- layout and creation -----------------------------------------------------------------
    /** {@code dst[i] = (dst dtype) src[i]} elementwise over equal shapes; src may broadcast (stride 0). */
    void copy(View src, View dst);

    void fill(View dst, double value);

    /** {@code dst[i] = start + i·step} in row-major order. */
    void arange(View dst, double start, double step);

    /** Uniform in [low, high) from Philox4x32-10 keyed by (seed, stream, row-major element index). */
    void randUniform(View dst, long seed, long stream, double low, double high);

    /** Normal(mean, std) from the same Philox bits through Box–Muller. */
    void randNormal(View dst, long seed, long stream, double mean, double std);

    // ---- elementwise and reductions ----------------------------------------------------------
    void unary(UnaryOp op, View x, View y, double alpha, double beta);

    /** {@code y = a op b}; a and b already broadcast to y's shape. Comparisons write 1/0. */
    void binary(BinaryOp op, View a, View b, View y);

    /** {@code y = a op s}, or {@code s op a} when {@code scalarFirst}. */
    void binaryScalar(BinaryOp op, View a, double scalar, boolean scalarFirst, View y);

    /** Reduces {@code axes} (sorted, distinct); y has x's rank with those dimensions set to 1. */
    void reduce(ReduceOp op, View x, int[] axes, View y);

    /** Index (INT64) of the first maximum ({@code max}) or minimum along {@code axis}; y keeps the axis with size 1. */
    void argReduce(boolean max, View x, int axis, View y);

    /**
     * Batched {@code c = op(a) · op(b)}: a is {@code [batch..., m, k]} ({@code [batch..., k, m]} when
     * transposed), b {@code [batch..., k, n]} ({@code [..., n, k]}), batch dimensions already
     * broadcast to c's; c is contiguous {@code [batch..., m, n]}.
     */
    void matmul(View a, boolean transA, View b, boolean transB, View c);

    // ---- convolution and pooling (NCHW) ------------------------------------------------------
    /** {@code y[n,k,p,q] = Σ_{c,r,s} x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s]}. */
    void conv2dForward(View x, View w, Conv2dParams p, View y);

    /** The adjoint of {@link #conv2dForward} in x: dx from dy and w. */
    void conv2dBackwardData(View dy, View w, Conv2dParams p, View dx);

    /** The gradient of conv2d in w: dw from x and dy. */
    void conv2dBackwardFilter(View x, View dy, Conv2dParams p, View dw);

    /** {@code db[k] = Σ_{n,p,q} dy[n,k,p,q]}. */
    void conv2dBackwardBias(View dy, View db);

    void pool2dForward(View x, Pool2dParams p, View y);

    void pool2dBackward(View x, View y, View dy, Pool2dParams p, View dx);

    /** {@code y = x·2} upsampled along H and W. */
    void upsample2x(UpsampleMode mode, View x, View y);

    void upsample2xBackward(UpsampleMode mode, View dy, View dx);

    // ---- normalisation, activations, dropout -------------------------------------------------
    /** Training forward; updates the running statistics in place and saves mean and 1/√(σ²+ε) per channel. */
    void batchNormForwardTraining(View x, View gamma, View beta, BatchNormParams p,
                                  View runningMean, View runningVar, View y, View saveMean, View saveInvStd);

    void batchNormForwardInference(View x, View gamma, View beta, View runningMean, View runningVar,
                                   double epsilon, View y);

    void batchNormBackward(View x, View dy, View gamma, View saveMean, View saveInvStd,
                           View dx, View dgamma, View dbeta);

    /** dx from dy and the forward input x and output y (see {@link ActivationOp} for which is read). */
    void activationBackward(ActivationOp op, View x, View y, View dy, double alpha, View dx);

    /** Numerically stable softmax (or log-softmax) along {@code axis}. */
    void softmax(View x, int axis, boolean log, View y);

    void softmaxBackward(View y, View dy, int axis, boolean log, View dx);

    /**
     * Inverted dropout: {@code mask = (u >= p) / (1 − p)} with u uniform from Philox keyed by
     * (seed, stream, element index); {@code y = x · mask}. The backward pass is {@code dy · mask}.
     */
    void dropout(View x, double p, long seed, long stream, View y, View mask);

    // ---- losses and lookups ------------------------------------------------------------------
    /**
     * Softmax cross-entropy of logits {@code [N, C]} with INT32/INT64 labels {@code [N]}. Writes the
     * loss (scalar, or {@code [N]} for {@link Reduction#NONE}) and, when {@code dlogits} is non-null,
     * the gradient of the (reduced) loss: {@code (softmax − target)/count}. Throws for a label
     * outside {@code [0, C)} that is not the ignore index.
     */
    void softmaxCrossEntropy(View logits, View labels, CrossEntropyParams p, View loss, View dlogits);

    /** {@code rows[i, :] = weight[indices[i], :]}; throws for an index outside {@code [0, V)}. */
    void embedding(View weight, View indices, View rows);

    /** {@code dweight[indices[i], :] += drows[i, :]}, correct for repeated indices; dweight is zeroed first. */
    void embeddingBackward(View indices, View drows, View dweight);

    // ---- recurrent (cuDNN v8 RNN API) ---------------------------------------------------------
    // Note [RNN primitives mirror cuDNN v8]
    // The three calls below are cudnnRNNForward, cudnnRNNBackwardData_v8 and
    // cudnnRNNBackwardWeights_v8 with the descriptors unpacked: RnnParams is the RNN descriptor,
    // x/y are SEQ_MAJOR_UNPACKED data descriptors [T, N, features] whose per-sequence lengths are
    // seqLengths (null = all T; the padding fill of y is 0), the weight list is the weight space
    // cut into its canonical matrices and biases, and the RnnReserve is the reserve space. Equations,
    // gate order, weight order and the dropout rule are on RnnParams. engine-api has checked every
    // shape, dtype and length (1 <= len <= T) before a call arrives.

    /**
     * Backend-owned state that a training forward hands to the backward calls (cuDNN's reserve
     * space). Opaque to callers; closed exactly once by its owner, after the last backward call.
     */
    interface RnnReserve extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Whole-sequence forward of a stacked, optionally bidirectional recurrent network.
     *
     * @param p the network (see {@link RnnParams} for the equations and the weight order)
     * @param training when true, dropout between layers is applied (if {@code p.dropout() > 0}) and a
     *                 reserve for the backward calls is returned; when false neither, and null is returned
     * @param dropoutStream Philox stream of this call's masks (the seed is {@code p.dropoutSeed()})
     * @param seqLengths host array of N lengths, each in {@code [1, T]}, or null for all T
     * @param x input {@code [T, N, inputSize]}
     * @param hx initial hidden state {@code [L·D, N, H]}, or null for zeros
     * @param cx initial cell state {@code [L·D, N, H]} (LSTM only), or null for zeros
     * @param weights {@code 4·L·D} views in the order {@code for l: for d: W_ih, W_hh, b_ih, b_hh};
     *                bias entries may be null (read as zero)
     * @param y output {@code [T, N, D·H]}, contiguous; zero past each sequence's end
     * @param hy final hidden state {@code [L·D, N, H]} (each sequence's own end), or null to skip
     * @param cy final cell state (LSTM), or null to skip
     * @return the reserve when {@code training}, else null
     */
    RnnReserve rnnForward(RnnParams p, boolean training, long dropoutStream, int[] seqLengths,
                          View x, View hx, View cx, View[] weights, View y, View hy, View cy);

    /**
     * Backpropagation through time for the data: {@code dx}, {@code dhx}, {@code dcx} from
     * {@code dy}, {@code dhy}, {@code dcy}. Must follow the {@link #rnnForward} (training) that made
     * {@code reserve}, and precede {@link #rnnBackwardWeights} (as in cuDNN, it leaves in the
     * reserve what the weight gradient needs). Gradients at padded steps of {@code dy} are ignored;
     * {@code dx} is written as zero there.
     *
     * @param y the forward output (read by backends that need it; the CPU backend uses the reserve)
     * @param dy gradient of y {@code [T, N, D·H]}
     * @param hx the forward's initial hidden state, or null (as passed to the forward)
     * @param dhy gradient of hy, or null for zero
     * @param cx the forward's initial cell state (LSTM), or null
     * @param dcy gradient of cy (LSTM), or null for zero
     * @param weights the forward's weight views
     * @param dx written: gradient of x {@code [T, N, inputSize]}, contiguous
     * @param dhx written: gradient of hx {@code [L·D, N, H]}, or null to skip
     * @param dcx written: gradient of cx (LSTM), or null to skip
     */
    void rnnBackwardData(RnnParams p, int[] seqLengths, RnnReserve reserve, View y, View dy,
                         View hx, View dhy, View cx, View dcy, View[] weights,
                         View dx, View dhx, View dcx);

    /**
     * Weight gradients, after {@link #rnnBackwardData} on the same reserve. WRITES (cuDNN's
     * {@code CUDNN_WGRAD_MODE_SET}): every non-null entry of {@code dweights} is overwritten, never
     * accumulated; callers allocate them and need not zero them.
     *
     * @param x the forward input {@code [T, N, inputSize]}
     * @param hx the forward's initial hidden state or null
     * @param y the forward output
     * @param dweights {@code 4·L·D} contiguous views in the weight order; an entry is null where no
     *                 gradient is wanted (and must be null where the forward's weight entry was null)
     */
    void rnnBackwardWeights(RnnParams p, int[] seqLengths, RnnReserve reserve, View x, View hx, View y,
                            View[] dweights);

    @Override
    default void close() {
    }
}
