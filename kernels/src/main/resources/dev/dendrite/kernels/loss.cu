// loss.cu — Backend.softmaxCrossEntropy: softmax cross-entropy of logits [N, C] with integer labels [N].
//
// Kernels (T ∈ f32 f64, I ∈ i32 i64):
//   ce_labels_<I>(int n, const I* labels, int C, long long ignoreIndex, int* cls, int* status)
//   ce_fwd_<T>(int n, int C, const T* logits, const int* cls, const int* status, int reduction,
//              double labelSmoothing, T* loss, double* perSample, T* dlogits)
//   ce_reduce_<T>(int n, const double* perSample, const int* status, int reduction, T* loss)
//
// Launch geometry:
//   ce_labels_<I>: a SINGLE block, grid 1, block 256 (any multiple of 32 up to 1024). Launch even for n = 0.
//   ce_fwd_<T>: ONE BLOCK PER SAMPLE, grid = n (the kernel loops blockIdx.x += gridDim.x, so a smaller grid
//     is correct), block 256 (multiple of 32, up to 1024). Skip it when n = 0.
//   ce_reduce_<T>: a SINGLE block, grid 1, block 256; MEAN and SUM only; launch even for n = 0.
//   Static shared memory only; no dynamic shared memory.
//
// Layout: logits and dlogits [N, C] contiguous, labels [N] contiguous; workspace cls int[N], status int[2],
// perSample double[N]. reduction = Reduction.ordinal(): 0 MEAN, 1 SUM, 2 NONE. dlogits may be NULL.
//
// Semantics (LossKernels of the CPU backend):
//   ce_labels: cls[i] = label, or −1 for a label equal to ignoreIndex (the ignore index wins even when it is
//     a valid class; CrossEntropyParams.NO_IGNORE = Long.MIN_VALUE never matches) or outside [0, C);
//     status[0] = first sample whose label is outside [0, C) and not the ignore index, or −1;
//     status[1] = count of non-ignored samples. The host throws LossKernels' message when status[0] >= 0
//     ("crossEntropy: label L at sample S is out of range [0, C)" + " and is not the ignore index K" when set).
//   ce_fwd: with M = max_c x_c (Math.max, NaN propagates), lse = M + log Σ_c e^(x_c − M),
//     loss_n = −(1 − ε)·(x_label − lse) − (ε/C)·Σ_c (x_c − lse)  (the second term only when ε ≠ 0);
//     dlogits_n,c = (e^(x_c − lse) − t_c)·scale with t = (1 − ε)·onehot + ε/C and scale = MEAN ?
//     (count == 0 ? 0 : 1/count) : 1 (Note [Cross-entropy mean over zero samples]: 0, not NaN).
//     Ignored samples: loss 0, gradient row 0. NONE writes loss[n] as T; MEAN/SUM write perSample[n] (double).
//     Sums are in double, in a tree order fixed by the block size.
//   ce_reduce: loss[0] = SUM ? Σ perSample : (count == 0 ? 0 : Σ perSample / count).

#include "dd_common.cuh"

#define DD_RED_MEAN 0
#define DD_RED_SUM 1
#define DD_RED_NONE 2

template <typename I>
__device__ __forceinline__ void dd_ce_labels(int n, const I* labels, int C, long long ignoreIndex, int* cls, int* status) {
    int first = DD_INT_MAX, kept = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const long long l = (long long)labels[i];
        int c = -1;
        if (l != ignoreIndex) {
            if (l < 0 || l >= C) first = min(first, i);
            else { c = (int)l; ++kept; }
        }
        cls[i] = c;
    }
    first = dd_block_min_int(first);
    kept = dd_block_sum<int>(kept);
    if (threadIdx.x == 0) {
        status[0] = first == DD_INT_MAX ? -1 : first;
        status[1] = kept;
    }
}

template <typename T>
__device__ __forceinline__ void dd_ce_fwd(int n, int C, const T* logits, const int* cls, const int* status, int reduction,
                                          double eps, T* loss, double* perSample, T* dlogits) {
    const int count = status[1];
    const double scale = reduction == DD_RED_MEAN ? (count == 0 ? 0.0 : 1.0 / count) : 1.0;
    const double offTarget = eps / C, onTarget = 1 - eps + offTarget;
    for (int r = blockIdx.x; r < n; r += gridDim.x) {
        const T* x = logits + (long long)r * C;
        const int label = cls[r];
        double l = 0;
        if (label < 0) {
            if (dlogits != 0)
                for (int j = threadIdx.x; j < C; j += blockDim.x) dlogits[(long long)r * C + j] = (T)0;
        } else {
            double m = -dd_inf();
            for (int j = threadIdx.x; j < C; j += blockDim.x) m = dd_jmax(m, (double)x[j]);
            m = dd_block_jmax(m);
            double s = 0;
            for (int j = threadIdx.x; j < C; j += blockDim.x) s += exp((double)x[j] - m);
            s = dd_block_sum<double>(s);
            const double lse = m + log(s);
            l = -(1 - eps) * ((double)x[label] - lse);
            if (eps != 0) {
                // Σ_c (x_c − lse) term by term: with large logits Σx − C·lse would cancel.
                double sumLogp = 0;
                for (int j = threadIdx.x; j < C; j += blockDim.x) sumLogp += (double)x[j] - lse;
                sumLogp = dd_block_sum<double>(sumLogp);
                l = dd_sub(l, dd_mul(offTarget, sumLogp));
            }
            if (dlogits != 0) {
                for (int j = threadIdx.x; j < C; j += blockDim.x) {
                    const double t = j == label ? onTarget : offTarget;
                    dlogits[(long long)r * C + j] = (T)((exp((double)x[j] - lse) - t) * scale);
                }
            }
        }
        if (threadIdx.x == 0) {
            if (reduction == DD_RED_NONE) loss[r] = (T)l;
            else perSample[r] = l;
        }
    }
}

template <typename T>
__device__ __forceinline__ void dd_ce_reduce(int n, const double* perSample, const int* status, int reduction, T* loss) {
    double s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += perSample[i];
    const double total = dd_block_sum<double>(s);
    if (threadIdx.x == 0 && reduction != DD_RED_NONE) {
        const int count = status[1];
        loss[0] = (T)(reduction == DD_RED_SUM ? total : count == 0 ? 0.0 : total / count);
    }
}

#define DD_CE_LABELS(IN, I)                                                                                        \
    extern "C" __global__ void ce_labels_##IN(int n, const I* labels, int C, long long ignoreIndex, int* cls,     \
                                              int* status) {                                                       \
        dd_ce_labels<I>(n, labels, C, ignoreIndex, cls, status);                                                   \
    }

#define DD_CE(TN, T)                                                                                               \
    extern "C" __global__ void ce_fwd_##TN(int n, int C, const T* logits, const int* cls, const int* status,      \
                                           int reduction, double labelSmoothing, T* loss, double* perSample,       \
                                           T* dlogits) {                                                           \
        dd_ce_fwd<T>(n, C, logits, cls, status, reduction, labelSmoothing, loss, perSample, dlogits);              \
    }                                                                                                              \
    extern "C" __global__ void ce_reduce_##TN(int n, const double* perSample, const int* status, int reduction,   \
                                              T* loss) {                                                           \
        dd_ce_reduce<T>(n, perSample, status, reduction, loss);                                                    \
    }

DD_CE_LABELS(i32, int)
DD_CE_LABELS(i64, long long)
DD_CE(f32, float)
DD_CE(f64, double)
