// dd_common.cuh — shared definitions for every Dendrite kernel file.
//
// KernelSources.source(file) inlines this header into each .cu, so NVRTC sees one self-contained
// unit and no system header is ever included (NVRTC has none to offer).
//
// Conventions used by all kernel files (see each file's header for its launch geometry):
//  * Device pointers already include the view's element offset; kernels never take offsets.
//  * Sizes, shapes, strides and element indices are 32-bit ints (View's numel is an int).
//  * dd_dims is passed BY VALUE: eight ints, entries past the rank are ignored.
//  * Floating-point math on f32 is done in double and rounded once, as the CPU backend does
//    (Note [Float math in double]); results then match the CPU bit for bit for + − × ÷ √ and to
//    within libm's last-ulp differences for transcendental functions.
//  * Compile with --fmad=false: Java never fuses a·b + c, so neither may we (Note [No FMA contraction]).
//
// Note [Float math in double]
// The CPU backend loads every float element into a double, applies the op, and stores (float) result.
// For the basic operations this equals IEEE single arithmetic (double has more than 2·24+2 bits), and
// for the rest it is what the CPU computes, so f32 kernels here do exactly the same to stay in parity.
//
// Note [No FMA contraction]
// nvcc fuses a*b + c into one fma by default; Java evaluates it with two roundings. The runtime
// compile passes --fmad=false; where a result must be exact whatever the flags (arange, optimizers,
// upsampling) the code uses __dmul_rn/__dadd_rn-style intrinsics, which are never contracted.
// Where Java itself calls Math.fma the kernels call fma/fmaf explicitly.

#ifndef DD_COMMON_CUH
#define DD_COMMON_CUH

#define DD_MAX_RANK 8
#define DD_INT_MAX 2147483647
#define DD_INT_MIN (-2147483647 - 1)
#define DD_LLONG_MAX 9223372036854775807LL
#define DD_LLONG_MIN (-9223372036854775807LL - 1LL)

/** Shape or strides of a view of rank <= 8, passed by value (32 bytes). */
struct dd_dims {
    int v[DD_MAX_RANK];
};

/** Grid-stride loop over [0, n): correct for any grid; i is a 64-bit counter, cast to int inside. */
#define DD_GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

// ---- strided addressing --------------------------------------------------------------------------

/** Offset of row-major element i of `shape` in a view with `strides`. Unrolled so dd_dims stays in registers. */
__device__ __forceinline__ int dd_offset1(int i, int rank, const dd_dims& shape, const dd_dims& s0) {
    unsigned int rem = (unsigned int)i;
    int o0 = 0;
#pragma unroll
    for (int d = DD_MAX_RANK - 1; d > 0; --d) {
        if (d < rank) {
            unsigned int sz = (unsigned int)shape.v[d];
            unsigned int q = rem / sz, r = rem - q * sz;
            o0 += (int)r * s0.v[d];
            rem = q;
        }
    }
    if (rank > 0) o0 += (int)rem * s0.v[0];
    return o0;
}

/** Offsets of row-major element i in two views of the same shape. */
__device__ __forceinline__ void dd_offset2(int i, int rank, const dd_dims& shape, const dd_dims& s0, const dd_dims& s1,
                                           int& o0, int& o1) {
    unsigned int rem = (unsigned int)i;
    o0 = 0;
    o1 = 0;
#pragma unroll
    for (int d = DD_MAX_RANK - 1; d > 0; --d) {
        if (d < rank) {
            unsigned int sz = (unsigned int)shape.v[d];
            unsigned int q = rem / sz, r = rem - q * sz;
            o0 += (int)r * s0.v[d];
            o1 += (int)r * s1.v[d];
            rem = q;
        }
    }
    if (rank > 0) {
        o0 += (int)rem * s0.v[0];
        o1 += (int)rem * s1.v[0];
    }
}

/** Offsets of row-major element i in three views of the same shape. */
__device__ __forceinline__ void dd_offset3(int i, int rank, const dd_dims& shape, const dd_dims& s0, const dd_dims& s1,
                                           const dd_dims& s2, int& o0, int& o1, int& o2) {
    unsigned int rem = (unsigned int)i;
    o0 = 0;
    o1 = 0;
    o2 = 0;
#pragma unroll
    for (int d = DD_MAX_RANK - 1; d > 0; --d) {
        if (d < rank) {
            unsigned int sz = (unsigned int)shape.v[d];
            unsigned int q = rem / sz, r = rem - q * sz;
            o0 += (int)r * s0.v[d];
            o1 += (int)r * s1.v[d];
            o2 += (int)r * s2.v[d];
            rem = q;
        }
    }
    if (rank > 0) {
        o0 += (int)rem * s0.v[0];
        o1 += (int)rem * s1.v[0];
        o2 += (int)rem * s2.v[0];
    }
}

// ---- Java's scalar semantics -----------------------------------------------------------------------

