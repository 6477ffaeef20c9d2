// softmax.cu — Backend.softmax / softmaxBackward along one axis, an alternative to cuDNN's softmax with
// the CPU backend's exact conventions.
//
// The tensor is viewed as [outer, axisLen, inner] (outer = product of the dims before the axis, inner =
// product of those after). log != 0 selects log-softmax.
// Kernels (T ∈ f32 f64):
//   inner == 1 (each softmax is a contiguous row):
//     softmax_fwd_rows_<T>(int outer, int axisLen, int log, const T* x, T* y)
//     softmax_bwd_rows_<T>(int outer, int axisLen, int log, const T* y, const T* dy, T* dx)
//   inner > 1 (columns spaced inner apart):
//     softmax_fwd_cols_<T>(int outer, int axisLen, int inner, int log, const T* x, T* y)
//     softmax_bwd_cols_<T>(int outer, int axisLen, int inner, int log, const T* y, const T* dy, T* dx)
//
// Launch geometry:
//   *_rows_*: ONE BLOCK PER ROW, grid = outer (the kernel loops blockIdx.x += gridDim.x), block 256
//     (multiple of 32 up to 1024); static shared memory only.
//   *_cols_*: ONE THREAD PER COLUMN, 1-D grid-stride over outer·inner; block 256, grid
//     min(ceil(outer·inner/256), 4096); neighbouring threads read neighbouring elements (coalesced).
//   Skip the launch when any of outer, axisLen, inner is 0 (nothing to write).
//
// Layout: x, y, dy, dx contiguous [outer, axisLen, inner]; y may be the same buffer as x, dx as dy.
//
// Semantics (SoftmaxKernels of the CPU backend): M = max (Math.max, NaN propagates); sums in double;
//   softmax:      y = e^(x − M) / Σ e^(x − M); for f32, e is stored as float first and then scaled by
//                 1/Σ (Σ of the unrounded e) — the CPU's two-rounding convention;
//   log-softmax:  y = x − (M + log Σ e^(x − M));
//   backward:     softmax dx = y·(dy − Σ dy·y), log-softmax dx = dy − e^y·Σ dy.
// The cols kernels walk each column in order like the CPU (bit-identical up to libm's exp/log); the rows
// kernels sum in a tree order fixed by the block size.

#include "dd_common.cuh"

template <typename T>
__device__ __forceinline__ void dd_softmax_fwd_rows(int outer, int axisLen, int log_, const T* x, T* y) {
    for (int r = blockIdx.x; r < outer; r += gridDim.x) {
        const T* xr = x + (long long)r * axisLen;
        T* yr = y + (long long)r * axisLen;
        double m = -dd_inf();
        for (int a = threadIdx.x; a < axisLen; a += blockDim.x) m = dd_jmax(m, (double)xr[a]);
        m = dd_block_jmax(m);
        double s = 0;
        if (log_) {
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x) s += exp((double)xr[a] - m);
            s = dd_block_sum<double>(s);
            const double lse = m + log(s);
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x) yr[a] = (T)((double)xr[a] - lse);
        } else {
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x) {
                const double e = exp((double)xr[a] - m);
                yr[a] = (T)e;
                s += e;
            }
            s = dd_block_sum<double>(s);
            const double inv = 1 / s;
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x) yr[a] = (T)((double)yr[a] * inv);
        }
    }
}

template <typename T>
__device__ __forceinline__ void dd_softmax_bwd_rows(int outer, int axisLen, int log_, const T* y, const T* dy, T* dx) {
    for (int r = blockIdx.x; r < outer; r += gridDim.x) {
        const long long base = (long long)r * axisLen;
        double s = 0;
        if (log_) {
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x) s += (double)dy[base + a];
            s = dd_block_sum<double>(s);
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x)
                dx[base + a] = (T)dd_sub((double)dy[base + a], dd_mul(exp((double)y[base + a]), s));
        } else {
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x) s = dd_add(s, dd_mul((double)dy[base + a], (double)y[base + a]));
            s = dd_block_sum<double>(s);
            for (int a = threadIdx.x; a < axisLen; a += blockDim.x)
                dx[base + a] = (T)((double)y[base + a] * ((double)dy[base + a] - s));
        }
    }
}

