package dev.dendrite.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasStatus;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnStatus;
import jcuda.runtime.cudaStream_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * One GPU as the backend uses it: its primary context (made current on every thread that enters),
 * one stream, one cuBLAS and one cuDNN handle bound to that stream, the caching allocator, pinned
 * host staging for transfers, and the compiled kernels. Every driver, cuBLAS and cuDNN status is
 * checked here and turned into a {@link CudaException} naming the call, the device and the context.
 */
final class CudaDevice implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CudaDevice.class);

    /** Bytes of pinned host memory used to stage transfers; larger copies go through it in chunks. */
    static final int STAGING_BYTES = 8 << 20;
    /** Small device scratch for the kernels' status words. */
    static final int STATUS_INTS = 16;

    private static final ThreadLocal<CudaDevice> CURRENT = new ThreadLocal<>();

    final int ordinal;
    final String name;
    final int ccMajor, ccMinor, multiprocessors;
    final long totalBytes;
    final boolean allowTf32;
    final boolean syncAfterLaunch;

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final cublasHandle cublas = new cublasHandle();
    final cudnnHandle cudnn = new cudnnHandle();
    final CudaAllocator<DeviceBlock> allocator;
    final CudaModuleCache modules;
    private final Pointer staging = new Pointer();
    private final ByteBuffer stagingBuffer;
    private boolean closed;

    /** A block of device memory: the JCuda pointer and its address (kernel arguments take addresses). */
    static final class DeviceBlock {
        final CUdeviceptr pointer;
        final long address;
        final long bytes;

        DeviceBlock(CUdeviceptr pointer, long address, long bytes) {
            this.pointer = pointer;
            this.address = address;
            this.bytes = bytes;
        }

        @Override
        public String toString() {
            return "0x" + Long.toHexString(address) + "+" + bytes;
        }
    }

    /**
     * Opens GPU {@code ordinal}. The caller has checked that the driver, the device and the libraries
     * are there; whatever still fails is cleaned up and rethrown with the call that failed.
     */
    static CudaDevice open(int ordinal, boolean allowTf32, boolean syncAfterLaunch, long memoryLimit) {
        return new CudaDevice(ordinal, allowTf32, syncAfterLaunch, memoryLimit);
    }

    private CudaDevice(int ordinal, boolean allowTf32, boolean syncAfterLaunch, long memoryLimit) {
        this.ordinal = ordinal;
        this.allowTf32 = allowTf32;
        this.syncAfterLaunch = syncAfterLaunch;
        JCudaDriver.setExceptionsEnabled(false);
        checkDriver(JCudaDriver.cuInit(0), "cuInit", () -> "");
        int[] count = {0};
        checkDriver(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount", () -> "");
        if (ordinal < 0 || ordinal >= count[0])
            throw new IllegalArgumentException("cuda: no GPU " + ordinal + " (this machine has " + count[0] + ")");
        checkDriver(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet", () -> "ordinal " + ordinal);
        byte[] nameBytes = new byte[256];
        checkDriver(JCudaDriver.cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName", () -> "");
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) len++;
        this.name = new String(nameBytes, 0, len, StandardCharsets.UTF_8);
        this.ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] total = {0};
        checkDriver(JCudaDriver.cuDeviceTotalMem(total, device), "cuDeviceTotalMem", () -> "");
        this.totalBytes = total[0];

        // From here on resources exist: undo them on failure.
        int stage = 0;
        try {
            checkDriver(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain", () -> "");
            stage = 1;
            checkDriver(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent", () -> "");
            CURRENT.set(this);
            checkDriver(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate", () -> "");
            stage = 2;
            JCublas2.setExceptionsEnabled(false);
            // A failed cublasCreate leaves a garbage pointer in the handle: never destroy it (stage stays).
            checkCublas(JCublas2.cublasCreate(cublas), "cublasCreate", () -> "");
            stage = 3;
            checkCublas(JCublas2.cublasSetStream(cublas, new cudaStream_t(stream)), "cublasSetStream", () -> "");
            // Note [No silent TF32]: cuBLAS's default math never uses TF32; the TF32 mode is opt-in.
            int math = allowTf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH;
            checkCublas(JCublas2.cublasSetMathMode(cublas, math), "cublasSetMathMode", () -> "mode " + math);
            JCudnn.setExceptionsEnabled(false);
            checkCudnn(JCudnn.cudnnCreate(cudnn), "cudnnCreate", () -> "");
            stage = 4;
            checkCudnn(JCudnn.cudnnSetStream(cudnn, new cudaStream_t(stream)), "cudnnSetStream", () -> "");
            checkDriver(JCudaDriver.cuMemAllocHost(staging, STAGING_BYTES), "cuMemAllocHost", () -> STAGING_BYTES + " bytes of pinned staging");
            stage = 5;
            this.stagingBuffer = staging.getByteBuffer(0, STAGING_BYTES).order(ByteOrder.nativeOrder());
        } catch (RuntimeException e) {
            if (stage >= 5) JCudaDriver.cuMemFreeHost(staging);
            if (stage >= 4) JCudnn.cudnnDestroy(cudnn);
            if (stage >= 3) JCublas2.cublasDestroy(cublas);
            if (stage >= 2) JCudaDriver.cuStreamDestroy(stream);
            if (stage >= 1) JCudaDriver.cuDevicePrimaryCtxRelease(device);
            CURRENT.remove();
            throw e;
        }
        this.allocator = new CudaAllocator<>(new DriverMemory(), memoryLimit);
        this.modules = new CudaModuleCache(this);
        log.debug("Opened {}: {} SMs, {} bytes", describe(), multiprocessors, totalBytes);
    }

    private int attribute(int attr) {
        int[] v = {0};
        checkDriver(JCudaDriver.cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute", () -> "attribute " + attr);
        return v[0];
    }

    /** {@code GPU 0 (NVIDIA H100 80GB HBM3, sm_90)}. */
    String describe() {
        return "GPU " + ordinal + " (" + name + ", sm_" + ccMajor + ccMinor + ")";
    }

    /** Makes the primary context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (closed) throw new IllegalStateException("cuda: backend for " + describe() + " is closed");
        if (CURRENT.get() != this) {
            checkDriver(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent", () -> "");
            CURRENT.set(this);
        }
    }

    // ---- status checking ---------------------------------------------------------------------------

    private static String driverName(int status) {
        return CUresult.stringFor(status);
    }

    /** Throws for a failed driver call. */
    void checkDriver(int status, String call, Supplier<String> context) {
        if (status == CUresult.CUDA_SUCCESS) return;
        throw failure(call, status, driverName(status), context.get());
    }

    void checkCublas(int status, String call, Supplier<String> context) {
        if (status == cublasStatus.CUBLAS_STATUS_SUCCESS) return;
        throw failure(call, status, cublasStatus.stringFor(status), context.get());
    }

    void checkCudnn(int status, String call, Supplier<String> context) {
        if (status == cudnnStatus.CUDNN_STATUS_SUCCESS) return;
        throw failure(call, status, cudnnStatus.stringFor(status), context.get());
    }

    private CudaException failure(String call, int status, String statusName, String context) {
        String where = name == null ? "GPU " + ordinal : describe();
        String hint = isStickyError(statusName) && !syncAfterLaunch
                ? "; this may come from an earlier asynchronous launch: rerun with -Ddendrite.cuda.syncAfterLaunch=true to find it" : "";
        return new CudaException(call, status, statusName, call + " failed on " + where + ": " + statusName + " (" + status + ")"
                + (context == null || context.isEmpty() ? "" : " (" + context + ")") + hint);
    }

    /** Errors a kernel can leave behind that surface at a later, unrelated call. */
    private static boolean isStickyError(String statusName) {
        return statusName.contains("ILLEGAL_ADDRESS") || statusName.contains("LAUNCH_FAILED") || statusName.contains("MISALIGNED")
                || statusName.contains("ILLEGAL_INSTRUCTION") || statusName.contains("EXECUTION_FAILED") || statusName.contains("ASSERT")
                || statusName.contains("HARDWARE_STACK_ERROR") || statusName.contains("INVALID_PC");
    }

    /** Waits for the stream; errors of queued work surface here. */
    void synchronize(String where) {
        checkDriver(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize", () -> where);
    }

    // ---- kernels -----------------------------------------------------------------------------------

    /**
     * Launches one of our kernels on the stream. {@code context} describes shapes for the error
     * message; with {@code -Ddendrite.cuda.syncAfterLaunch=true} the stream is drained after every
     * launch, so an asynchronous fault is reported by the launch that caused it.
     */
    void launch(String kernel, LaunchGeometry g, KernelArgs args, Supplier<String> context) {
        makeCurrent();
        CUfunction f = modules.function(kernel);
        int status = JCudaDriver.cuLaunchKernel(f, g.grid()[0], g.grid()[1], g.grid()[2], g.block()[0], g.block()[1], g.block()[2],
                g.sharedBytes(), stream, args.pointer(), null);
        checkDriver(status, "cuLaunchKernel(" + kernel + ")", () -> g + ", " + context.get());
        if (syncAfterLaunch) {
            int s = JCudaDriver.cuStreamSynchronize(stream);
            checkDriver(s, "kernel " + kernel + " (synchronised after launch)", () -> g + ", " + context.get());
        }
    }

    /** After a cuBLAS/cuDNN call: with syncAfterLaunch, drain the stream so a fault is blamed on that call. */
    void afterLibraryCall(String call, Supplier<String> context) {
        if (syncAfterLaunch) checkDriver(JCudaDriver.cuStreamSynchronize(stream), call + " (synchronised after the call)", context);
    }

    // ---- memory ------------------------------------------------------------------------------------

    DeviceBlock allocate(long bytes, String what) {
        makeCurrent();
        return allocator.allocate(bytes, what);
    }

    void free(DeviceBlock block) {
        allocator.free(block);
    }

    /** Native address of a JCuda pointer object (JCuda keeps it protected; kernel arguments need it). */
    static long address(NativePointerObject p) {
        return AddressHolder.address(p);
    }

    private static final class AddressHolder {
        private static final Method NATIVE_POINTER;

        static {
            try {
                NATIVE_POINTER = NativePointerObject.class.getDeclaredMethod("getNativePointer");
                NATIVE_POINTER.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cuda: cannot read JCuda's native pointers (" + e + "); is jcuda on the module path?", e);
            }
        }

        static long address(NativePointerObject p) {
            try {
                return (long) NATIVE_POINTER.invoke(p);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cuda: cannot read a JCuda native pointer", e);
            }
        }
    }

    /** The allocator's device side: cuMemAlloc/cuMemFree on this context. */
    private final class DriverMemory implements CudaAllocator.Memory<DeviceBlock> {
        @Override
        public DeviceBlock allocate(long bytes) {
            CUdeviceptr p = new CUdeviceptr();
            int status = JCudaDriver.cuMemAlloc(p, bytes);
            if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return null;
            checkDriver(status, "cuMemAlloc", () -> bytes + " bytes");
            return new DeviceBlock(p, address(p), bytes);
        }

        @Override
        public void release(DeviceBlock block) {
            checkDriver(JCudaDriver.cuMemFree(block.pointer), "cuMemFree", block::toString);
        }

        @Override
        public void synchronize() {
            CudaDevice.this.synchronize("releasing cached device memory");
        }

        @Override
        public long[] info() {
            long[] free = {0}, total = {0};
            if (JCudaDriver.cuMemGetInfo(free, total) != CUresult.CUDA_SUCCESS) return new long[]{-1, totalBytes};
            return new long[]{free[0], total[0]};
        }

        @Override
        public String describe() {
            return CudaDevice.this.describe();
        }
    }

    // ---- host transfers ----------------------------------------------------------------------------

    /**
     * Copies {@code length} elements of a host array (float[], double[], int[], long[]) to device
     * memory at {@code dst}, through the pinned staging buffer, and waits: the host array may change
     * as soon as this returns.
     */
    synchronized void upload(Object host, int srcOffset, CUdeviceptr dst, int elementBytes, int length) {
        makeCurrent();
        int chunk = STAGING_BYTES / elementBytes;
        for (int done = 0; done < length; done += chunk) {
            int n = Math.min(chunk, length - done);
            stagingBuffer.clear();
            if (host instanceof float[] a) stagingBuffer.asFloatBuffer().put(a, srcOffset + done, n);
            else if (host instanceof double[] a) stagingBuffer.asDoubleBuffer().put(a, srcOffset + done, n);
            else if (host instanceof int[] a) stagingBuffer.asIntBuffer().put(a, srcOffset + done, n);
            else if (host instanceof long[] a) stagingBuffer.asLongBuffer().put(a, srcOffset + done, n);
            else throw new IllegalArgumentException("cuda: unsupported host array " + host.getClass().getSimpleName());
            long bytes = (long) n * elementBytes;
            long off = (long) done * elementBytes;
            checkDriver(JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset(off), staging, bytes, stream), "cuMemcpyHtoDAsync",
                    () -> bytes + " bytes");
            synchronize("host-to-device copy of " + bytes + " bytes");
        }
    }

    /** Copies {@code length} elements from device memory to a host array, waiting for all queued work first. */
    synchronized void download(CUdeviceptr src, int elementBytes, Object host, int dstOffset, int length) {
        makeCurrent();
        int chunk = STAGING_BYTES / elementBytes;
        for (int done = 0; done < length; done += chunk) {
            int n = Math.min(chunk, length - done);
            long bytes = (long) n * elementBytes;
            long off = (long) done * elementBytes;
            checkDriver(JCudaDriver.cuMemcpyDtoHAsync(staging, src.withByteOffset(off), bytes, stream), "cuMemcpyDtoHAsync",
                    () -> bytes + " bytes");
            synchronize("device-to-host copy of " + bytes + " bytes");
            stagingBuffer.clear();
            if (host instanceof float[] a) stagingBuffer.asFloatBuffer().get(a, dstOffset + done, n);
            else if (host instanceof double[] a) stagingBuffer.asDoubleBuffer().get(a, dstOffset + done, n);
            else if (host instanceof int[] a) stagingBuffer.asIntBuffer().get(a, dstOffset + done, n);
            else if (host instanceof long[] a) stagingBuffer.asLongBuffer().get(a, dstOffset + done, n);
            else throw new IllegalArgumentException("cuda: unsupported host array " + host.getClass().getSimpleName());
        }
    }

    /** Queues a device-to-device copy of {@code bytes}. */
    void copyDeviceToDevice(CUdeviceptr dst, CUdeviceptr src, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        checkDriver(JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream), "cuMemcpyDtoDAsync", () -> bytes + " bytes");
    }

    /** Queues zeroing {@code bytes} (a multiple of 4) of device memory. */
    void zero(CUdeviceptr dst, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        if (bytes % 4 != 0) throw new IllegalArgumentException("cuda: zeroing " + bytes + " bytes, not a multiple of 4");
        checkDriver(JCudaDriver.cuMemsetD32Async(dst, 0, bytes / 4, stream), "cuMemsetD32Async", () -> bytes + " bytes");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        makeCurrent();
        try {
            synchronize("closing the backend");
        } finally {
            closed = true;
            modules.close();
            int leaked = allocator.close();
            if (leaked > 0) log.warn("{}: {} device blocks were still live at close", describe(), leaked);
            JCudaDriver.cuMemFreeHost(staging);
            JCudnn.cudnnDestroy(cudnn);
            JCublas2.cublasDestroy(cublas);
            JCudaDriver.cuStreamDestroy(stream);
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            CURRENT.remove();
        }
    }
}
