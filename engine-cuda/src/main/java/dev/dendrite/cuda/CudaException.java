package dev.dendrite.cuda;

/**
 * A failed CUDA, cuBLAS, cuDNN or NVRTC call, with the context JCuda's own exception lacks: the
 * call, its arguments (kernel, launch geometry, shapes), the device, and the library's status by
 * name and number, e.g.
 * {@code cuLaunchKernel(ew_add_f32) failed on GPU 0 (H100, sm_90): CUDA_ERROR_INVALID_VALUE (1) (grid=[4096], block=[256], n=1048576)}.
 *
 * <p>Note [JCuda status codes, not JCuda exceptions]
 * Every JCuda library runs with exceptions disabled and every call's status is checked here: a
 * status carries a number we can report and compare (the probe needs {@code cudaGetDeviceCount}'s
 * 35), while JCuda's exception carries only the status name, no call arguments.
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int status;
    private final String statusName;

    public CudaException(String call, int status, String statusName, String message) {
        super(message);
        this.call = call;
        this.status = status;
        this.statusName = statusName;
    }

    /** The failing call, e.g. {@code cudnnSetTensorNdDescriptor}. */
    public String call() {
        return call;
    }

    /** The library's numeric status. */
    public int status() {
        return status;
    }

    /** The status's name, e.g. {@code CUDNN_STATUS_BAD_PARAM}. */
    public String statusName() {
        return statusName;
    }
}
