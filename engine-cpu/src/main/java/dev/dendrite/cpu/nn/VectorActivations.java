package dev.dendrite.cpu.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops for {@link ActivationKernels}. Only called after {@code Gemm.isVectorized()} has
 * confirmed that {@code jdk.incubator.vector} is readable (Note [Loading the vector kernel] in
 * {@code Gemm}); the results equal the scalar loops' exactly (selects and no arithmetic).
 */
final class VectorActivations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorActivations() {
    }

    /**
     * ReLU's gradient {@code dx[i] = x[i] > 0 ? dy[i] : 0} for {@code i} in {@code [from, to)}: a
     * select, where the scalar loop's data-dependent branch is mispredicted for half of random-signed x.
     */
    static void reluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int from, int to) {
        FloatVector zero = FloatVector.zero(S);
        int i = from, bound = from + S.loopBound(to - from);
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            zero.blend(FloatVector.fromArray(S, dy, dyOff + i), xv.compare(VectorOperators.GT, 0f)).intoArray(dx, dxOff + i);
        }
        for (; i < to; i++) dx[dxOff + i] = x[xOff + i] > 0 ? dy[dyOff + i] : 0;
    }
}