/** +∞ (no <math.h> under NVRTC, so no INFINITY macro). */
__host__ __device__ __forceinline__ double dd_inf() {
#ifdef __CUDA_ARCH__
    return __longlong_as_double(0x7ff0000000000000LL);
#else
    return __builtin_huge_val();
#endif
}

__host__ __device__ __forceinline__ bool dd_is_neg_zero(double x) {
    return x == 0.0 && (1.0 / x) < 0.0;
}

/** Math.max(double, double): NaN propagates (the first NaN operand), max(−0, +0) = +0. */
__host__ __device__ __forceinline__ double dd_jmax(double a, double b) {
    if (a != a) return a;
    if (a == 0.0 && b == 0.0 && dd_is_neg_zero(a)) return b;
    return a >= b ? a : b;
}

/** Math.min(double, double): NaN propagates, min(+0, −0) = −0. */
__host__ __device__ __forceinline__ double dd_jmin(double a, double b) {
    if (a != a) return a;
    if (a == 0.0 && b == 0.0 && dd_is_neg_zero(b)) return b;
    return a <= b ? a : b;
}

/** Java's (int) double: truncation toward zero, saturating, NaN → 0. */
__host__ __device__ __forceinline__ int dd_d2i(double v) {
    if (v != v) return 0;
    if (v >= 2147483647.0) return DD_INT_MAX;
    if (v <= -2147483648.0) return DD_INT_MIN;
    return (int)v;
}

/** Java's (long) double: truncation toward zero, saturating, NaN → 0. */
__host__ __device__ __forceinline__ long long dd_d2l(double v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return DD_LLONG_MAX;    // the literal rounds to 2^63
    if (v <= -9223372036854775808.0) return DD_LLONG_MIN;
    return (long long)v;
}

/** Java's (int) long: keeps the low 32 bits (two's complement wrap, no undefined behaviour). */
__host__ __device__ __forceinline__ int dd_l2i(long long v) {
    return (int)(unsigned int)(unsigned long long)v;
}

/** Wrapping 64-bit arithmetic as Java's long (signed overflow is undefined in C++, so go through unsigned). */
__host__ __device__ __forceinline__ long long dd_ladd(long long a, long long b) {
    return (long long)((unsigned long long)a + (unsigned long long)b);
}
__host__ __device__ __forceinline__ long long dd_lsub(long long a, long long b) {
    return (long long)((unsigned long long)a - (unsigned long long)b);
}
__host__ __device__ __forceinline__ long long dd_lmul(long long a, long long b) {
    return (long long)((unsigned long long)a * (unsigned long long)b);
}
__host__ __device__ __forceinline__ long long dd_lneg(long long a) {
    return (long long)(0ULL - (unsigned long long)a);
}

// ---- conversions between the stored type and the compute type ----------------------------------------

/** Store a double result into T the way Segments.store does (float rounds, int/long saturate). */
template <typename T> __host__ __device__ __forceinline__ T dd_from_double(double v);
template <> __host__ __device__ __forceinline__ float dd_from_double<float>(double v) { return (float)v; }
template <> __host__ __device__ __forceinline__ double dd_from_double<double>(double v) { return v; }
template <> __host__ __device__ __forceinline__ int dd_from_double<int>(double v) { return dd_d2i(v); }
template <> __host__ __device__ __forceinline__ long long dd_from_double<long long>(double v) { return dd_d2l(v); }

/** Store a long result into T the way Segments.storeLong does (int wraps, float/double round to nearest). */
template <typename T> __host__ __device__ __forceinline__ T dd_from_long(long long v);
template <> __host__ __device__ __forceinline__ float dd_from_long<float>(long long v) { return (float)v; }
template <> __host__ __device__ __forceinline__ double dd_from_long<double>(long long v) { return (double)v; }
template <> __host__ __device__ __forceinline__ int dd_from_long<int>(long long v) { return dd_l2i(v); }
template <> __host__ __device__ __forceinline__ long long dd_from_long<long long>(long long v) { return v; }

/** Round a double to T and back: the value a tensor of dtype T holds after an op (identity for double). */
template <typename T> __host__ __device__ __forceinline__ double dd_round(double v) {
    return (double)(T)v;
}

// ---- arithmetic that the compiler may not contract into an FMA ----------------------------------------

