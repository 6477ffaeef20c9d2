package dev.dendrite.cuda.cudnn;

import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnRNNDescriptor;

/** A cuDNN v8 RNN descriptor ({@code cudnnSetRNNDescriptor_v8}) from {@link CudnnParams.RnnDescriptorParams}. */
public final class RnnDescriptor extends CudnnDescriptor {
    private final cudnnRNNDescriptor handle = new cudnnRNNDescriptor();
    private final CudnnParams.RnnDescriptorParams params;

    /**
     * @param dropout a created (possibly unset) dropout descriptor, or null: the engine applies its
     *                own dropout between layers, so cuDNN's is never active
     */
    public RnnDescriptor(CudnnParams.RnnDescriptorParams p, DropoutDescriptor dropout) {
        this.params = p;
        Cudnn.check(JCudnn.cudnnCreateRNNDescriptor(handle), "cudnnCreateRNNDescriptor", () -> "");
        setOrDestroy(() -> Cudnn.check(JCudnn.cudnnSetRNNDescriptor_v8(handle, p.algo(), p.cellMode(), p.biasMode(), p.dirMode(), p.inputMode(),
                        p.dataType(), p.mathPrec(), p.mathType(), p.inputSize(), p.hiddenSize(), p.projSize(), p.numLayers(),
                        dropout == null ? null : dropout.handle(), p.auxFlags()),
                "cudnnSetRNNDescriptor_v8", p::toString));
    }

    public cudnnRNNDescriptor handle() {
        checkOpen();
        return handle;
    }

    public CudnnParams.RnnDescriptorParams params() {
        return params;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyRNNDescriptor(handle);
    }

    @Override
    String kind() {
        return "RNN";
    }
}
