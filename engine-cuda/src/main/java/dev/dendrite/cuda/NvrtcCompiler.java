package dev.dendrite.cuda;

import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;
import jcuda.nvrtc.nvrtcResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compiles our kernel sources with NVRTC (host-side only: works without a GPU or driver).
 *
 * <p>Note [Kernels compiled to cubin for the device in hand]
 * A cubin made by NVRTC for {@code sm_XY} loads on that GPU without the driver's PTX JIT, so it
 * needs no driver newer than the one that runs cuBLAS/cuDNN 12.x (NVRTC 12.3's PTX is ISA 8.3,
 * which a driver before R545 could not JIT). NVRTC 12.3 knows architectures up to sm_90; a newer
 * GPU gets {@code compute_90} PTX, which its (necessarily newer) driver JIT-compiles.
 */
public final class NvrtcCompiler {
    private NvrtcCompiler() {
    }

    /** What to compile for: {@code sm_XY} (a cubin) or {@code compute_XY} (PTX only). */
    public record Target(String arch, boolean isCubin) {
        public String option() {
            return "--gpu-architecture=" + arch;
        }
    }

    /**
     * The target for a GPU of compute capability {@code major.minor} given the architectures NVRTC
     * supports ({@code nvrtcGetSupportedArchs}, e.g. 50..90): the exact {@code sm_XY} when
     * supported; for a newer GPU the newest supported {@code compute_XY} as PTX.
     *
     * @throws IllegalArgumentException for a GPU older than everything NVRTC supports
     */
    public static Target target(int major, int minor, int[] supportedArchs) {
        int cc = major * 10 + minor;
        int[] archs = supportedArchs.clone();
        Arrays.sort(archs);
        if (archs.length == 0) throw new IllegalArgumentException("NVRTC reports no supported architectures");
        for (int a : archs) if (a == cc) return new Target("sm_" + cc, true);
        if (cc > archs[archs.length - 1]) return new Target("compute_" + archs[archs.length - 1], false);
        if (cc < archs[0])
            throw new IllegalArgumentException("GPU of compute capability " + major + "." + minor + " is older than NVRTC "
                    + "supports (oldest: " + archs[0] / 10 + "." + archs[0] % 10 + ")");
        // Between supported ones (e.g. 8.7 on a build without it): the closest older SASS runs on it.
        int best = archs[0];
        for (int a : archs) if (a <= cc && a / 10 == major) best = a;
        return new Target(best / 10 == major ? "sm_" + best : "compute_" + best, best / 10 == major);
    }

    /** The output of one compilation. */
    public record Result(String file, Target target, String ptx, byte[] cubin, String log, long millis) {
    }

    /** The architectures this NVRTC can compile for ({@code nvrtcGetSupportedArchs}). */
    public static int[] supportedArchs() {
        int[] n = {0};
        check(JNvrtc.nvrtcGetNumSupportedArchs(n), "nvrtcGetNumSupportedArchs", "");
        int[] archs = new int[n[0]];
        check(JNvrtc.nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", "");
        return archs;
    }

    /**
     * Compiles one self-contained source. Fails with the compiler log when NVRTC reports an error.
     *
     * @param file    name shown in the log ({@code binary.cu})
     * @param source  the source text (headers already inlined)
     * @param options NVRTC options besides the target ({@code --fmad=false}, ...)
     */
    public static Result compile(String file, String source, Target target, List<String> options) {
        List<String> all = new ArrayList<>(options);
        all.add(target.option());
        nvrtcProgram program = new nvrtcProgram();
        check(JNvrtc.nvrtcCreateProgram(program, source, file, 0, null, null), "nvrtcCreateProgram", file);
        long start = System.nanoTime();
        try {
            int status = JNvrtc.nvrtcCompileProgram(program, all.size(), all.toArray(new String[0]));
            String log = programLog(program);
            if (status != nvrtcResult.NVRTC_SUCCESS)
                throw new CudaException("nvrtcCompileProgram", status, nvrtcResult.stringFor(status),
                        "nvrtcCompileProgram(" + file + ", " + String.join(" ", all) + ") failed: " + nvrtcResult.stringFor(status)
                                + " (" + status + ")\n" + log);
            String[] ptx = {null};
            check(JNvrtc.nvrtcGetPTX(program, ptx), "nvrtcGetPTX", file);
            byte[] cubin = null;
            if (target.isCubin()) {
                long[] size = {0};
                check(JNvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", file);
                cubin = new byte[(int) size[0]];
                check(JNvrtc.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN", file);
            }
            return new Result(file, target, stripNul(ptx[0]), cubin, log, (System.nanoTime() - start) / 1_000_000);
        } finally {
            JNvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static String programLog(nvrtcProgram program) {
        String[] log = {null};
        int status = JNvrtc.nvrtcGetProgramLog(program, log);
        if (status != nvrtcResult.NVRTC_SUCCESS || log[0] == null) return "";
        return stripNul(log[0]).strip();
    }

    /** NVRTC's strings end with the C terminator, which JCuda keeps. */
    private static String stripNul(String s) {
        if (s == null) return "";
        int i = s.indexOf('\0');
        return i >= 0 ? s.substring(0, i) : s;
    }

    private static void check(int status, String call, String file) {
        if (status != nvrtcResult.NVRTC_SUCCESS)
            throw new CudaException(call, status, nvrtcResult.stringFor(status),
                    call + "(" + file + ") failed: " + nvrtcResult.stringFor(status) + " (" + status + ")");
    }
}
