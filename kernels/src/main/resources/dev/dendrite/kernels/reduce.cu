// reduce.cu — Backend.reduce and Backend.argReduce, plus the sum of squares behind gradient clipping.
//
// Kernels (T ∈ f32 f64 i32 i64 unless noted):
//   reduce_<op>_<T>(int outputs, int redCount, int keptRank, dd_dims keptShape, dd_dims keptStrides,
//                   int redRank, dd_dims redShape, dd_dims redStrides, const T* x, T* y)
//   reduce_<op>_serial_<T>(same parameters)
//     op ∈ sum max min (all T), mean (f32 f64)
//   argmax_<T>, argmin_<T>, argmax_serial_<T>, argmin_serial_<T>
//     (int outputs, int len, int stride, int keptRank, dd_dims keptShape, dd_dims keptStrides, const T* x, long long* y)
//   sumsq_partial_<T>(int n, const T* x, double* partials)           T ∈ f32 f64
//   sum_partials_f64(int count, const double* partials, double* acc)
//
// Launch geometry:
//   reduce_<op>_<T>, argmax/argmin_<T>: ONE BLOCK PER OUTPUT, grid = outputs (the kernel also loops
//     blockIdx.x += gridDim.x, so a smaller grid is correct), block 256 (any multiple of 32 up to 1024).
//   *_serial_*: ONE THREAD PER OUTPUT, 1-D grid-stride over outputs; block 256, grid min(ceil(outputs/256), 4096).
//     Each thread walks its reduced elements in the CPU's order, so SUM is bit-identical to the CPU; use
//     these when redCount is small or outputs are many.
//   sumsq_partial_<T>: any grid G (e.g. min(ceil(n/256), 1024)), block 256; writes partials[0..G).
//   sum_partials_f64: grid 1, block 256.
//   Static shared memory only (a few hundred bytes); no dynamic shared memory.
//
// Layout (Reductions.Plan of the CPU backend): x's dims are split into the kept ones (not reduced, in
// order) and the reduced ones (in axis order). Output o (row-major over keptShape) starts at
// Σ idx_d(o)·keptStrides[d]; its r-th reduced element (row-major over redShape, the CPU's odometer
// order) is at that base + Σ idx_d(r)·redStrides[d]. y is contiguous: y[o]. For arg-reductions the one
// reduced axis is given as len and stride (x.shape[axis], x.strides[axis]).
//
// Semantics: floating sums accumulate in double, integer sums in 64-bit (wrapping); MEAN divides the
// double sum by redCount (0/0 = NaN when empty, like the CPU). MAX/MIN return the value of the first
// extreme in odometer order with the first NaN winning, and argmax/argmin its index (Note [First
// extreme wins] in dd_common.cuh) — bit-identical to Reductions including NaN and ±0. The block
// variants sum in a tree order fixed by the block size (deterministic, within an ulp or two of the CPU's
// sequential double sum before rounding).
// sumsq: Σ (double)x² per block, then *acc += Σ partials in one block — deterministic for a fixed grid.

#include "dd_common.cuh"

#define DD_SUM 0
#define DD_MEAN 1
#define DD_MAX 2
#define DD_MIN 3

/** The accumulator of a sum: double for floating types, long for integer types. */
template <typename T> struct DDAcc { typedef double type; };
template <> struct DDAcc<int> { typedef long long type; };
template <> struct DDAcc<long long> { typedef long long type; };

__device__ __forceinline__ double dd_acc_add(double a, double b) { return a + b; }
__device__ __forceinline__ long long dd_acc_add(long long a, long long b) { return dd_ladd(a, b); }

/** Stores a finished sum: floating sums round to T, integer sums keep the low bits (Java's (int) long). */
template <typename T> __device__ __forceinline__ T dd_store_total(double v) { return (T)v; }
template <typename T> __device__ __forceinline__ T dd_store_total(long long v) { return dd_from_long<T>(v); }

/** The starting value of MAX (−∞ / Long.MIN_VALUE) or MIN (+∞ / Long.MAX_VALUE), as the CPU's accumulators. */
template <typename V, bool IS_MAX> __device__ __forceinline__ V dd_extreme_start();
template <> __device__ __forceinline__ double dd_extreme_start<double, true>() { return -dd_inf(); }
template <> __device__ __forceinline__ double dd_extreme_start<double, false>() { return dd_inf(); }
template <> __device__ __forceinline__ long long dd_extreme_start<long long, true>() { return DD_LLONG_MIN; }
template <> __device__ __forceinline__ long long dd_extreme_start<long long, false>() { return DD_LLONG_MAX; }

// ---- block per output -------------------------------------------------------------------------------

