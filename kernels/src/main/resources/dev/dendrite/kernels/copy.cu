// copy.cu — layout and creation: strided copy with dtype conversion, fill, arange.
//
// Kernels (S, D, T ∈ f32 f64 i32 i64):
//   copy_<S>_<D>(int n, int rank, dd_dims shape, dd_dims srcStrides, dd_dims dstStrides, const S* src, D* dst)
//   fill_<T>(int n, T value, T* dst)
//   arange_<T>(int n, double start, double step, T* dst)
//
// Launch geometry: 1-D grid-stride over n elements; block 256, grid min(ceil(n/256), 4096) (any grid
// is correct). No shared memory. Never launched with n == 0.
//
// Layout: copy walks dst's shape in row-major order; element i is read at Σ idx_d·srcStrides[d] and
// written at Σ idx_d·dstStrides[d] (strides in elements, 0 = broadcast on the source side). dst may be
// a non-contiguous window (concatenation, slice assignment). fill and arange write contiguous dst.
//
// Semantics (CpuBackend.copy/fill/arange): a floating source goes through double and is stored with
// Java's casts — (float) rounds to nearest, (int)/(long) truncate toward zero, saturate, NaN → 0; an
// integer source goes through long — (int) keeps the low 32 bits, (float)/(double) round to nearest.
// fill's value is converted by the host with the same casts. arange computes start + i·step in double
// with one rounding per operation (never fused), then casts.

#include "dd_common.cuh"

template <typename S> __device__ __forceinline__ bool dd_is_floating();
template <> __device__ __forceinline__ bool dd_is_floating<float>() { return true; }
template <> __device__ __forceinline__ bool dd_is_floating<double>() { return true; }
template <> __device__ __forceinline__ bool dd_is_floating<int>() { return false; }
template <> __device__ __forceinline__ bool dd_is_floating<long long>() { return false; }

template <typename S, typename D> __device__ __forceinline__ D dd_convert(S v) {
    if (dd_is_floating<S>()) return dd_from_double<D>((double)v);
    return dd_from_long<D>((long long)v);
}

template <typename S, typename D>
__device__ __forceinline__ void dd_copy(int n, int rank, const dd_dims& shape, const dd_dims& ss, const dd_dims& ds,
                                        const S* src, D* dst) {
    DD_GRID_STRIDE(i, n) {
        int so, dof;
        dd_offset2((int)i, rank, shape, ss, ds, so, dof);
        dst[dof] = dd_convert<S, D>(src[so]);
    }
}

#define DD_COPY(SN, S, DN, D)                                                                                   \
    extern "C" __global__ void copy_##SN##_##DN(int n, int rank, dd_dims shape, dd_dims srcStrides,            \
                                                dd_dims dstStrides, const S* src, D* dst) {                     \
        dd_copy<S, D>(n, rank, shape, srcStrides, dstStrides, src, dst);                                        \
    }

#define DD_COPY_FROM(SN, S)          \
    DD_COPY(SN, S, f32, float)       \
    DD_COPY(SN, S, f64, double)      \
    DD_COPY(SN, S, i32, int)         \
    DD_COPY(SN, S, i64, long long)

DD_COPY_FROM(f32, float)
DD_COPY_FROM(f64, double)
DD_COPY_FROM(i32, int)
DD_COPY_FROM(i64, long long)

#define DD_FILL(TN, T)                                                      \
    extern "C" __global__ void fill_##TN(int n, T value, T* dst) {          \
        DD_GRID_STRIDE(i, n) dst[i] = value;                                \
    }                                                                       \
    extern "C" __global__ void arange_##TN(int n, double start, double step, T* dst) { \
        DD_GRID_STRIDE(i, n) dst[i] = dd_from_double<T>(dd_add(start, dd_mul((double)(int)i, step))); \
    }

DD_FILL(f32, float)
DD_FILL(f64, double)
DD_FILL(i32, int)
DD_FILL(i64, long long)
