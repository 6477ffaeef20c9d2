// optim.cu — fused optimizer steps, one kernel per optimizer of dev.dendrite.optim.
//
// Kernels (T ∈ f32 f64):
//   sgd_<T>(int n, T* param, const T* grad, T* momentumBuf, double lr, double weightDecay, double momentum, int nesterov)
//   adagrad_<T>(int n, T* param, const T* grad, T* sum, double lr, double weightDecay, double eps)
//   adadelta_<T>(int n, T* param, const T* grad, T* squareAvg, T* accDelta, double lr, double weightDecay, double rho, double eps)
//   rmsprop_<T>(int n, T* param, const T* grad, T* squareAvg, T* momentumBuf, double lr, double weightDecay, double alpha,
//               double eps, double momentum)
//   adam_<T>(int n, T* param, const T* grad, T* expAvg, T* expAvgSq, double lr, double weightDecay, double beta1,
//            double beta2, double eps, double bc1, double bc2)
//   adamw_<T>(same parameters as adam_<T>)
//   adamax_<T>(int n, T* param, const T* grad, T* expAvg, T* expInf, double lr, double weightDecay, double beta1,
//              double beta2, double eps, double bc1)
//
// Launch geometry: 1-D grid-stride over n; block 256, grid min(ceil(n/256), 4096). No shared memory.
//
// Layout: param, grad and every state buffer contiguous with n elements. momentumBuf is read only when
// momentum != 0 (pass NULL otherwise). bc1 = 1 − Math.pow(beta1, t) and bc2 = 1 − Math.pow(beta2, t),
// t = the parameter's update count (1 on the first step), computed on the host with Java's pow.
//
// Semantics — Note [Fused steps replay the composite]
// The optimizers in models/optim are written as a sequence of tensor ops (mul, addInPlace, sqrt, div, …),
// each of which rounds its result to the tensor's dtype. Each kernel here replays that exact sequence per
// element, with the rounding after every op (R below) and no FMA contraction, so a fused step produces the
// same bits as the composite one: + − × ÷ √ are correctly rounded in both, and max/abs are exact. The
// sequences, with d = L2(θ, g) = wd == 0 ? g : R(R(θ·wd) + g) and `x += s·y` meaning x = R(x + R(y·s)):
//   SGD       momentum 0: θ += −lr·d;  else b = R(b·μ); b = R(b + d); Nesterov: k = R(R(b·μ) + d), θ += −lr·k;
//             classical θ += −lr·b
//   Adagrad   s = R(s + R(d·d));  θ += −lr·R(d / R(R(√s) + ε))
//   Adadelta  a = R(a·ρ); a += (1−ρ)·R(d·d);  σ = R(√R(a + ε));  Δ = R(R(R(√R(u + ε)) / σ)·d);
//             u = R(u·ρ); u += (1−ρ)·R(Δ·Δ);  θ += −lr·Δ
//   RMSprop   v = R(v·α); v += (1−α)·R(d·d);  q = R(d / R(R(√v) + ε));  momentum 0: θ += −lr·q;
//             else b = R(b·μ); b = R(b + q); θ += −lr·b
//   Adam      m = R(m·β1); m += (1−β1)·d;  v = R(v·β2); v += (1−β2)·R(d·d);
//             θ += (−lr/bc1)·R(m / R(R(R(√v) / √bc2) + ε))
//   AdamW     θ = R(θ·(1 − lr·wd)) when wd != 0, then Adam with d = g
//   AdaMax    m = R(m·β1); m += (1−β1)·d;  u = max(R(u·β2), |d|) (Math.max);  θ += (−lr/bc1)·R(m / R(u + ε))

#include "dd_common.cuh"

#define DD_R(v) dd_round<T>(v)

/** x += s·y as Tensor.addInPlace(other, alpha): the product rounded to T, then the sum rounded to T. */
template <typename T> __host__ __device__ __forceinline__ double dd_axpy(double x, double y, double s) {
    return dd_round<T>(dd_add(x, dd_round<T>(dd_mul(y, s))));
}

/** Optimizer.withL2: d = g + wd·θ as param.mul(wd) then addInPlace(grad). */
template <typename T> __host__ __device__ __forceinline__ double dd_l2(double p, double g, double wd) {
    return wd == 0 ? g : dd_round<T>(dd_add(dd_round<T>(dd_mul(p, wd)), g));
}

// One element's step per optimizer (host-callable, so a host program can replay it); the kernels below
// apply them over n elements.