#ifdef __CUDA_ARCH__
__device__ __forceinline__ double dd_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double dd_add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double dd_sub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ float dd_mulf(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float dd_addf(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float dd_subf(float a, float b) { return __fsub_rn(a, b); }
#else
inline double dd_mul(double a, double b) { return a * b; }
inline double dd_add(double a, double b) { return a + b; }
inline double dd_sub(double a, double b) { return a - b; }
inline float dd_mulf(float a, float b) { return a * b; }
inline float dd_addf(float a, float b) { return a + b; }
inline float dd_subf(float a, float b) { return a - b; }
#endif

/** T-typed arithmetic without contraction: float ops in float (as Java's float arithmetic), double in double. */
__host__ __device__ __forceinline__ float dd_tmul(float a, float b) { return dd_mulf(a, b); }
__host__ __device__ __forceinline__ double dd_tmul(double a, double b) { return dd_mul(a, b); }
__host__ __device__ __forceinline__ float dd_tadd(float a, float b) { return dd_addf(a, b); }
__host__ __device__ __forceinline__ double dd_tadd(double a, double b) { return dd_add(a, b); }
__host__ __device__ __forceinline__ float dd_tsub(float a, float b) { return dd_subf(a, b); }
__host__ __device__ __forceinline__ double dd_tsub(double a, double b) { return dd_sub(a, b); }

// ---- block-wide reductions (blockDim.x a multiple of 32, at most 1024) --------------------------------

/** Sum over the block; every thread gets the result. Order is fixed by the block size, so runs repeat bit for bit. */
template <typename A> __device__ __forceinline__ A dd_block_sum(A v) {
    __shared__ A warpSums[32];
    __shared__ A result;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
    __syncthreads();                    // earlier users of warpSums/result are done
    if (lane == 0) warpSums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        A w = lane < warps ? warpSums[lane] : (A)0;
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) w += __shfl_down_sync(0xffffffffu, w, off);
        if (lane == 0) result = w;
    }
    __syncthreads();
    return result;
}

/** Java's Math.max over the block (NaN propagates); every thread gets the result. */
__device__ __forceinline__ double dd_block_jmax(double v) {
    __shared__ double warpMax[32];
    __shared__ double result;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v = dd_jmax(v, __shfl_down_sync(0xffffffffu, v, off));
    __syncthreads();
    if (lane == 0) warpMax[warp] = v;
    __syncthreads();
    if (warp == 0) {
        double w = lane < warps ? warpMax[lane] : -dd_inf();
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) w = dd_jmax(w, __shfl_down_sync(0xffffffffu, w, off));
        if (lane == 0) result = w;
    }
    __syncthreads();
    return result;
}

/** Minimum over the block for ints; every thread gets the result. */
__device__ __forceinline__ int dd_block_min_int(int v) {
    __shared__ int warpMin[32];
    __shared__ int result;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v = min(v, __shfl_down_sync(0xffffffffu, v, off));
    __syncthreads();
    if (lane == 0) warpMin[warp] = v;
    __syncthreads();
    if (warp == 0) {
        int w = lane < warps ? warpMin[lane] : DD_INT_MAX;
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) w = min(w, __shfl_down_sync(0xffffffffu, w, off));
        if (lane == 0) result = w;
    }
    __syncthreads();
    return result;
}

// Note [First extreme wins]
// The CPU scans in order and replaces its running best only on a strictly better value or on the first
// NaN, so the answer is the FIRST maximum (minimum), or the first NaN. A parallel reduction reproduces
// that by carrying the index: (b, ib) beats (a, ia) when b is NaN and a is not, or both are NaN and
// ib < ia, or neither is NaN and b is strictly better, or equal (−0 == +0 included) with ib < ia.
// ia = −1 marks "no element yet". The same code serves integers (x != x is false for them).

template <bool IS_MAX, typename V> __host__ __device__ __forceinline__ bool dd_better(V a, int ia, V b, int ib) {
    if (ib < 0) return false;
    if (ia < 0) return true;
    const bool an = a != a, bn = b != b;
    if (an || bn) return an && bn ? ib < ia : bn;
    if (IS_MAX ? b > a : b < a) return true;
    return b == a && ib < ia;
}

/** Block-wide first extreme (Note [First extreme wins]); every thread gets (value, index). */
template <bool IS_MAX, typename V> __device__ __forceinline__ void dd_block_best(V& v, int& idx) {
    __shared__ V warpV[32];
    __shared__ int warpI[32];
    __shared__ V resV;
    __shared__ int resI;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        V ov = __shfl_down_sync(0xffffffffu, v, off);
        int oi = __shfl_down_sync(0xffffffffu, idx, off);
        if (dd_better<IS_MAX, V>(v, idx, ov, oi)) { v = ov; idx = oi; }
    }
    __syncthreads();
    if (lane == 0) { warpV[warp] = v; warpI[warp] = idx; }
    __syncthreads();
    if (warp == 0) {
        V w = lane < warps ? warpV[lane] : v;
        int wi = lane < warps ? warpI[lane] : -1;
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) {
            V ov = __shfl_down_sync(0xffffffffu, w, off);
            int oi = __shfl_down_sync(0xffffffffu, wi, off);
            if (dd_better<IS_MAX, V>(w, wi, ov, oi)) { w = ov; wi = oi; }
        }
        if (lane == 0) { resV = w; resI = wi; }
    }
    __syncthreads();
    v = resV;
    idx = resI;
}

#endif  // DD_COMMON_CUH
