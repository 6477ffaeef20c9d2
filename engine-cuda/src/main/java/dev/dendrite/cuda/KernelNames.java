package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.kernels.KernelSources;
import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.ReduceOp;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.ops.UpsampleMode;

import java.util.Locale;

/**
 * The names of the kernels the backend launches, built in one place by the kernels contract's
 * rules ({@code <family>_<what>_<dt>}), so that a test can check every name against the catalog.
 */
final class KernelNames {
    private KernelNames() {
    }

    static String sfx(DType d) {
        return KernelSources.suffix(d.name());
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static String copy(DType src, DType dst) {
        return "copy_" + sfx(src) + "_" + sfx(dst);
    }

    static String fill(DType d) {
        return "fill_" + sfx(d);
    }

    static String arange(DType d) {
        return "arange_" + sfx(d);
    }

    static String randUniform(DType d) {
        return "rand_uniform_" + sfx(d);
    }

    static String randNormal(DType d) {
        return "rand_normal_" + sfx(d);
    }

    static String dropout(DType d) {
        return "dropout_" + sfx(d);
    }

    static String unary(UnaryOp op, DType d) {
        return "ew_" + lower(op) + "_" + sfx(d);
    }

    static String binary(BinaryOp op, DType d) {
        return "ew_" + lower(op) + "_" + sfx(d);
    }

    static String binaryScalar(BinaryOp op, DType d) {
        return "ew_" + lower(op) + "_scalar_" + sfx(d);
    }

    static String reduce(ReduceOp op, boolean serial, DType d) {
        return "reduce_" + lower(op) + (serial ? "_serial_" : "_") + sfx(d);
    }

    static String argReduce(boolean max, boolean serial, DType d) {
        return (max ? "argmax" : "argmin") + (serial ? "_serial_" : "_") + sfx(d);
    }

    static String indexCheck(DType index) {
        return "index_check_" + sfx(index);
    }

    static String embeddingForward(DType d, DType index) {
        return "embedding_fwd_" + sfx(d) + "_" + sfx(index);
    }

    static String embeddingBuckets(DType index) {
        return "embedding_bwd_buckets_" + sfx(index);
    }

    static String embeddingBackward(DType d) {
        return "embedding_bwd_" + sfx(d);
    }

    static String ceLabels(DType index) {
        return "ce_labels_" + sfx(index);
    }

    static String ceForward(DType d) {
        return "ce_fwd_" + sfx(d);
    }

    static String ceReduce(DType d) {
        return "ce_reduce_" + sfx(d);
    }

    static String upsample(UpsampleMode mode, boolean forward, DType d) {
        return "upsample2x_" + lower(mode) + (forward ? "_fwd_" : "_bwd_") + sfx(d);
    }

    static String activationBackward(ActivationOp op, DType d) {
        return "act_bwd_" + lower(op) + "_" + sfx(d);
    }
}