template <typename T>
__host__ __device__ __forceinline__ void dd_sgd_step(T& param, T grad, T* buf, double lr, double wd, double mu, int nesterov) {
    double p = (double)param;
    const double d = dd_l2<T>(p, (double)grad, wd);
    if (mu == 0) {
        p = dd_axpy<T>(p, d, -lr);
    } else {
        double b = DD_R(dd_mul((double)*buf, mu));
        b = DD_R(dd_add(b, d));
        *buf = (T)b;
        if (nesterov) {
            const double look = DD_R(dd_add(DD_R(dd_mul(b, mu)), d));
            p = dd_axpy<T>(p, look, -lr);
        } else {
            p = dd_axpy<T>(p, b, -lr);
        }
    }
    param = (T)p;
}

template <typename T>
__host__ __device__ __forceinline__ void dd_adagrad_step(T& param, T grad, T& sum, double lr, double wd, double eps) {
    const double p = (double)param;
    const double d = dd_l2<T>(p, (double)grad, wd);
    const double s = DD_R(dd_add((double)sum, DD_R(dd_mul(d, d))));
    sum = (T)s;
    const double denom = DD_R(dd_add(DD_R(sqrt(s)), eps));
    param = (T)dd_axpy<T>(p, DD_R(d / denom), -lr);
}

template <typename T>
__host__ __device__ __forceinline__ void dd_adadelta_step(T& param, T grad, T& squareAvg, T& accDelta, double lr, double wd,
                                                          double rho, double eps) {
    const double oneMinusRho = 1 - rho;
    const double p = (double)param;
    const double d = dd_l2<T>(p, (double)grad, wd);
    double a = DD_R(dd_mul((double)squareAvg, rho));
    a = dd_axpy<T>(a, DD_R(dd_mul(d, d)), oneMinusRho);
    squareAvg = (T)a;
    const double std = DD_R(sqrt(DD_R(dd_add(a, eps))));
    double u = (double)accDelta;
    const double delta = DD_R(dd_mul(DD_R(DD_R(sqrt(DD_R(dd_add(u, eps)))) / std), d));
    u = DD_R(dd_mul(u, rho));
    u = dd_axpy<T>(u, DD_R(dd_mul(delta, delta)), oneMinusRho);
    accDelta = (T)u;
    param = (T)dd_axpy<T>(p, delta, -lr);
}

template <typename T>
__host__ __device__ __forceinline__ void dd_rmsprop_step(T& param, T grad, T& squareAvg, T* buf, double lr, double wd,
                                                         double alpha, double eps, double mu) {
    double p = (double)param;
    const double d = dd_l2<T>(p, (double)grad, wd);
    double v = DD_R(dd_mul((double)squareAvg, alpha));
    v = dd_axpy<T>(v, DD_R(dd_mul(d, d)), 1 - alpha);
    squareAvg = (T)v;
    const double q = DD_R(d / DD_R(dd_add(DD_R(sqrt(v)), eps)));
    if (mu == 0) {
        p = dd_axpy<T>(p, q, -lr);
    } else {
        double b = DD_R(dd_mul((double)*buf, mu));
        b = DD_R(dd_add(b, q));
        *buf = (T)b;
        p = dd_axpy<T>(p, b, -lr);
    }
    param = (T)p;
}

/** Adam and AdamW (decoupled = true: θ·(1 − lr·wd) first and no L2 term), as Adam.adamUpdate. */
template <typename T>
__host__ __device__ __forceinline__ void dd_adam_step(T& param, T grad, T& expAvg, T& expAvgSq, double lr, double wd,
                                                      double beta1, double beta2, double eps, double bc1, double bc2,
                                                      bool decoupled) {
    double p = (double)param;
    double d;
    if (decoupled) {
        if (wd != 0) p = DD_R(dd_mul(p, dd_sub(1, dd_mul(lr, wd))));   // param.mulInPlace(1 − lr·wd)
        d = (double)grad;
    } else {
        d = dd_l2<T>(p, (double)grad, wd);
    }
    double m = DD_R(dd_mul((double)expAvg, beta1));
    m = dd_axpy<T>(m, d, 1 - beta1);
    expAvg = (T)m;
    double v = DD_R(dd_mul((double)expAvgSq, beta2));
    v = dd_axpy<T>(v, DD_R(dd_mul(d, d)), 1 - beta2);
    expAvgSq = (T)v;
    // √v̂ + ε = √v / √bc2 + ε and lr·m̂ = (lr / bc1)·m, as Adam.adamUpdate arranges it
    const double denom = DD_R(dd_add(DD_R(DD_R(sqrt(v)) / sqrt(bc2)), eps));
    param = (T)dd_axpy<T>(p, DD_R(m / denom), -lr / bc1);
}

