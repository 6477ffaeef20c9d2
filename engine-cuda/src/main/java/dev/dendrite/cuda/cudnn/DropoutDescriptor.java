package dev.dendrite.cuda.cudnn;

import jcuda.Pointer;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnDropoutDescriptor;
import jcuda.jcudnn.cudnnHandle;

/**
 * A cuDNN dropout descriptor. The engine never uses cuDNN's dropout (its masks cannot match the
 * Philox masks every backend shares, see {@code RnnParams}); RNN descriptors get one that is created
 * and either left unset or set to probability 0, which {@code cudnnSetRNNDescriptor_v8} accepts.
 * Setting one needs a live cuDNN handle and device memory for the generator states.
 */
public final class DropoutDescriptor extends CudnnDescriptor {
    private final cudnnDropoutDescriptor handle = new cudnnDropoutDescriptor();

    public DropoutDescriptor() {
        Cudnn.check(JCudnn.cudnnCreateDropoutDescriptor(handle), "cudnnCreateDropoutDescriptor", () -> "");
    }

    /** {@code cudnnSetDropoutDescriptor}: probability {@code p}, generator states in {@code states} (device memory). */
    public DropoutDescriptor set(cudnnHandle cudnn, float p, Pointer states, long stateBytes, long seed) {
        Cudnn.check(JCudnn.cudnnSetDropoutDescriptor(handle(), cudnn, p, states, stateBytes, seed), "cudnnSetDropoutDescriptor",
                () -> "dropout " + p + ", " + stateBytes + " state bytes, seed " + seed);
        return this;
    }

    public cudnnDropoutDescriptor handle() {
        checkOpen();
        return handle;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyDropoutDescriptor(handle);
    }

    @Override
    String kind() {
        return "Dropout";
    }
}
