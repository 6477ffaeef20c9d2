// unary.cu — Backend.unary: y = op(x) elementwise over strided views.
//
// Kernels: ew_<op>_<T>(int n, int rank, dd_dims shape, dd_dims xStrides, dd_dims yStrides,
//                      const T* x, T* y, double alpha, double beta)
//   op = UnaryOp.name().toLowerCase(): neg abs exp log sqrt rsqrt square reciprocal relu leaky_relu
//        sigmoid tanh elu gelu softplus sign clamp                      — for T ∈ f32 f64
//   op ∈ neg abs square relu sign clamp                                 — for T ∈ i32 i64
//
// Launch geometry: 1-D grid-stride over n = numel; block 256, grid min(ceil(n/256), 4096). No shared memory.
//
// Layout: element i (row-major over shape) is read at Σ idx_d·xStrides[d], written at Σ idx_d·yStrides[d].
//
// Semantics: exactly ElementMath.unary / unaryLong of the CPU backend. Floating types compute in double
// and round once (Note [Float math in double]); alpha is the LEAKY_RELU slope / ELU scale / CLAMP low,
// beta the CLAMP high. Integer kernels compute in 64-bit with Java's wrapping and clamp to
// [ceil(alpha), floor(beta)] converted like Java's (long) cast, as CpuBackend.unary does.

#include "dd_common.cuh"

#define DD_INV_SQRT2 0.7071067811865475   // 1 / Math.sqrt(2), the same double the CPU uses

/** Math.signum(double): ±1, and ±0 and NaN returned unchanged. */
__host__ __device__ __forceinline__ double dd_signum(double x) {
    return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
}

/** ElementMath.sigmoid: both branches avoid overflow of e^(−x). */
__host__ __device__ __forceinline__ double dd_sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/** ElementMath.softplus: log(1 + e^x) without overflow. */
__host__ __device__ __forceinline__ double dd_softplus(double x) {
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/** ElementMath.normalCdf: ½·erfc(−z) on the left tail (keeps relative accuracy), ½·(1 + erf(z)) elsewhere. */
__host__ __device__ __forceinline__ double dd_normal_cdf(double x) {
    double z = x * DD_INV_SQRT2;
    return z < -0.5 ? 0.5 * erfc(-z) : 0.5 * (1.0 + erf(z));
}

// One functor per op: f(x, alpha, beta) in double for floating types, l(x, lo, hi) in long for integers.
struct UNeg { static __host__ __device__ double f(double x, double, double) { return -x; }
              static __host__ __device__ long long l(long long x, long long, long long) { return dd_lneg(x); } };
struct UAbs { static __host__ __device__ double f(double x, double, double) { return fabs(x); }
              static __host__ __device__ long long l(long long x, long long, long long) { return x < 0 ? dd_lneg(x) : x; } };
struct UExp { static __host__ __device__ double f(double x, double, double) { return exp(x); } };
struct ULog { static __host__ __device__ double f(double x, double, double) { return log(x); } };
struct USqrt { static __host__ __device__ double f(double x, double, double) { return sqrt(x); } };
struct URsqrt { static __host__ __device__ double f(double x, double, double) { return 1.0 / sqrt(x); } };
struct USquare { static __host__ __device__ double f(double x, double, double) { return x * x; }
                 static __host__ __device__ long long l(long long x, long long, long long) { return dd_lmul(x, x); } };
struct UReciprocal { static __host__ __device__ double f(double x, double, double) { return 1.0 / x; } };
struct URelu { static __host__ __device__ double f(double x, double, double) { return x > 0 ? x : x != x ? x : 0.0; }
               static __host__ __device__ long long l(long long x, long long, long long) { return x > 0 ? x : 0; } };
struct ULeakyRelu { static __host__ __device__ double f(double x, double a, double) { return x > 0 ? x : a * x; } };
struct USigmoid { static __host__ __device__ double f(double x, double, double) { return dd_sigmoid(x); } };
struct UTanh { static __host__ __device__ double f(double x, double, double) { return tanh(x); } };
struct UElu { static __host__ __device__ double f(double x, double a, double) { return x > 0 ? x : a * expm1(x); } };
struct UGelu { static __host__ __device__ double f(double x, double, double) { return x * dd_normal_cdf(x); } };
struct USoftplus { static __host__ __device__ double f(double x, double, double) { return dd_softplus(x); } };
struct USign { static __host__ __device__ double f(double x, double, double) { return dd_signum(x); }
               static __host__ __device__ long long l(long long x, long long, long long) { return x > 0 ? 1 : x < 0 ? -1 : 0; } };
struct UClamp { static __host__ __device__ double f(double x, double a, double b) { return x != x ? x : dd_jmin(dd_jmax(x, a), b); }
                static __host__ __device__ long long l(long long x, long long lo, long long hi) { return min(max(x, lo), hi); } };

template <typename T, typename Op>
__device__ __forceinline__ void dd_unary_float(int n, int rank, const dd_dims& shape, const dd_dims& xs, const dd_dims& ys,
                                               const T* x, T* y, double alpha, double beta) {
    DD_GRID_STRIDE(i, n) {
        int xo, yo;
        dd_offset2((int)i, rank, shape, xs, ys, xo, yo);
        y[yo] = (T)Op::f((double)x[xo], alpha, beta);
    }
}

template <typename T, typename Op>
__device__ __forceinline__ void dd_unary_int(int n, int rank, const dd_dims& shape, const dd_dims& xs, const dd_dims& ys,
                                             const T* x, T* y, double alpha, double beta) {
    // CpuBackend.unary passes (long) Math.ceil(alpha), (long) Math.floor(beta) to unaryLong.
    const long long lo = dd_d2l(ceil(alpha)), hi = dd_d2l(floor(beta));
    DD_GRID_STRIDE(i, n) {
        int xo, yo;
        dd_offset2((int)i, rank, shape, xs, ys, xo, yo);
        y[yo] = dd_from_long<T>(Op::l((long long)x[xo], lo, hi));
    }
}

#define DD_UNARY_F(NAME, OP)                                                                                  \
    extern "C" __global__ void ew_##NAME##_f32(int n, int rank, dd_dims shape, dd_dims xStrides,             \
                                               dd_dims yStrides, const float* x, float* y, double alpha,      \
                                               double beta) {                                                 \
        dd_unary_float<float, OP>(n, rank, shape, xStrides, yStrides, x, y, alpha, beta);                     \
    }                                                                                                         \
    extern "C" __global__ void ew_##NAME##_f64(int n, int rank, dd_dims shape, dd_dims xStrides,             \
                                               dd_dims yStrides, const double* x, double* y, double alpha,    \
                                               double beta) {                                                 \
        dd_unary_float<double, OP>(n, rank, shape, xStrides, yStrides, x, y, alpha, beta);                    \
    }

