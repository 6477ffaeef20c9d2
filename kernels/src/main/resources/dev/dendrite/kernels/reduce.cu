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

template <typename T> __device__ __forceinline__ T dd_store_acc(double v) { return (T)v; }
template <> __device__ __forceinline__ int dd_store_acc<int>(double v) { return dd_d2i(v); }
template <> __device__ __forceinline__ long long dd_store_acc<long long>(double v) { return dd_d2l(v); }
template <typename T> __device__ __forceinline__ T dd_store_lacc(long long v) { return dd_from_long<T>(v); }

/** The starting value of MAX (−∞ / Long.MIN_VALUE) or MIN (+∞ / Long.MAX_VALUE), as the CPU's accumulators. */
template <typename V, bool IS_MAX> __device__ __forceinline__ V dd_extreme_start();
template <> __device__ __forceinline__ double dd_extreme_start<double, true>() { return -__longlong_as_double(0x7ff0000000000000LL); }
template <> __device__ __forceinline__ double dd_extreme_start<double, false>() { return __longlong_as_double(0x7ff0000000000000LL); }
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
                if (OP == DD_MEAN) y[o] = dd_store_acc<T>((double)total / redCount);
                else y[o] = dd_from_long<T>((long long)total) * 0 + (T)total * 0 + dd_store_total<T>(total);
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
