package dev.dendrite.cuda.cudnn;

import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnPoolingDescriptor;

/** A cuDNN pooling descriptor from {@link CudnnParams.PoolParams}. */
public final class PoolingDescriptor extends CudnnDescriptor {
    private final cudnnPoolingDescriptor handle = new cudnnPoolingDescriptor();
    private final CudnnParams.PoolParams params;

    public PoolingDescriptor(CudnnParams.PoolParams p) {
        this.params = p;
        Cudnn.check(JCudnn.cudnnCreatePoolingDescriptor(handle), "cudnnCreatePoolingDescriptor", () -> "");
        setOrDestroy(() -> Cudnn.check(JCudnn.cudnnSetPoolingNdDescriptor(handle, p.mode(), p.nanPropagation(), p.window().length, p.window(),
                p.padding(), p.stride()), "cudnnSetPoolingNdDescriptor", p::toString));
    }

    public cudnnPoolingDescriptor handle() {
        checkOpen();
        return handle;
    }

    /** cuDNN's own output shape of pooling {@code x} ({@code cudnnGetPoolingNdForwardOutputDim}). */
    public int[] forwardOutputDim(TensorDescriptor x) {
        int[] out = new int[x.layout().rank()];
        Cudnn.check(JCudnn.cudnnGetPoolingNdForwardOutputDim(handle(), x.handle(), out.length, out), "cudnnGetPoolingNdForwardOutputDim",
                () -> "x " + x.layout() + ", " + params);
        return out;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyPoolingDescriptor(handle);
    }

    @Override
    String kind() {
        return "Pooling";
    }
}
