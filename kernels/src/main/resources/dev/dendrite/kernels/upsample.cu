// upsample.cu — Backend.upsample2x and Backend.upsample2xBackward: 2× nearest / bilinear along H and W.
//
// Kernels (T ∈ f32 f64), H and W are always the INPUT (x / dx) sizes, planes = N·C:
//   upsample2x_nearest_fwd_<T>(int planes, int H, int W, const T* x, T* y)
//   upsample2x_nearest_bwd_<T>(int planes, int H, int W, const T* dy, T* dx)
//   upsample2x_bilinear_fwd_<T>(int planes, int H, int W, const T* x, T* y)
//   upsample2x_bilinear_bwd_<T>(int planes, int H, int W, const T* dy, T* dx)
//
// Launch geometry: 1-D grid-stride, one thread per OUTPUT element of the call: forward over
// planes·4·H·W (y), backward over planes·H·W (dx); block 256, grid min(ceil(count/256), 4096).
// No shared memory. The backward kernels gather (no atomics) and write every dx element.
//
// Layout: x, dx [N, C, H, W] and y, dy [N, C, 2H, 2W], contiguous NCHW.
//
// Semantics (UpsampleKernels of the CPU backend), arithmetic in T — float for f32, as the CPU does
// there — with no FMA contraction:
//   NEAREST: y[2h + i, 2w + j] = x[h, w]; backward dx[h, w] = (dy[2h, 2w] + dy[2h, 2w+1]) + (dy[2h+1, 2w] + dy[2h+1, 2w+1]).
//   BILINEAR (align_corners=False): output index d reads src = max(0, (d + 0.5)/2 − 0.5), lo = floor(src),
//     hi = min(lo + 1, in − 1), λ = src − lo (0, 1/4 or 3/4), and
//     y = (1 − λh)·((1 − λw)·x[lo,lo'] + λw·x[lo,hi']) + λh·((1 − λw)·x[hi,lo'] + λw·x[hi,hi']).
//   The bilinear backward visits, for each dx element, exactly the (d, e, term) contributions the CPU's
//   scatter loop adds to it, in the same order (rows d ascending, columns e ascending, the four terms in
//   the CPU's statement order) and from the same 0 — so the gradient is bit-identical, not just close.

#include "dd_common.cuh"

/** UpsampleKernels.Taps for one output index d of a dimension of input size `in`. */
__host__ __device__ __forceinline__ void dd_tap(int d, int in, int& lo, int& hi, double& frac) {
    const double src = dd_jmax(0.0, (d + 0.5) / 2 - 0.5);
    lo = (int)src;
    hi = lo + 1 < in - 1 ? lo + 1 : in - 1;
    frac = src - lo;
}

// Per-element functions (host-callable, so a host program can check them against the CPU's Java code).

/** Bilinear output (d, c) of one plane xp [H, W]. */
template <typename T>
__host__ __device__ __forceinline__ T dd_bilinear_fwd_at(const T* xp, int H, int W, int d, int c) {
    const T one = (T)1;
    int r0, r1, c0, c1;
    double fh, fw;
    dd_tap(d, H, r0, r1, fh);
    dd_tap(c, W, c0, c1, fw);
    const T lh = (T)fh, lw = (T)fw;
    const T top = dd_tadd(dd_tmul(dd_tsub(one, lw), xp[r0 * W + c0]), dd_tmul(lw, xp[r0 * W + c1]));
    const T bottom = dd_tadd(dd_tmul(dd_tsub(one, lw), xp[r1 * W + c0]), dd_tmul(lw, xp[r1 * W + c1]));
    return dd_tadd(dd_tmul(dd_tsub(one, lh), top), dd_tmul(lh, bottom));
}

/** Nearest-neighbour gradient of input (h, w) from one plane g [2H, 2W]. */
template <typename T>
__host__ __device__ __forceinline__ T dd_nearest_bwd_at(const T* g, int W, int h, int w) {
    const int W2 = 2 * W;
    const T* top = g + (long long)(2 * h) * W2 + 2 * w;
    const T* bottom = top + W2;
    return dd_tadd(dd_tadd(top[0], top[1]), dd_tadd(bottom[0], bottom[1]));
}

