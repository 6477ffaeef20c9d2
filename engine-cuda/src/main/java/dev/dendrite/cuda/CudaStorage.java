package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.spi.Storage;
import jcuda.driver.CUdeviceptr;

/** Device memory holding {@link #length()} elements of one dtype; an empty storage holds no block. */
final class CudaStorage implements Storage {
    final DType dtype;
    final int length;
    final CudaDevice.DeviceBlock block;
    private boolean freed;

    CudaStorage(DType dtype, int length, CudaDevice.DeviceBlock block) {
        this.dtype = dtype;
        this.length = length;
        this.block = block;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int length() {
        return length;
    }

    /** Device address of element {@code offset}. */
    long address(long offset) {
        checkLive();
        return block == null ? 0 : block.address + offset * dtype.byteSize();
    }

    /** JCuda pointer to element {@code offset} (for cuBLAS, cuDNN and copies). */
    CUdeviceptr pointer(long offset) {
        checkLive();
        if (block == null) return new CUdeviceptr();
        return offset == 0 ? block.pointer : block.pointer.withByteOffset(offset * dtype.byteSize());
    }

    boolean isFreed() {
        return freed;
    }

    void markFreed() {
        if (freed) throw new IllegalStateException("cuda: storage of " + length + " " + dtype.shortName() + " freed twice");
        freed = true;
    }

    private void checkLive() {
        if (freed) throw new IllegalStateException("cuda: storage of " + length + " " + dtype.shortName() + " used after free");
    }

    @Override
    public String toString() {
        return "CudaStorage[" + length + " " + dtype.shortName() + (block == null ? "" : " at " + block) + "]";
    }
}