template <typename T, int OP>
__device__ __forceinline__ void dd_reduce_block(int outputs, int redCount, int keptRank, const dd_dims& keptShape,
                                                const dd_dims& keptStrides, int redRank, const dd_dims& redShape,
                                                const dd_dims& redStrides, const T* x, T* y) {
    typedef typename DDAcc<T>::type A;
    for (int o = blockIdx.x; o < outputs; o += gridDim.x) {
        const int base = dd_offset1(o, keptRank, keptShape, keptStrides);
        if (OP == DD_SUM || OP == DD_MEAN) {
            A acc = 0;
            for (int r = threadIdx.x; r < redCount; r += blockDim.x)
                acc = dd_acc_add(acc, (A)x[base + dd_offset1(r, redRank, redShape, redStrides)]);
            A total = dd_block_sum<A>(acc);
            if (threadIdx.x == 0) {
                if (OP == DD_MEAN) y[o] = (T)((double)total / redCount);   // MEAN exists for floating types only
                else y[o] = dd_store_total<T>(total);
            }
        } else {
            const bool isMax = OP == DD_MAX;
            A best = isMax ? dd_extreme_start<A, true>() : dd_extreme_start<A, false>();
            int bestIdx = -1;
            for (int r = threadIdx.x; r < redCount; r += blockDim.x) {
                A v = (A)x[base + dd_offset1(r, redRank, redShape, redStrides)];
                bool take = isMax ? dd_better<true, A>(best, bestIdx, v, r) : dd_better<false, A>(best, bestIdx, v, r);
                if (take) { best = v; bestIdx = r; }
            }
            if (isMax) dd_block_best<true, A>(best, bestIdx);
            else dd_block_best<false, A>(best, bestIdx);
            if (threadIdx.x == 0) y[o] = (T)best;
        }
    }
}

// ---- thread per output: the CPU's loop, element for element -------------------------------------------

template <typename T, int OP>
__device__ __forceinline__ void dd_reduce_serial(int outputs, int redCount, int keptRank, const dd_dims& keptShape,
                                                 const dd_dims& keptStrides, int redRank, const dd_dims& redShape,
                                                 const dd_dims& redStrides, const T* x, T* y) {
    typedef typename DDAcc<T>::type A;
    DD_GRID_STRIDE(oo, outputs) {
        const int o = (int)oo;
        const int base = dd_offset1(o, keptRank, keptShape, keptStrides);
        if (OP == DD_SUM || OP == DD_MEAN) {
            A acc = 0;
            for (int r = 0; r < redCount; ++r)
                acc = dd_acc_add(acc, (A)x[base + dd_offset1(r, redRank, redShape, redStrides)]);
            if (OP == DD_MEAN) y[o] = (T)((double)acc / redCount);
            else y[o] = dd_store_total<T>(acc);
        } else {
            // Reductions.reduceDouble/reduceLong: replace on a strictly better value or a NaN, stop at the first NaN.
            const bool isMax = OP == DD_MAX;
            A acc = isMax ? dd_extreme_start<A, true>() : dd_extreme_start<A, false>();
            for (int r = 0; r < redCount; ++r) {
                A v = (A)x[base + dd_offset1(r, redRank, redShape, redStrides)];
                if ((isMax ? v > acc : v < acc) || v != v) acc = v;
                if (acc != acc) break;
            }
            y[o] = (T)acc;
        }
    }
}

// ---- arg-reductions -------------------------------------------------------------------------------------

template <typename T, bool IS_MAX>
__device__ __forceinline__ void dd_arg_block(int outputs, int len, int stride, int keptRank, const dd_dims& keptShape,
                                             const dd_dims& keptStrides, const T* x, long long* y) {
    typedef typename DDAcc<T>::type A;
    for (int o = blockIdx.x; o < outputs; o += gridDim.x) {
        const int base = dd_offset1(o, keptRank, keptShape, keptStrides);
        A best = dd_extreme_start<A, IS_MAX>();
        int bestIdx = -1;
        for (int r = threadIdx.x; r < len; r += blockDim.x) {
            A v = (A)x[base + r * stride];
            if (dd_better<IS_MAX, A>(best, bestIdx, v, r)) { best = v; bestIdx = r; }
        }
        dd_block_best<IS_MAX, A>(best, bestIdx);
        if (threadIdx.x == 0) y[o] = bestIdx < 0 ? 0 : bestIdx;
    }
}

