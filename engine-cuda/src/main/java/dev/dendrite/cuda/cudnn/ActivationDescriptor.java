package dev.dendrite.cuda.cudnn;

import dev.dendrite.ops.ActivationOp;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnActivationDescriptor;

/** A cuDNN activation descriptor for the activations cuDNN has (see {@link CudnnParams#activationMode}). */
public final class ActivationDescriptor extends CudnnDescriptor {
    private final cudnnActivationDescriptor handle = new cudnnActivationDescriptor();

    public ActivationDescriptor(ActivationOp op, double alpha) {
        int mode = CudnnParams.activationMode(op);
        if (mode < 0) throw new IllegalArgumentException("cuDNN has no activation " + op + " (computed by our kernels instead)");
        double coef = CudnnParams.activationCoef(op, alpha);
        Cudnn.check(JCudnn.cudnnCreateActivationDescriptor(handle), "cudnnCreateActivationDescriptor", () -> "");
        setOrDestroy(() -> Cudnn.check(JCudnn.cudnnSetActivationDescriptor(handle, mode, CudnnParams.NAN_PROPAGATION, coef),
                "cudnnSetActivationDescriptor", () -> op + " (mode " + mode + "), coef " + coef));
    }

    public cudnnActivationDescriptor handle() {
        checkOpen();
        return handle;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyActivationDescriptor(handle);
    }

    @Override
    String kind() {
        return "Activation";
    }
}
