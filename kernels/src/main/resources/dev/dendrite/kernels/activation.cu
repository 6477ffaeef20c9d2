// activation.cu — Backend.activationBackward: dx = dy · f'(·) for the activations with a backward primitive.
//
// Kernels (T ∈ f32 f64): act_bwd_<op>_<T>(int n, const T* in, const T* dy, double alpha, T* dx)
//   op = ActivationOp.name().toLowerCase(): relu leaky_relu elu gelu — `in` is the forward INPUT x;
//                                           sigmoid tanh             — `in` is the forward OUTPUT y.
//   alpha: the negative slope (leaky_relu) or the ELU scale; ignored by the others.
//
// Launch geometry: 1-D grid-stride over n; block 256, grid min(ceil(n/256), 4096). No shared memory.
//
// Layout: in, dy, dx contiguous, n elements each; dx may be the same buffer as dy.
//
// Semantics (ActivationKernels of the CPU backend; the derivative at the kink x = 0 is the left one):
//   relu        x > 0 ? dy : 0                    (in T, no rounding)
//   leaky_relu  x > 0 ? dy : (T)(alpha·dy)
//   elu         x > 0 ? dy : (T)(alpha·e^x·dy)
//   gelu        (T)((Φ(x) + x·φ(x))·dy), the x·φ term dropped when φ underflows to 0 (so ±∞ give 1 or 0)
//   sigmoid     (T)(y·(1 − y)·dy)
//   tanh        (T)((1 − y²)·dy)
// Products are evaluated left to right in double, never fused. Φ here is ½·erfc(−x/√2) (accurate in both
// tails); the CPU uses a series/continued fraction of the same accuracy, so GELU agrees to a few ulp in
// f64 and almost always exactly in f32.

#include "dd_common.cuh"

#define DD_INV_SQRT_2PI 0.3989422804014327      // 1 / Math.sqrt(2 * Math.PI)
#define DD_INV_SQRT2_A 0.7071067811865475

__host__ __device__ __forceinline__ double dd_gelu_derivative(double x) {
    const double pdf = dd_mul(DD_INV_SQRT_2PI, exp(dd_mul(dd_mul(-0.5, x), x)));
    const double cdf = x != x ? x : 0.5 * erfc(-x * DD_INV_SQRT2_A);
    return dd_add(cdf, pdf == 0 ? 0.0 : dd_mul(x, pdf));
}

struct ARelu { static __host__ __device__ double f(double v, double g, double) { return v > 0 ? g : 0.0; } };
struct ALeakyRelu { static __host__ __device__ double f(double v, double g, double a) { return v > 0 ? g : a * g; } };
struct AElu { static __host__ __device__ double f(double v, double g, double a) { return v > 0 ? g : dd_mul(a, exp(v)) * g; } };
struct AGelu { static __host__ __device__ double f(double v, double g, double) { return dd_gelu_derivative(v) * g; } };
struct ASigmoid { static __host__ __device__ double f(double v, double g, double) { return dd_mul(v, 1 - v) * g; } };
struct ATanh { static __host__ __device__ double f(double v, double g, double) { return dd_sub(1, dd_mul(v, v)) * g; } };

template <typename T, typename Op>
__device__ __forceinline__ void dd_act_bwd(int n, const T* in, const T* dy, double alpha, T* dx) {
    DD_GRID_STRIDE(i, n) dx[i] = (T)Op::f((double)in[i], (double)dy[i], alpha);
}

#define DD_ACT(NAME, OP)                                                                                           \
    extern "C" __global__ void act_bwd_##NAME##_f32(int n, const float* in, const float* dy, double alpha,        \
                                                    float* dx) {                                                   \
        dd_act_bwd<float, OP>(n, in, dy, alpha, dx);                                                               \
    }                                                                                                              \
    extern "C" __global__ void act_bwd_##NAME##_f64(int n, const double* in, const double* dy, double alpha,      \
                                                    double* dx) {                                                  \
        dd_act_bwd<double, OP>(n, in, dy, alpha, dx);                                                              \
    }

DD_ACT(relu, ARelu)
DD_ACT(leaky_relu, ALeakyRelu)
DD_ACT(elu, AElu)
DD_ACT(gelu, AGelu)
DD_ACT(sigmoid, ASigmoid)
DD_ACT(tanh, ATanh)
