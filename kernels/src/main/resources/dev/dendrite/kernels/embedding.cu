// embedding.cu — Backend.embedding and Backend.embeddingBackward.
//
// Kernels (T ∈ f32 f64, I ∈ i32 i64; I = int or long long):
//   index_check_<I>(int count, const I* idx, int bound, int* status)
//   embedding_fwd_<T>_<I>(int count, int D, int V, const I* idx, const T* weight, T* rows)
//   embedding_bwd_buckets_<I>(int count, const I* idx, int V, int* start, int* order)
//   embedding_bwd_<T>(int V, int D, const int* start, const int* order, const T* drows, T* dweight)
//
// Launch geometry:
//   index_check_<I>, embedding_bwd_buckets_<I>: a SINGLE block — grid 1, block 256 (any multiple of 32 up
//     to 1024). They loop over all positions; cost grows with count (buckets: about blockDim shared-memory compares
//     per position and thread, a few ms at a million positions).
//   embedding_fwd_<T>_<I>: 1-D grid-stride over count·D; block 256, grid min(ceil(count·D/256), 4096).
//   embedding_bwd_<T>: 1-D grid-stride over V·D; same.
//   Static shared memory only (about 4 KB in buckets); no dynamic shared memory.
//
// Layout: weight [V, D], indices [count], rows / drows [count, D], dweight [V, D], all contiguous.
// Workspace for the backward: start int[V + 1], order int[count] (no initialisation needed).
//
// Semantics (EmbeddingKernels of the CPU backend):
//   index_check: status[0] = the FIRST position p with idx[p] outside [0, bound), or −1. The host reads
//     it and, when >= 0, reads idx[p] and throws "embedding: index k at position p is out of range [0, V)"
//     (op "embeddingBackward" for the backward). Run it before the other kernels.
//   forward: rows[i, :] = weight[idx[i], :] (an out-of-range index writes zeros, never reads out of bounds).
//   backward, Note [Deterministic embedding backward] as on the CPU: the positions are counting-sorted by
//     index, stable (buckets), then each weight element sums its row's positions in position order. f32
//     sums in double from 0 and rounds once (a row with a single position is copied); f64 starts from the
//     first position and adds the rest in order. Rows nobody indexed are written as 0. Bit-identical to
//     the CPU; no atomics on floating-point values.

#include "dd_common.cuh"

#define DD_BUCKET_CHUNK_MAX 1024

template <typename I>
__device__ __forceinline__ void dd_index_check(int count, const I* idx, int bound, int* status) {
    int first = DD_INT_MAX;
    for (int p = threadIdx.x; p < count; p += blockDim.x) {
        const long long k = (long long)idx[p];
        if ((k < 0 || k >= bound) && p < first) first = p;
    }
    first = dd_block_min_int(first);
    if (threadIdx.x == 0) status[0] = first == DD_INT_MAX ? -1 : first;
}

template <typename T, typename I>
__device__ __forceinline__ void dd_embedding_fwd(int count, int D, int V, const I* idx, const T* weight, T* rows) {
    const long long total = (long long)count * D;
    DD_GRID_STRIDE(e, total) {
        const int i = (int)(e / D), j = (int)(e - (long long)i * D);
        const long long k = (long long)idx[i];
        rows[e] = (k >= 0 && k < V) ? weight[k * D + j] : (T)0;
    }
}

