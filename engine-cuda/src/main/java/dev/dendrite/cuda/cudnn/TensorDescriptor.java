package dev.dendrite.cuda.cudnn;

import dev.dendrite.DType;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnTensorDescriptor;

import java.util.Arrays;

/** A cuDNN Nd tensor descriptor ({@code cudnnSetTensorNdDescriptor}) for a strided tensor of ≥ 4 dimensions. */
public final class TensorDescriptor extends CudnnDescriptor {
    private final cudnnTensorDescriptor handle = new cudnnTensorDescriptor();
    private final CudnnParams.TensorLayout layout;

    /** Describes {@code layout} (see {@link CudnnParams#tensor}) holding elements of {@code dtype}. */
    public TensorDescriptor(DType dtype, CudnnParams.TensorLayout layout) {
        this.layout = layout;
        int dt = CudnnParams.dataType(dtype);
        Cudnn.check(JCudnn.cudnnCreateTensorDescriptor(handle), "cudnnCreateTensorDescriptor", () -> "");
        setOrDestroy(() -> Cudnn.check(JCudnn.cudnnSetTensorNdDescriptor(handle, dt, layout.rank(), layout.dims(), layout.strides()),
                "cudnnSetTensorNdDescriptor", () -> dtype.shortName() + ", " + layout));
    }

    /** A dense row-major tensor of this shape (ranks below 4 padded). */
    public static TensorDescriptor packed(DType dtype, int... shape) {
        return new TensorDescriptor(dtype, CudnnParams.packed(shape));
    }

    /**
     * Exactly these dimensions and strides, no padding: cuDNN's RNN API wants its state tensors
     * {@code [L·D, N, H]} as 3-D descriptors.
     */
    public static TensorDescriptor exact(DType dtype, int[] dims, int[] strides) {
        return new TensorDescriptor(dtype, new CudnnParams.TensorLayout(dims.clone(), strides.clone()));
    }

    public cudnnTensorDescriptor handle() {
        checkOpen();
        return handle;
    }

    public CudnnParams.TensorLayout layout() {
        return layout;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyTensorDescriptor(handle);
    }

    @Override
    String kind() {
        return "Tensor";
    }

    @Override
    public String toString() {
        return "TensorDescriptor(" + Arrays.toString(layout.dims()) + ")";
    }
}
