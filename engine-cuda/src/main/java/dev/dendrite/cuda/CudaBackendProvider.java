package dev.dendrite.cuda;

import dev.dendrite.Engine;
import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CUDA backend's entry point ({@code cuda}, priority 100: chosen over the CPU whenever it works).
 *
 * <p>{@link #probe()} reports available only when the whole backend works here: JCuda's natives
 * load, a driver for CUDA 12 sees a GPU, NVRTC, cuBLAS and the full cuDNN load (see
 * {@link CudaLibraries}), GPU {@code -Ddendrite.cuda.device} (default 0) opens, and a GEMM, a
 * convolution and an LSTM computed on it match the CPU backend ({@link CudaSelfTest}). Otherwise it
 * says exactly what is missing and what to do, e.g.
 * {@code no NVIDIA driver: cudaGetDeviceCount returned 35 (cudaErrorInsufficientDriver) — install the NVIDIA driver for CUDA 12 (R525+)}.
 * It never throws and never loads anything that could abort the JVM. The outcome is computed once
 * per JVM; the backend that passed the self-test is the one {@link #create()} returns.
 *
 * <h2>Settings (system properties)</h2>
 * <ul>
 *   <li>{@code dendrite.cuda.libs} (or env {@code DENDRITE_CUDA_LIBS}): folder with NVIDIA's libraries</li>
 *   <li>{@code dendrite.cuda.device}: GPU ordinal, default 0</li>
 *   <li>{@code dendrite.cuda.memoryLimit}: cap on device memory held by the allocator, e.g. {@code 6g}</li>
 *   <li>{@code dendrite.cuda.allowTf32}: let cuBLAS/cuDNN use TF32 tensor cores for float32 (default false)</li>
 *   <li>{@code dendrite.cuda.syncAfterLaunch}: wait after every launch, so asynchronous faults name their kernel</li>
 *   <li>{@code dendrite.cuda.convWorkspaceLimit}: largest cuDNN convolution workspace, default {@code 1g}</li>
 *   <li>{@code dendrite.cuda.kernelCache}: keep NVRTC's cubins on disk (default true)</li>
 * </ul>
 */
public final class CudaBackendProvider implements BackendProvider {
    private static final Logger log = LoggerFactory.getLogger(CudaBackendProvider.class);

    /** Per JVM: ServiceLoader makes a new provider instance on every lookup. */
    private static Availability availability;
    private static CudaBackend backend;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        synchronized (CudaBackendProvider.class) {
            if (availability == null) {
                try {
                    availability = doProbe();
                } catch (Throwable t) { // whatever native code threw, the caller gets a reason, not an exception
                    availability = Availability.unavailable("probe failed unexpectedly: " + CudaLibraries.describeThrowable(t));
                }
                if (availability.isAvailable()) log.info("CUDA backend available: {}", availability.details());
                else log.debug("CUDA backend unavailable: {}", availability.reason());
            }
            return availability;
        }
    }

    @Override
    public Backend create() {
        synchronized (CudaBackendProvider.class) {
            Availability a = probe();
            if (!a.isAvailable()) throw new IllegalStateException("backend 'cuda' is unavailable: " + a.reason());
            return backend;
        }
    }

    /** The no-driver / old-driver / no-device explanation of a {@code cudaGetDeviceCount} status. */
    static String deviceCountReason(int status, int driverVersion) {
        String call = "cudaGetDeviceCount returned " + status + " (" + cudaError.stringFor(status) + ")";
        if (status == cudaError.cudaErrorInsufficientDriver) {
            if (driverVersion <= 0) return "no NVIDIA driver: " + call + " — install the NVIDIA driver for CUDA 12 (R525+)";
            return "NVIDIA driver too old: it supports CUDA " + driverVersion / 1000 + "." + driverVersion % 1000 / 10
                    + ", the CUDA backend needs 12.0 or newer: " + call + " — update the NVIDIA driver to R525 or newer";
        }
        if (status == cudaError.cudaErrorNoDevice)
            return "no CUDA GPU: " + call + " — the NVIDIA driver is installed but sees no GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
        return "the CUDA runtime cannot use this machine's GPUs: " + call + " (" + JCuda.cudaGetErrorString(status) + ")";
    }

    private static Availability doProbe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
            return Availability.unavailable("the CUDA backend runs on linux-x86_64 only (JCudnn's natives and NVIDIA's redistributable "
                    + "libraries exist for no other platform); this is " + CudaLibraries.platform());

        // 1. Driver and device, through the runtime library (statically linked cudart: needs no CUDA install).
        int count;
        try {
            JCuda.setExceptionsEnabled(false);
            int[] n = {0};
            int status = JCuda.cudaGetDeviceCount(n);
            if (status != cudaError.cudaSuccess) {
                int[] driver = {0};
                JCuda.cudaDriverGetVersion(driver);
                return Availability.unavailable(deviceCountReason(status, driver[0]));
            }
            count = n[0];
        } catch (Throwable t) { // UnsatisfiedLinkError, then NoClassDefFoundError on later touches
            return Availability.unavailable("JCuda's runtime library cannot load on " + CudaLibraries.platform() + ": "
                    + CudaLibraries.describeThrowable(t));
        }
        if (count == 0)
            return Availability.unavailable("no CUDA GPU: cudaGetDeviceCount found 0 devices — check nvidia-smi and CUDA_VISIBLE_DEVICES");
        int ordinal = Integer.getInteger("dendrite.cuda.device", 0);
        if (ordinal < 0 || ordinal >= count)
            return Availability.unavailable("dendrite.cuda.device=" + ordinal + " but this machine has " + count + " GPU(s) (0.."
                    + (count - 1) + ")");

        // 2. NVIDIA's libraries: all three groups, cuDNN with its training libraries.
        CudaLibraries.Status libs = CudaLibraries.load();
        List<String> missing = new ArrayList<>();
        for (CudaLibraries.Group g : CudaLibraries.Group.values()) {
            CudaLibraries.GroupStatus s = libs.get(g);
            if (!s.isLoaded()) missing.add(s.error());
            else if (!s.isFull())
                missing.add("cuDNN's training libraries (" + String.join(", ", trainLibraries()) + ") are missing: only the inference "
                        + "libraries were found (" + s.source() + ") — " + CudaLibraries.remedy(g));
        }
        if (!missing.isEmpty()) return Availability.unavailable(String.join("; ", missing));

        // 3. The driver API (libcuda.so.1), the device, and the handles.
        try {
            jcuda.driver.JCudaDriver.setExceptionsEnabled(false);
        } catch (Throwable t) {
            return Availability.unavailable("the NVIDIA driver library libcuda.so.1 cannot be loaded although the runtime sees " + count
                    + " GPU(s): " + CudaLibraries.describeThrowable(t));
        }
        CudaBackend b;
        try {
            boolean tf32 = Boolean.getBoolean("dendrite.cuda.allowTf32");
            boolean sync = Boolean.getBoolean("dendrite.cuda.syncAfterLaunch");
            long limit = CudaAllocator.parseLimit(System.getProperty("dendrite.cuda.memoryLimit"));
            long wsLimit = CudaAllocator.parseLimit(System.getProperty("dendrite.cuda.convWorkspaceLimit", "1g"));
            b = new CudaBackend(CudaDevice.open(ordinal, tf32, sync, limit), wsLimit);
        } catch (RuntimeException e) {
            return Availability.unavailable("GPU " + ordinal + " could not be initialised: " + e.getMessage());
        }

        // 4. The self-test against the CPU backend.
        Backend cpu = cpuBackend();
        CudaSelfTest.Outcome outcome;
        try {
            outcome = CudaSelfTest.run(b, cpu);
        } catch (RuntimeException e) {
            closeQuietly(b);
            return Availability.unavailable("self-test on " + b.describe() + " failed: " + e.getMessage());
        }
        if (outcome.failure() != null) {
            closeQuietly(b);
            return Availability.unavailable("self-test on " + b.describe() + " failed — the CUDA backend would compute wrong results here: "
                    + outcome.failure());
        }
        backend = b;
        int[] driver = {0};
        JCuda.cudaDriverGetVersion(driver);
        return Availability.available(b.describe() + ", " + CudaAllocator.human(b.dev.totalBytes) + ", " + b.dev.multiprocessors + " SMs; driver for CUDA "
                + driver[0] / 1000 + "." + driver[0] % 1000 / 10 + "; " + libs.describe() + "; kernels for " + b.dev.modules.target().arch()
                + "; TF32 " + (b.dev.allowTf32 ? "allowed" : "off") + "; self-test passed (" + outcome.summary() + ")");
    }

    private static List<String> trainLibraries() {
        List<String> out = new ArrayList<>();
        for (String n : CudaLibraries.CUDNN_FULL) if (n.contains("_train")) out.add(n);
        return out;
    }

    /** The CPU backend to check against, if installed; null otherwise (the self-test then uses its own loops). */
    private static Backend cpuBackend() {
        try {
            return Engine.backend("cpu");
        } catch (RuntimeException e) {
            log.debug("CUDA self-test without the CPU backend: {}", e.getMessage());
            return null;
        }
    }

    private static void closeQuietly(CudaBackend b) {
        try {
            b.close();
        } catch (RuntimeException e) {
            log.warn("closing the CUDA backend after a failed probe: {}", e.getMessage());
        }
    }
}