// Note [Stable buckets in one block]
// Counting sort as on the CPU: histogram (integer atomics, so the counts are exact whatever the order),
// prefix sum, then a stable placement. Stability needs, for each position, the number of EARLIER
// positions with the same index; the block walks the positions in chunks of blockDim, each thread counts
// equal indices before it inside the chunk (shared memory), and a per-row cursor carries the counts from
// earlier chunks. One block only, so every step is ordered by __syncthreads and the result is the same
// on every run.
template <typename I>
__device__ __forceinline__ void dd_embedding_buckets(int count, const I* idx, int V, int* start, int* order) {
    __shared__ int chunk[DD_BUCKET_CHUNK_MAX];
    __shared__ int carry;
    // 1. zero the histogram start[0..V]
    for (int r = threadIdx.x; r <= V; r += blockDim.x) start[r] = 0;
    __syncthreads();
    // 2. counts of row r go to start[r + 1]
    for (int p = threadIdx.x; p < count; p += blockDim.x) {
        const long long k = (long long)idx[p];
        if (k >= 0 && k < V) atomicAdd(&start[k + 1], 1);
    }
    __syncthreads();
    // 3. inclusive prefix sum over start[0..V] in chunks of blockDim (start[0] stays 0)
    if (threadIdx.x == 0) carry = 0;
    __syncthreads();
    for (int base = 0; base <= V; base += blockDim.x) {
        const int r = base + threadIdx.x;
        chunk[threadIdx.x] = r <= V ? start[r] : 0;
        __syncthreads();
        // Hillis–Steele scan in shared memory
        for (int off = 1; off < (int)blockDim.x; off <<= 1) {
            const int add = threadIdx.x >= (unsigned int)off ? chunk[threadIdx.x - off] : 0;
            __syncthreads();
            chunk[threadIdx.x] += add;
            __syncthreads();
        }
        if (r <= V) start[r] = chunk[threadIdx.x] + carry;
        __syncthreads();
        if (threadIdx.x == blockDim.x - 1) carry += chunk[threadIdx.x];
        __syncthreads();
    }
    // 4. stable placement: start[r] serves as row r's cursor and is advanced past each chunk's positions
    //    of row r by the chunk's last occurrence of r (step 5 restores the starts).
    for (int base = 0; base < count; base += blockDim.x) {
        const int p = base + threadIdx.x;
        long long k = -1;
        if (p < count) {
            k = (long long)idx[p];
            if (k < 0 || k >= V) k = -1;
        }
        chunk[threadIdx.x] = (int)k;
        __syncthreads();
        int before = 0, after = 0;
        if (k >= 0) {
            for (int u = 0; u < (int)threadIdx.x; ++u) before += chunk[u] == (int)k;
            for (int u = threadIdx.x + 1; u < (int)blockDim.x; ++u) after += chunk[u] == (int)k;
            order[start[k] + before] = p;
        }
        __syncthreads();
        // the last occurrence in the chunk advances its row's cursor past this chunk's positions
        if (k >= 0 && after == 0) start[k] += before + 1;
        __syncthreads();
    }
    // 5. every start[r] (r < V) was advanced by exactly its row's count: it now holds the old start[r + 1].
    //    Shift back: new start[r] = old start[r] = advanced start[r − 1] for r >= 1, and 0 for r = 0.
    for (int base = V; base > 0; base -= blockDim.x) {
        const int r = base - (int)threadIdx.x;
        int v = 0;
        if (r >= 1) v = start[r - 1];
        __syncthreads();
        if (r >= 1) start[r] = v;
        __syncthreads();
    }
    if (threadIdx.x == 0) start[0] = 0;
}

template <typename T> __host__ __device__ __forceinline__ T dd_bucket_sum(const int* order, int lo, int hi, int D, int j, const T* drows);

/** f32: one position is copied; several are summed in double from 0 and rounded once (EmbeddingKernels). */
template <> __host__ __device__ __forceinline__ float dd_bucket_sum<float>(const int* order, int lo, int hi, int D, int j,
                                                                  const float* drows) {
    if (hi - lo == 1) return drows[(long long)order[lo] * D + j];
    double acc = 0;
    for (int k = lo; k < hi; ++k) acc += (double)drows[(long long)order[k] * D + j];
    return (float)acc;
}

/** f64: the first position, then the others added in order (EmbeddingKernels). */
template <> __host__ __device__ __forceinline__ double dd_bucket_sum<double>(const int* order, int lo, int hi, int D, int j,
                                                                    const double* drows) {
    double acc = drows[(long long)order[lo] * D + j];
    for (int k = lo + 1; k < hi; ++k) acc += drows[(long long)order[k] * D + j];
    return acc;
}

template <typename T>
__device__ __forceinline__ void dd_embedding_bwd(int V, int D, const int* start, const int* order, const T* drows,
                                                 T* dweight) {
    const long long total = (long long)V * D;
    DD_GRID_STRIDE(e, total) {
        const int r = (int)(e / D), j = (int)(e - (long long)r * D);
        const int lo = start[r], hi = start[r + 1];
        dweight[e] = lo == hi ? (T)0 : dd_bucket_sum<T>(order, lo, hi, D, j, drows);
    }
}

#define DD_EMB_INDEX(IN, I)                                                                                        \
    extern "C" __global__ void index_check_##IN(int count, const I* idx, int bound, int* status) {                \
        dd_index_check<I>(count, idx, bound, status);                                                              \
    }                                                                                                              \
    extern "C" __global__ void embedding_bwd_buckets_##IN(int count, const I* idx, int V, int* start, int* order) { \
        dd_embedding_buckets<I>(count, idx, V, start, order);                                                      \
    }

#define DD_EMB_FWD(TN, T, IN, I)                                                                                   \
    extern "C" __global__ void embedding_fwd_##TN##_##IN(int count, int D, int V, const I* idx, const T* weight,   \
                                                         T* rows) {                                                \
        dd_embedding_fwd<T, I>(count, D, V, idx, weight, rows);                                                    \
    }

DD_EMB_INDEX(i32, int)
DD_EMB_INDEX(i64, long long)
DD_EMB_FWD(f32, float, i32, int)
DD_EMB_FWD(f32, float, i64, long long)
DD_EMB_FWD(f64, double, i32, int)
DD_EMB_FWD(f64, double, i64, long long)

extern "C" __global__ void embedding_bwd_f32(int V, int D, const int* start, const int* order, const float* drows,
                                             float* dweight) {
    dd_embedding_bwd<float>(V, D, start, order, drows, dweight);
}

extern "C" __global__ void embedding_bwd_f64(int V, int D, const int* start, const int* order, const double* drows,
                                             double* dweight) {
    dd_embedding_bwd<double>(V, D, start, order, drows, dweight);
}