#define DD_UNARY_I(NAME, OP)                                                                                  \
    extern "C" __global__ void ew_##NAME##_i32(int n, int rank, dd_dims shape, dd_dims xStrides,             \
                                               dd_dims yStrides, const int* x, int* y, double alpha,          \
                                               double beta) {                                                 \
        dd_unary_int<int, OP>(n, rank, shape, xStrides, yStrides, x, y, alpha, beta);                         \
    }                                                                                                         \
    extern "C" __global__ void ew_##NAME##_i64(int n, int rank, dd_dims shape, dd_dims xStrides,             \
                                               dd_dims yStrides, const long long* x, long long* y,            \
                                               double alpha, double beta) {                                   \
        dd_unary_int<long long, OP>(n, rank, shape, xStrides, yStrides, x, y, alpha, beta);                   \
    }

DD_UNARY_F(neg, UNeg)
DD_UNARY_F(abs, UAbs)
DD_UNARY_F(exp, UExp)
DD_UNARY_F(log, ULog)
DD_UNARY_F(sqrt, USqrt)
DD_UNARY_F(rsqrt, URsqrt)
DD_UNARY_F(square, USquare)
DD_UNARY_F(reciprocal, UReciprocal)
DD_UNARY_F(relu, URelu)
DD_UNARY_F(leaky_relu, ULeakyRelu)
DD_UNARY_F(sigmoid, USigmoid)
DD_UNARY_F(tanh, UTanh)
DD_UNARY_F(elu, UElu)
DD_UNARY_F(gelu, UGelu)
DD_UNARY_F(softplus, USoftplus)
DD_UNARY_F(sign, USign)
DD_UNARY_F(clamp, UClamp)

DD_UNARY_I(neg, UNeg)
DD_UNARY_I(abs, UAbs)
DD_UNARY_I(square, USquare)
DD_UNARY_I(relu, URelu)
DD_UNARY_I(sign, USign)
DD_UNARY_I(clamp, UClamp)