template <typename T>
__host__ __device__ __forceinline__ void dd_adamax_step(T& param, T grad, T& expAvg, T& expInf, double lr, double wd,
                                                        double beta1, double beta2, double eps, double bc1) {
    const double p = (double)param;
    const double d = dd_l2<T>(p, (double)grad, wd);
    double m = DD_R(dd_mul((double)expAvg, beta1));
    m = dd_axpy<T>(m, d, 1 - beta1);
    expAvg = (T)m;
    const double u = dd_jmax(DD_R(dd_mul((double)expInf, beta2)), fabs(d));
    expInf = (T)u;
    param = (T)dd_axpy<T>(p, DD_R(m / DD_R(dd_add(u, eps))), -lr / bc1);
}

#define DD_OPTIM(TN, T)                                                                                            \
    extern "C" __global__ void sgd_##TN(int n, T* param, const T* grad, T* momentumBuf, double lr,                \
                                        double weightDecay, double momentum, int nesterov) {                       \
        DD_GRID_STRIDE(i, n) dd_sgd_step<T>(param[i], grad[i], momentum == 0 ? (T*)0 : momentumBuf + i, lr,        \
                                            weightDecay, momentum, nesterov);                                      \
    }                                                                                                              \
    extern "C" __global__ void adagrad_##TN(int n, T* param, const T* grad, T* sum, double lr, double weightDecay, \
                                            double eps) {                                                          \
        DD_GRID_STRIDE(i, n) dd_adagrad_step<T>(param[i], grad[i], sum[i], lr, weightDecay, eps);                  \
    }                                                                                                              \
    extern "C" __global__ void adadelta_##TN(int n, T* param, const T* grad, T* squareAvg, T* accDelta,           \
                                             double lr, double weightDecay, double rho, double eps) {              \
        DD_GRID_STRIDE(i, n)                                                                                       \
            dd_adadelta_step<T>(param[i], grad[i], squareAvg[i], accDelta[i], lr, weightDecay, rho, eps);          \
    }                                                                                                              \
    extern "C" __global__ void rmsprop_##TN(int n, T* param, const T* grad, T* squareAvg, T* momentumBuf,         \
                                            double lr, double weightDecay, double alpha, double eps,               \
                                            double momentum) {                                                     \
        DD_GRID_STRIDE(i, n)                                                                                       \
            dd_rmsprop_step<T>(param[i], grad[i], squareAvg[i], momentum == 0 ? (T*)0 : momentumBuf + i, lr,       \
                               weightDecay, alpha, eps, momentum);                                                 \
    }                                                                                                              \
    extern "C" __global__ void adam_##TN(int n, T* param, const T* grad, T* expAvg, T* expAvgSq, double lr,       \
                                         double weightDecay, double beta1, double beta2, double eps, double bc1,   \
                                         double bc2) {                                                             \
        DD_GRID_STRIDE(i, n) dd_adam_step<T>(param[i], grad[i], expAvg[i], expAvgSq[i], lr, weightDecay, beta1,     \
                                             beta2, eps, bc1, bc2, false);                                         \
    }                                                                                                              \
    extern "C" __global__ void adamw_##TN(int n, T* param, const T* grad, T* expAvg, T* expAvgSq, double lr,      \
                                          double weightDecay, double beta1, double beta2, double eps, double bc1,  \
                                          double bc2) {                                                            \
        DD_GRID_STRIDE(i, n) dd_adam_step<T>(param[i], grad[i], expAvg[i], expAvgSq[i], lr, weightDecay, beta1,     \
                                             beta2, eps, bc1, bc2, true);                                          \
    }                                                                                                              \
    extern "C" __global__ void adamax_##TN(int n, T* param, const T* grad, T* expAvg, T* expInf, double lr,       \
                                           double weightDecay, double beta1, double beta2, double eps,             \
                                           double bc1) {                                                           \
        DD_GRID_STRIDE(i, n)                                                                                       \
            dd_adamax_step<T>(param[i], grad[i], expAvg[i], expInf[i], lr, weightDecay, beta1, beta2, eps, bc1);   \
    }

DD_OPTIM(f32, float)
DD_OPTIM(f64, double)