template <typename T>
__device__ __forceinline__ void dd_softmax_fwd_cols(int outer, int axisLen, int inner, int log_, const T* x, T* y) {
    const long long columns = (long long)outer * inner;
    DD_GRID_STRIDE(c, columns) {
        const long long o = c / inner, i = c - o * inner;
        const long long base = o * axisLen * inner + i;
        double m = -dd_inf();
        for (int a = 0; a < axisLen; ++a) m = dd_jmax(m, (double)x[base + (long long)a * inner]);
        double s = 0;
        if (log_) {
            for (int a = 0; a < axisLen; ++a) s += exp((double)x[base + (long long)a * inner] - m);
            const double lse = m + log(s);
            for (int a = 0; a < axisLen; ++a) y[base + (long long)a * inner] = (T)((double)x[base + (long long)a * inner] - lse);
        } else {
            for (int a = 0; a < axisLen; ++a) {
                const double e = exp((double)x[base + (long long)a * inner] - m);
                y[base + (long long)a * inner] = (T)e;
                s += e;
            }
            const double inv = 1 / s;
            for (int a = 0; a < axisLen; ++a) y[base + (long long)a * inner] = (T)((double)y[base + (long long)a * inner] * inv);
        }
    }
}

template <typename T>
__device__ __forceinline__ void dd_softmax_bwd_cols(int outer, int axisLen, int inner, int log_, const T* y, const T* dy,
                                                    T* dx) {
    const long long columns = (long long)outer * inner;
    DD_GRID_STRIDE(c, columns) {
        const long long o = c / inner, i = c - o * inner;
        const long long base = o * axisLen * inner + i;
        double s = 0;
        if (log_) {
            for (int a = 0; a < axisLen; ++a) s += (double)dy[base + (long long)a * inner];
            for (int a = 0; a < axisLen; ++a) {
                const long long k = base + (long long)a * inner;
                dx[k] = (T)dd_sub((double)dy[k], dd_mul(exp((double)y[k]), s));
            }
        } else {
            for (int a = 0; a < axisLen; ++a) {
                const long long k = base + (long long)a * inner;
                s = dd_add(s, dd_mul((double)dy[k], (double)y[k]));
            }
            for (int a = 0; a < axisLen; ++a) {
                const long long k = base + (long long)a * inner;
                dx[k] = (T)((double)y[k] * ((double)dy[k] - s));
            }
        }
    }
}

#define DD_SOFTMAX(TN, T)                                                                                          \
    extern "C" __global__ void softmax_fwd_rows_##TN(int outer, int axisLen, int log, const T* x, T* y) {         \
        dd_softmax_fwd_rows<T>(outer, axisLen, log, x, y);                                                         \
    }                                                                                                              \
    extern "C" __global__ void softmax_bwd_rows_##TN(int outer, int axisLen, int log, const T* y, const T* dy,    \
                                                     T* dx) {                                                      \
        dd_softmax_bwd_rows<T>(outer, axisLen, log, y, dy, dx);                                                    \
    }                                                                                                              \
    extern "C" __global__ void softmax_fwd_cols_##TN(int outer, int axisLen, int inner, int log, const T* x,      \
                                                     T* y) {                                                       \
        dd_softmax_fwd_cols<T>(outer, axisLen, inner, log, x, y);                                                  \
    }                                                                                                              \
    extern "C" __global__ void softmax_bwd_cols_##TN(int outer, int axisLen, int inner, int log, const T* y,      \
                                                     const T* dy, T* dx) {                                         \
        dd_softmax_bwd_cols<T>(outer, axisLen, inner, log, y, dy, dx);                                             \
    }

DD_SOFTMAX(f32, float)
DD_SOFTMAX(f64, double)