template <typename T, bool IS_MAX>
__device__ __forceinline__ void dd_arg_serial(int outputs, int len, int stride, int keptRank, const dd_dims& keptShape,
                                              const dd_dims& keptStrides, const T* x, long long* y) {
    typedef typename DDAcc<T>::type A;
    DD_GRID_STRIDE(oo, outputs) {
        const int o = (int)oo;
        const int base = dd_offset1(o, keptRank, keptShape, keptStrides);
        int best = 0;
        if (len > 0) {
            A bv = (A)x[base];
            // Reductions.argReduce: the first NaN wins (the loop stops once bv is NaN), else the first strict extreme.
            for (int r = 1; r < len && bv == bv; ++r) {
                A v = (A)x[base + r * stride];
                if (v != v || (IS_MAX ? v > bv : v < bv)) { bv = v; best = r; }
            }
        }
        y[o] = best;
    }
}

// ---- gradient-norm helper ---------------------------------------------------------------------------

template <typename T>
__device__ __forceinline__ void dd_sumsq_partial(int n, const T* x, double* partials) {
    double acc = 0;
    DD_GRID_STRIDE(i, n) {
        double v = (double)x[i];
        acc += v * v;
    }
    double total = dd_block_sum<double>(acc);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

extern "C" __global__ void sum_partials_f64(int count, const double* partials, double* acc) {
    double s = 0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) s += partials[i];
    double total = dd_block_sum<double>(s);
    if (threadIdx.x == 0) *acc += total;
}

// ---- entry points ---------------------------------------------------------------------------------------

#define DD_REDUCE(NAME, OP, TN, T)                                                                                 \
    extern "C" __global__ void reduce_##NAME##_##TN(int outputs, int redCount, int keptRank, dd_dims keptShape,   \
                                                    dd_dims keptStrides, int redRank, dd_dims redShape,            \
                                                    dd_dims redStrides, const T* x, T* y) {                        \
        dd_reduce_block<T, OP>(outputs, redCount, keptRank, keptShape, keptStrides, redRank, redShape, redStrides, \
                               x, y);                                                                              \
    }                                                                                                              \
    extern "C" __global__ void reduce_##NAME##_serial_##TN(int outputs, int redCount, int keptRank,               \
                                                           dd_dims keptShape, dd_dims keptStrides, int redRank,    \
                                                           dd_dims redShape, dd_dims redStrides, const T* x,       \
                                                           T* y) {                                                 \
        dd_reduce_serial<T, OP>(outputs, redCount, keptRank, keptShape, keptStrides, redRank, redShape,            \
                                redStrides, x, y);                                                                 \
    }

#define DD_ARG(TN, T)                                                                                              \
    extern "C" __global__ void argmax_##TN(int outputs, int len, int stride, int keptRank, dd_dims keptShape,      \
                                           dd_dims keptStrides, const T* x, long long* y) {                        \
        dd_arg_block<T, true>(outputs, len, stride, keptRank, keptShape, keptStrides, x, y);                       \
    }                                                                                                              \
    extern "C" __global__ void argmin_##TN(int outputs, int len, int stride, int keptRank, dd_dims keptShape,      \
                                           dd_dims keptStrides, const T* x, long long* y) {                        \
        dd_arg_block<T, false>(outputs, len, stride, keptRank, keptShape, keptStrides, x, y);                      \
    }                                                                                                              \
    extern "C" __global__ void argmax_serial_##TN(int outputs, int len, int stride, int keptRank,                  \
                                                  dd_dims keptShape, dd_dims keptStrides, const T* x,              \
                                                  long long* y) {                                                  \
        dd_arg_serial<T, true>(outputs, len, stride, keptRank, keptShape, keptStrides, x, y);                      \
    }                                                                                                              \
    extern "C" __global__ void argmin_serial_##TN(int outputs, int len, int stride, int keptRank,                  \
                                                  dd_dims keptShape, dd_dims keptStrides, const T* x,              \
                                                  long long* y) {                                                  \
        dd_arg_serial<T, false>(outputs, len, stride, keptRank, keptShape, keptStrides, x, y);                     \
    }

#define DD_REDUCE_ALL(TN, T)          \
    DD_REDUCE(sum, DD_SUM, TN, T)     \
    DD_REDUCE(max, DD_MAX, TN, T)     \
    DD_REDUCE(min, DD_MIN, TN, T)     \
    DD_ARG(TN, T)

DD_REDUCE_ALL(f32, float)
DD_REDUCE_ALL(f64, double)
DD_REDUCE_ALL(i32, int)
DD_REDUCE_ALL(i64, long long)
DD_REDUCE(mean, DD_MEAN, f32, float)
DD_REDUCE(mean, DD_MEAN, f64, double)

extern "C" __global__ void sumsq_partial_f32(int n, const float* x, double* partials) {
    dd_sumsq_partial<float>(n, x, partials);
}

extern "C" __global__ void sumsq_partial_f64(int n, const double* x, double* partials) {
    dd_sumsq_partial<double>(n, x, partials);
}
