package dev.dendrite.cuda.cudnn;

import dev.dendrite.DType;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnTensorFormat;

import java.util.Arrays;

/** A cuDNN filter descriptor for convolution weights {@code [K, C/groups, R, S]}, NCHW. */
public final class FilterDescriptor extends CudnnDescriptor {
    private final cudnnFilterDescriptor handle = new cudnnFilterDescriptor();
    private final int[] dims;

    public FilterDescriptor(DType dtype, int[] weightShape) {
        this.dims = CudnnParams.filter(weightShape);
        int dt = CudnnParams.dataType(dtype);
        Cudnn.check(JCudnn.cudnnCreateFilterDescriptor(handle), "cudnnCreateFilterDescriptor", () -> "");
        setOrDestroy(() -> Cudnn.check(JCudnn.cudnnSetFilterNdDescriptor(handle, dt, cudnnTensorFormat.CUDNN_TENSOR_NCHW, dims.length, dims),
                "cudnnSetFilterNdDescriptor", () -> dtype.shortName() + ", NCHW, dims " + Arrays.toString(dims)));
    }

    public cudnnFilterDescriptor handle() {
        checkOpen();
        return handle;
    }

    public int[] dims() {
        return dims.clone();
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyFilterDescriptor(handle);
    }

    @Override
    String kind() {
        return "Filter";
    }
}
