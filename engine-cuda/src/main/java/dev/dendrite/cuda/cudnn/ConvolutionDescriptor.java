package dev.dendrite.cuda.cudnn;

import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionDescriptor;

import java.util.Arrays;

/** A cuDNN convolution descriptor: geometry, groups and math type from {@link CudnnParams.ConvParams}. */
public final class ConvolutionDescriptor extends CudnnDescriptor {
    private final cudnnConvolutionDescriptor handle = new cudnnConvolutionDescriptor();
    private final CudnnParams.ConvParams params;

    public ConvolutionDescriptor(CudnnParams.ConvParams p) {
        this.params = p;
        Cudnn.check(JCudnn.cudnnCreateConvolutionDescriptor(handle), "cudnnCreateConvolutionDescriptor", () -> "");
        setOrDestroy(() -> {
            Cudnn.check(JCudnn.cudnnSetConvolutionNdDescriptor(handle, p.pad().length, p.pad(), p.stride(), p.dilation(), p.mode(), p.computeType()),
                    "cudnnSetConvolutionNdDescriptor", () -> "pad " + Arrays.toString(p.pad()) + ", stride " + Arrays.toString(p.stride())
                            + ", dilation " + Arrays.toString(p.dilation()) + ", mode " + p.mode() + ", compute type " + p.computeType());
            Cudnn.check(JCudnn.cudnnSetConvolutionGroupCount(handle, p.groups()), "cudnnSetConvolutionGroupCount", () -> "groups " + p.groups());
            Cudnn.check(JCudnn.cudnnSetConvolutionMathType(handle, p.mathType()), "cudnnSetConvolutionMathType", () -> "math type " + p.mathType());
        });
    }

    public cudnnConvolutionDescriptor handle() {
        checkOpen();
        return handle;
    }

    /** Changes the math type (cuDNN 8 wants the one the chosen algorithm was rated with). */
    public void setMathType(int mathType) {
        Cudnn.check(JCudnn.cudnnSetConvolutionMathType(handle(), mathType), "cudnnSetConvolutionMathType", () -> "math type " + mathType);
    }

    public CudnnParams.ConvParams params() {
        return params;
    }

    /** cuDNN's own output shape for this convolution of {@code x} with filter {@code w} ({@code cudnnGetConvolutionNdForwardOutputDim}). */
    public int[] forwardOutputDim(TensorDescriptor x, FilterDescriptor w) {
        int[] out = new int[x.layout().rank()];
        Cudnn.check(JCudnn.cudnnGetConvolutionNdForwardOutputDim(handle(), x.handle(), w.handle(), out.length, out),
                "cudnnGetConvolutionNdForwardOutputDim", () -> "x " + x.layout() + ", w " + Arrays.toString(w.dims()) + ", " + params);
        return out;
    }

    @Override
    int destroy() {
        return JCudnn.cudnnDestroyConvolutionDescriptor(handle);
    }

    @Override
    String kind() {
        return "Convolution";
    }
}