/** Bilinear gradient of input (h, w) from one plane g [2H, 2W], in the CPU's accumulation order. */
template <typename T>
__host__ __device__ __forceinline__ T dd_bilinear_bwd_at(const T* g, int H, int W, int h, int w) {
    const int W2 = 2 * W;
    const T one = (T)1;
    T acc = (T)0;
    // Only output rows 2h−1 .. 2h+2 and columns 2w−1 .. 2w+2 can read input (h, w).
    const int d0 = 2 * h - 1 > 0 ? 2 * h - 1 : 0, d1 = 2 * h + 2 < 2 * H - 1 ? 2 * h + 2 : 2 * H - 1;
    const int e0 = 2 * w - 1 > 0 ? 2 * w - 1 : 0, e1 = 2 * w + 2 < W2 - 1 ? 2 * w + 2 : W2 - 1;
    for (int d = d0; d <= d1; ++d) {
        int r0, r1;
        double fh;
        dd_tap(d, H, r0, r1, fh);
        if (r0 != h && r1 != h) continue;
        const T lh = (T)fh;
        for (int e = e0; e <= e1; ++e) {
            int c0, c1;
            double fw;
            dd_tap(e, W, c0, c1, fw);
            if (c0 != w && c1 != w) continue;
            const T lw = (T)fw;
            const T gv = g[(long long)d * W2 + e];
            const T g0 = dd_tmul(dd_tsub(one, lh), gv), g1 = dd_tmul(lh, gv);
            // The CPU's four statements, in order: (r0,c0), (r0,c1), (r1,c0), (r1,c1).
            if (r0 == h && c0 == w) acc = dd_tadd(acc, dd_tmul(dd_tsub(one, lw), g0));
            if (r0 == h && c1 == w) acc = dd_tadd(acc, dd_tmul(lw, g0));
            if (r1 == h && c0 == w) acc = dd_tadd(acc, dd_tmul(dd_tsub(one, lw), g1));
            if (r1 == h && c1 == w) acc = dd_tadd(acc, dd_tmul(lw, g1));
        }
    }
    return acc;
}

// Kernel bodies: one thread per output element of the call.

template <typename T>
__device__ __forceinline__ void dd_nearest_fwd(int planes, int H, int W, const T* x, T* y) {
    const long long plane4 = 4LL * H * W, total = planes * plane4;
    const int W2 = 2 * W;
    DD_GRID_STRIDE(e, total) {
        const long long p = e / plane4;
        const int rem = (int)(e - p * plane4), d = rem / W2, c = rem - d * W2;
        y[e] = x[p * H * W + (long long)(d >> 1) * W + (c >> 1)];
    }
}

template <typename T>
__device__ __forceinline__ void dd_nearest_bwd(int planes, int H, int W, const T* dy, T* dx) {
    const long long plane = (long long)H * W, total = planes * plane;
    DD_GRID_STRIDE(i, total) {
        const long long p = i / plane;
        const int rem = (int)(i - p * plane), h = rem / W, w = rem - h * W;
        dx[i] = dd_nearest_bwd_at<T>(dy + p * 4 * plane, W, h, w);
    }
}

template <typename T>
__device__ __forceinline__ void dd_bilinear_fwd(int planes, int H, int W, const T* x, T* y) {
    const long long plane4 = 4LL * H * W, total = planes * plane4;
    const int W2 = 2 * W;
    DD_GRID_STRIDE(e, total) {
        const long long p = e / plane4;
        const int rem = (int)(e - p * plane4), d = rem / W2, c = rem - d * W2;
        y[e] = dd_bilinear_fwd_at<T>(x + p * H * W, H, W, d, c);
    }
}

template <typename T>
__device__ __forceinline__ void dd_bilinear_bwd(int planes, int H, int W, const T* dy, T* dx) {
    const long long plane = (long long)H * W, total = planes * plane;
    DD_GRID_STRIDE(i, total) {
        const long long p = i / plane;
        const int rem = (int)(i - p * plane), h = rem / W, w = rem - h * W;
        dx[i] = dd_bilinear_bwd_at<T>(dy + p * 4 * plane, H, W, h, w);
    }
}

#define DD_UPSAMPLE(TN, T)                                                                                         \
    extern "C" __global__ void upsample2x_nearest_fwd_##TN(int planes, int H, int W, const T* x, T* y) {          \
        dd_nearest_fwd<T>(planes, H, W, x, y);                                                                     \
    }                                                                                                              \
    extern "C" __global__ void upsample2x_nearest_bwd_##TN(int planes, int H, int W, const T* dy, T* dx) {        \
        dd_nearest_bwd<T>(planes, H, W, dy, dx);                                                                   \
    }                                                                                                              \
    extern "C" __global__ void upsample2x_bilinear_fwd_##TN(int planes, int H, int W, const T* x, T* y) {         \
        dd_bilinear_fwd<T>(planes, H, W, x, y);                                                                    \
    }                                                                                                              \
    extern "C" __global__ void upsample2x_bilinear_bwd_##TN(int planes, int H, int W, const T* dy, T* dx) {       \
        dd_bilinear_bwd<T>(planes, H, W, dy, dx);                                                                  \
    }

DD_UPSAMPLE(f32, float)
DD_UPSAMPLE(f64, double)
