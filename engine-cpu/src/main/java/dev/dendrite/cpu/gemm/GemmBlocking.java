package dev.dendrite.cpu.gemm;

/**
 * Register tile and cache blocking of one GEMM path (see Note [GEMM blocking] in {@link SgemmDriver}).
 *
 * @param mr rows of the register tile; packed A micro-panels are {@code [kc][mr]}
 * @param nr columns of the register tile; packed B micro-panels are {@code [kc][nr]}
 * @param kc depth of one packed block (the k loop is cut into pieces of this size)
 * @param mc rows of A packed at once (a multiple of {@code mr}); sized so that {@code mc·kc} elements stay in L2
 * @param nc columns of B packed at once (a multiple of {@code nr})
 */
record GemmBlocking(int mr, int nr, int kc, int mc, int nc) {
    GemmBlocking {
        if (mr < 1 || nr < 1 || kc < 1 || mc < mr || nc < nr || mc % mr != 0 || nc % nr != 0)
            throw new IllegalArgumentException("gemm: inconsistent blocking mr=" + mr + " nr=" + nr + " kc=" + kc
                    + " mc=" + mc + " nc=" + nc + " (need mc a multiple of mr, nc a multiple of nr)");
    }
}
