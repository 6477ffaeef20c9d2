package dev.dendrite.cuda.cudnn;

import dev.dendrite.cuda.CudaException;
import jcuda.jcudnn.cudnnStatus;

import java.util.function.Supplier;

/** Status checking for cuDNN calls (see Note [JCuda status codes, not JCuda exceptions]). */
public final class Cudnn {
    private Cudnn() {
    }

    /**
     * Throws a {@link CudaException} naming the call and its arguments unless {@code status} is
     * {@code CUDNN_STATUS_SUCCESS}.
     *
     * @param arguments the call's arguments for the message, computed only on failure
     */
    public static void check(int status, String call, Supplier<String> arguments) {
        if (status == cudnnStatus.CUDNN_STATUS_SUCCESS) return;
        String name = cudnnStatus.stringFor(status);
        throw new CudaException(call, status, name, call + "(" + arguments.get() + ") failed: " + name + " (" + status + ")");
    }
}
