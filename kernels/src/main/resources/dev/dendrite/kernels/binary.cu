// binary.cu — Backend.binary (y = a op b, broadcasting through strides) and Backend.binaryScalar.
//
// Kernels:
//   ew_<op>_<T>(int n, int rank, dd_dims shape, dd_dims aStrides, dd_dims bStrides, dd_dims yStrides,
//               const T* a, const T* b, T* y, int* status)
//   ew_<op>_scalar_<T>(int n, int rank, dd_dims shape, dd_dims aStrides, dd_dims yStrides,
//                      const T* a, S scalar, int scalarFirst, T* y, int* status)
//     S = double for T ∈ f32 f64, long long for T ∈ i32 i64; scalarFirst != 0 computes scalar op a.
//   op = BinaryOp.name().toLowerCase(): add sub mul div pow max min eq ne lt le gt ge
//        (all for f32 f64; all but pow for i32 i64).
//
// Launch geometry: 1-D grid-stride over n = numel(y); block 256, grid min(ceil(n/256), 4096). No shared memory.
//
// Layout: element i (row-major over y's shape) reads a at Σ idx_d·aStrides[d] (stride 0 = broadcast),
// b likewise, and writes y at Σ idx_d·yStrides[d].
//
// Semantics: exactly ElementMath.binary / binaryLong. Floating types compute in double, round once.
// Comparisons write 1 or 0. max/min are Java's Math.max/min (NaN propagates; max(−0, +0) = +0).
// pow is Java's Math.pow, which differs from C's pow in two special cases handled here: pow(x, NaN)
// is NaN even for x = 1, and pow(±1, ±∞) is NaN. Integer arithmetic wraps like Java's long, i32
// results keep the low 32 bits (the CPU computes in long and casts); integer div truncates toward
// zero, Long.MIN_VALUE / −1 wraps to Long.MIN_VALUE.
//
// status: may be NULL except for the integer div kernels. There the host zeroes status[0] before the
// launch; a zero divisor stores 1 into status[0] (that element is written as 0), and the host throws
// ArithmeticException("div: integer division by zero") like the CPU backend.

#include "dd_common.cuh"

/** Java's Math.pow on top of CUDA's C99 pow (see the file header for the two differences). */
__host__ __device__ __forceinline__ double dd_jpow(double a, double b) {
    if (b != b) return b;
    if (fabs(a) == 1.0 && fabs(b) == dd_inf()) return b - b;   // ∞ − ∞ = NaN
    return pow(a, b);
}

// One functor per op: f on doubles for floating types, l on longs for integers (status for div).
struct BAdd { static __host__ __device__ double f(double a, double b) { return a + b; }
              static __host__ __device__ long long l(long long a, long long b, int*) { return dd_ladd(a, b); } };
struct BSub { static __host__ __device__ double f(double a, double b) { return a - b; }
              static __host__ __device__ long long l(long long a, long long b, int*) { return dd_lsub(a, b); } };
struct BMul { static __host__ __device__ double f(double a, double b) { return a * b; }
              static __host__ __device__ long long l(long long a, long long b, int*) { return dd_lmul(a, b); } };
struct BDiv { static __host__ __device__ double f(double a, double b) { return a / b; }
              static __host__ __device__ long long l(long long a, long long b, int* status) {
                  if (b == 0) {
                      if (status != 0) *status = 1;
                      return 0;
                  }
                  if (b == -1) return dd_lneg(a);   // avoids the C trap on LLONG_MIN / -1; Java wraps
                  return a / b;
              } };
struct BPow { static __host__ __device__ double f(double a, double b) { return dd_jpow(a, b); } };
struct BMax { static __host__ __device__ double f(double a, double b) { return dd_jmax(a, b); }
              static __host__ __device__ long long l(long long a, long long b, int*) { return max(a, b); } };
struct BMin { static __host__ __device__ double f(double a, double b) { return dd_jmin(a, b); }
              static __host__ __device__ long long l(long long a, long long b, int*) { return min(a, b); } };
struct BEq { static __host__ __device__ double f(double a, double b) { return a == b ? 1.0 : 0.0; }
             static __host__ __device__ long long l(long long a, long long b, int*) { return a == b ? 1 : 0; } };
struct BNe { static __host__ __device__ double f(double a, double b) { return a != b ? 1.0 : 0.0; }
             static __host__ __device__ long long l(long long a, long long b, int*) { return a != b ? 1 : 0; } };
struct BLt { static __host__ __device__ double f(double a, double b) { return a < b ? 1.0 : 0.0; }
             static __host__ __device__ long long l(long long a, long long b, int*) { return a < b ? 1 : 0; } };
struct BLe { static __host__ __device__ double f(double a, double b) { return a <= b ? 1.0 : 0.0; }
             static __host__ __device__ long long l(long long a, long long b, int*) { return a <= b ? 1 : 0; } };
struct BGt { static __host__ __device__ double f(double a, double b) { return a > b ? 1.0 : 0.0; }
             static __host__ __device__ long long l(long long a, long long b, int*) { return a > b ? 1 : 0; } };
struct BGe { static __host__ __device__ double f(double a, double b) { return a >= b ? 1.0 : 0.0; }
             static __host__ __device__ long long l(long long a, long long b, int*) { return a >= b ? 1 : 0; } };

