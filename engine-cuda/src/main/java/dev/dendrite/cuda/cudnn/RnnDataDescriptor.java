package dev.dendrite.cuda.cudnn;

import jcuda.Pointer;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnRNNDataDescriptor;

/**
 * A cuDNN RNN data descriptor ({@code cudnnSetRNNDataDescriptor}). Never read back with
 * {@code cudnnGetRNNDataDescriptor}: JCudnn 11.7.0's binding of it always returns BAD_PARAM.
 */
public final class RnnDataDescriptor extends CudnnDescriptor {
    private final cudnnRNNDataDescriptor handle = new cudnnRNNDataDescriptor();
    private final CudnnParams.RnnDataParams params;

    public RnnDataDescriptor(CudnnParams.RnnDataParams p) {
        this.params = p;
        // The padding fill is read through a pointer of the data type.
        Pointer fill = p.dataType() == cudnnDataType.CUDNN_DATA_DOUBLE ? Pointer.to(new double[]{p.paddingFill()})
                : Pointer.to(new float[]{(float) p.paddingFill()});
        Cudnn.check(JCudnn.cudnnCreateRNNDataDescriptor(handle), "cudnnCreateRNNDataDescriptor", () -> "");
        setOrDestroy(() -> Cudnn.check(JCudnn.cudnnSetRNNDataDescriptor(handle, p.dataType(), p.layout(), p.maxSeqLength(), p.batchSize(),
                p.vectorSize(), p.seqLengths(), fill), "cudnnSetRNNDataDescriptor", p::toString));
    }

    public cudnnRNNDataDescriptor handle() {
        checkOpen();
        return handle;
    }

    public CudnnParams.RnnDataParams params() {
        return params;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyRNNDataDescriptor(handle);
    }

    @Override
    String kind() {
        return "RNNData";
    }
}
