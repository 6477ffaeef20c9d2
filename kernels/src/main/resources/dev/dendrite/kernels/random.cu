// random.cu — Philox4x32-10 random numbers and dropout, bit-identical to dev.dendrite.random.Philox.
//
// Kernels:
//   philox_bits(int n, long long seed, long long stream, unsigned int* dst)
//   rand_uniform_f32(int n, long long seed, long long stream, float low, float high, float* dst)
//   rand_uniform_f64(int n, long long seed, long long stream, double low, double high, double* dst)
//   rand_normal_<T>(int n, long long seed, long long stream, double mean, double std, T* dst)          T ∈ f32 f64
//   dropout_<T>(int n, long long seed, long long stream, float p, double scale, const T* x, T* y, T* mask)
//
// Launch geometry: one thread per Philox block = 4 consecutive elements. 1-D grid-stride over
// nblocks = ceil(n/4); block 256, grid min(ceil(nblocks/256), 4096) (any grid is correct). No shared memory.
//
// Layout: dst, x, y, mask contiguous; element i is logical (row-major) element i.
//
// Semantics — keying (Philox.java): key = (lo32(seed), hi32(seed)); counter = (lo32(i/4), hi32(i/4), lo32(stream),
// hi32(stream)); bits(i) = word i%4 of philox4x32_10(counter, key).
//   uniform float  u = (bits >> 8)·2⁻²⁴;   value = fmaf(u, high − low, low), nextDown(high) if it rounds to high
//   uniform double u = bits·2⁻³²;          value = fma(u, high − low, low),  likewise
//   normal: pairs (2j, 2j+1): u1 = 1 − bits(2j)·2⁻³², u2 = bits(2j+1)·2⁻³², r = √(−2 ln u1), θ = 2π·u2,
//           element 2j = mean + std·(r cos θ), element 2j+1 = mean + std·(r sin θ); in double, then cast.
//           (sqrt is exact; log/cos/sin are CUDA's and may differ from StrictMath by an ulp.)
//   dropout (CpuBackend.dropout): keep iff uniformFloat(bits(i)) >= p; mask = keep ? (T) scale : 0; y = x·mask.
//           The host passes p as (float) p and scale = p >= 1 ? 0 : 1/(1 − p), as the CPU computes them.
// The host validates ranges (low < high finite, std >= 0 finite, p in [0, 1]) with Philox's messages.
//
// The dd_philox* functions are __host__ __device__ so a host program can check them against Philox.java.

#include "dd_common.cuh"

#define DD_PHILOX_M0 0xD2511F53u
#define DD_PHILOX_M1 0xCD9E8D57u
#define DD_PHILOX_W0 0x9E3779B9u
#define DD_PHILOX_W1 0xBB67AE85u
#define DD_TWO_POW_M24F 5.9604644775390625e-08f      // 2^-24, exact
#define DD_TWO_POW_M32 2.3283064365386962890625e-10   // 2^-32, exact
#define DD_TWO_PI 6.283185307179586                   // 2.0 * Math.PI as a double

/** One Philox4x32-10 block: Random123's philox4x32_R(10, ctr, key). */
__host__ __device__ __forceinline__ void dd_philox(unsigned int c0, unsigned int c1, unsigned int c2, unsigned int c3,
                                                   unsigned int k0, unsigned int k1, unsigned int out[4]) {
#pragma unroll
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += DD_PHILOX_W0;
            k1 += DD_PHILOX_W1;
        }
        const unsigned long long p0 = (unsigned long long)DD_PHILOX_M0 * c0;
        const unsigned long long p1 = (unsigned long long)DD_PHILOX_M1 * c2;
        const unsigned int n0 = (unsigned int)(p1 >> 32) ^ c1 ^ k0;
        const unsigned int n1 = (unsigned int)p1;
        const unsigned int n2 = (unsigned int)(p0 >> 32) ^ c3 ^ k1;
        const unsigned int n3 = (unsigned int)p0;
        c0 = n0;
        c1 = n1;
        c2 = n2;
        c3 = n3;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/** The block holding elements 4·blockIndex .. 4·blockIndex+3 of (seed, stream). */
__host__ __device__ __forceinline__ void dd_philox_block(unsigned long long seed, unsigned long long stream,
                                                         unsigned long long blockIndex, unsigned int out[4]) {
    dd_philox((unsigned int)blockIndex, (unsigned int)(blockIndex >> 32), (unsigned int)stream,
              (unsigned int)(stream >> 32), (unsigned int)seed, (unsigned int)(seed >> 32), out);
}

__host__ __device__ __forceinline__ float dd_uniform_float(unsigned int bits) {
    return (float)(bits >> 8) * DD_TWO_POW_M24F;
}

__host__ __device__ __forceinline__ double dd_uniform_double(unsigned int bits) {
    return (double)bits * DD_TWO_POW_M32;
}