template <typename T, typename Op>
__device__ __forceinline__ void dd_binary_float(int n, int rank, const dd_dims& shape, const dd_dims& as, const dd_dims& bs,
                                                const dd_dims& ys, const T* a, const T* b, T* y) {
    DD_GRID_STRIDE(i, n) {
        int ao, bo, yo;
        dd_offset3((int)i, rank, shape, as, bs, ys, ao, bo, yo);
        y[yo] = (T)Op::f((double)a[ao], (double)b[bo]);
    }
}

template <typename T, typename Op>
__device__ __forceinline__ void dd_binary_int(int n, int rank, const dd_dims& shape, const dd_dims& as, const dd_dims& bs,
                                              const dd_dims& ys, const T* a, const T* b, T* y, int* status) {
    DD_GRID_STRIDE(i, n) {
        int ao, bo, yo;
        dd_offset3((int)i, rank, shape, as, bs, ys, ao, bo, yo);
        y[yo] = dd_from_long<T>(Op::l((long long)a[ao], (long long)b[bo], status));
    }
}

template <typename T, typename Op>
__device__ __forceinline__ void dd_scalar_float(int n, int rank, const dd_dims& shape, const dd_dims& as, const dd_dims& ys,
                                                const T* a, double s, int scalarFirst, T* y) {
    DD_GRID_STRIDE(i, n) {
        int ao, yo;
        dd_offset2((int)i, rank, shape, as, ys, ao, yo);
        double v = (double)a[ao];
        y[yo] = (T)(scalarFirst ? Op::f(s, v) : Op::f(v, s));
    }
}

template <typename T, typename Op>
__device__ __forceinline__ void dd_scalar_int(int n, int rank, const dd_dims& shape, const dd_dims& as, const dd_dims& ys,
                                              const T* a, long long s, int scalarFirst, T* y, int* status) {
    DD_GRID_STRIDE(i, n) {
        int ao, yo;
        dd_offset2((int)i, rank, shape, as, ys, ao, yo);
        long long v = (long long)a[ao];
        y[yo] = dd_from_long<T>(scalarFirst ? Op::l(s, v, status) : Op::l(v, s, status));
    }
}

#define DD_BINARY_F(NAME, OP, TN, T)                                                                             \
    extern "C" __global__ void ew_##NAME##_##TN(int n, int rank, dd_dims shape, dd_dims aStrides,               \
                                                dd_dims bStrides, dd_dims yStrides, const T* a, const T* b,      \
                                                T* y, int* status) {                                             \
        (void)status;                                                                                            \
        dd_binary_float<T, OP>(n, rank, shape, aStrides, bStrides, yStrides, a, b, y);                          \
    }                                                                                                            \
    extern "C" __global__ void ew_##NAME##_scalar_##TN(int n, int rank, dd_dims shape, dd_dims aStrides,        \
                                                       dd_dims yStrides, const T* a, double scalar,              \
                                                       int scalarFirst, T* y, int* status) {                     \
        (void)status;                                                                                            \
        dd_scalar_float<T, OP>(n, rank, shape, aStrides, yStrides, a, scalar, scalarFirst, y);                  \
    }

#define DD_BINARY_I(NAME, OP, TN, T)                                                                             \
    extern "C" __global__ void ew_##NAME##_##TN(int n, int rank, dd_dims shape, dd_dims aStrides,               \
                                                dd_dims bStrides, dd_dims yStrides, const T* a, const T* b,      \
                                                T* y, int* status) {                                             \
        dd_binary_int<T, OP>(n, rank, shape, aStrides, bStrides, yStrides, a, b, y, status);                    \
    }                                                                                                            \
    extern "C" __global__ void ew_##NAME##_scalar_##TN(int n, int rank, dd_dims shape, dd_dims aStrides,        \
                                                       dd_dims yStrides, const T* a, long long scalar,           \
                                                       int scalarFirst, T* y, int* status) {                     \
        dd_scalar_int<T, OP>(n, rank, shape, aStrides, yStrides, a, scalar, scalarFirst, y, status);            \
    }

#define DD_BINARY_ALL_TYPES(NAME, OP)        \
    DD_BINARY_F(NAME, OP, f32, float)        \
    DD_BINARY_F(NAME, OP, f64, double)       \
    DD_BINARY_I(NAME, OP, i32, int)          \
    DD_BINARY_I(NAME, OP, i64, long long)

DD_BINARY_ALL_TYPES(add, BAdd)
DD_BINARY_ALL_TYPES(sub, BSub)
DD_BINARY_ALL_TYPES(mul, BMul)
DD_BINARY_ALL_TYPES(div, BDiv)
DD_BINARY_F(pow, BPow, f32, float)
DD_BINARY_F(pow, BPow, f64, double)
DD_BINARY_ALL_TYPES(max, BMax)
DD_BINARY_ALL_TYPES(min, BMin)
DD_BINARY_ALL_TYPES(eq, BEq)
DD_BINARY_ALL_TYPES(ne, BNe)
DD_BINARY_ALL_TYPES(lt, BLt)
DD_BINARY_ALL_TYPES(le, BLe)
DD_BINARY_ALL_TYPES(gt, BGt)
DD_BINARY_ALL_TYPES(ge, BGe)