/** Philox.fillUniform (float): one fma rounding, pulled below high if it lands on it. */
__host__ __device__ __forceinline__ float dd_uniform_in(unsigned int bits, float low, float range, float high) {
    const float v = fmaf(dd_uniform_float(bits), range, low);
    return v < high ? v : nextafterf(high, -3.40282347e+38f);
}

/** Philox.fillUniform (double). */
__host__ __device__ __forceinline__ double dd_uniform_in(unsigned int bits, double low, double range, double high) {
    const double v = fma(dd_uniform_double(bits), range, low);
    return v < high ? v : nextafter(high, -1.7976931348623157e308);
}

/** Box–Muller on one aligned pair of words (Note [Box–Muller pairing] in Philox.java). */
__host__ __device__ __forceinline__ void dd_box_muller(unsigned int b0, unsigned int b1, double mean, double std,
                                                       double& z0, double& z1) {
    const double u1 = 1.0 - dd_uniform_double(b0);
    const double u2 = dd_uniform_double(b1);
    const double r = sqrt(-2.0 * log(u1));
    const double theta = DD_TWO_PI * u2;
    z0 = dd_add(mean, dd_mul(std, r * cos(theta)));
    z1 = dd_add(mean, dd_mul(std, r * sin(theta)));
}

extern "C" __global__ void philox_bits(int n, long long seed, long long stream, unsigned int* dst) {
    const long long blocks = ((long long)n + 3) / 4;
    DD_GRID_STRIDE(j, blocks) {
        unsigned int w[4];
        dd_philox_block((unsigned long long)seed, (unsigned long long)stream, (unsigned long long)j, w);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const long long i = 4 * j + k;
            if (i < n) dst[i] = w[k];
        }
    }
}

template <typename T>
__device__ __forceinline__ void dd_rand_uniform(int n, long long seed, long long stream, T low, T high, T* dst) {
    const T range = high - low;   // one rounding in T, as Philox.fillUniform
    const long long blocks = ((long long)n + 3) / 4;
    DD_GRID_STRIDE(j, blocks) {
        unsigned int w[4];
        dd_philox_block((unsigned long long)seed, (unsigned long long)stream, (unsigned long long)j, w);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const long long i = 4 * j + k;
            if (i < n) dst[i] = dd_uniform_in(w[k], low, range, high);
        }
    }
}

extern "C" __global__ void rand_uniform_f32(int n, long long seed, long long stream, float low, float high, float* dst) {
    dd_rand_uniform<float>(n, seed, stream, low, high, dst);
}

extern "C" __global__ void rand_uniform_f64(int n, long long seed, long long stream, double low, double high, double* dst) {
    dd_rand_uniform<double>(n, seed, stream, low, high, dst);
}

template <typename T>
__device__ __forceinline__ void dd_rand_normal(int n, long long seed, long long stream, double mean, double std, T* dst) {
    const long long blocks = ((long long)n + 3) / 4;
    DD_GRID_STRIDE(j, blocks) {
        unsigned int w[4];
        dd_philox_block((unsigned long long)seed, (unsigned long long)stream, (unsigned long long)j, w);
        double z[4];
        dd_box_muller(w[0], w[1], mean, std, z[0], z[1]);
        dd_box_muller(w[2], w[3], mean, std, z[2], z[3]);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const long long i = 4 * j + k;
            if (i < n) dst[i] = (T)z[k];
        }
    }
}

extern "C" __global__ void rand_normal_f32(int n, long long seed, long long stream, double mean, double std, float* dst) {
    dd_rand_normal<float>(n, seed, stream, mean, std, dst);
}

extern "C" __global__ void rand_normal_f64(int n, long long seed, long long stream, double mean, double std, double* dst) {
    dd_rand_normal<double>(n, seed, stream, mean, std, dst);
}

template <typename T>
__device__ __forceinline__ void dd_dropout(int n, long long seed, long long stream, float p, double scale, const T* x,
                                           T* y, T* mask) {
    const T keptValue = (T)scale;
    const long long blocks = ((long long)n + 3) / 4;
    DD_GRID_STRIDE(j, blocks) {
        unsigned int w[4];
        dd_philox_block((unsigned long long)seed, (unsigned long long)stream, (unsigned long long)j, w);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const long long i = 4 * j + k;
            if (i < n) {
                // The keep decision reads the float uniform for every dtype, as the CPU does.
                const T m = dd_uniform_float(w[k]) >= p ? keptValue : (T)0;
                mask[i] = m;
                y[i] = dd_tmul(x[i], m);
            }
        }
    }
}

extern "C" __global__ void dropout_f32(int n, long long seed, long long stream, float p, double scale, const float* x,
                                       float* y, float* mask) {
    dd_dropout<float>(n, seed, stream, p, scale, x, y, mask);
}

extern "C" __global__ void dropout_f64(int n, long long seed, long long stream, float p, double scale, const double* x,
                                       double* y, double* mask) {
    dd_dropout<double>(n, seed, stream, p, scale, x, y, mask);
}
