package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.Engine;
import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;
import dev.dendrite.spi.View;
import dev.dendrite.ops.Conv2dParams;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnHandle;
import jcuda.runtime.JCuda;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CudaBackendProviderTest {

    private static int deviceCountStatus() {
        JCuda.setExceptionsEnabled(false);
        return JCuda.cudaGetDeviceCount(new int[1]);
    }

    @Test
    void registeredAsAServiceWithNameAndPriority() {
        BackendProvider found = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) if (p.name().equals("cuda")) found = p;
        assertNotNull(found, "META-INF/services registers the CUDA provider");
        assertEquals(100, found.priority());
        assertInstanceOf(CudaBackendProvider.class, found);
    }

    @Test
    void reasonsForEveryDeviceCountFailure() {
        assertEquals("no NVIDIA driver: cudaGetDeviceCount returned 35 (cudaErrorInsufficientDriver) — install the NVIDIA driver for CUDA 12 (R525+)",
                CudaBackendProvider.deviceCountReason(35, 0));
        assertEquals("NVIDIA driver too old: it supports CUDA 11.4, the CUDA backend needs 12.0 or newer: cudaGetDeviceCount returned 35 "
                + "(cudaErrorInsufficientDriver) — update the NVIDIA driver to R525 or newer", CudaBackendProvider.deviceCountReason(35, 11040));
        assertEquals("no CUDA GPU: cudaGetDeviceCount returned 100 (cudaErrorNoDevice) — the NVIDIA driver is installed but sees no GPU "
                + "(check nvidia-smi and CUDA_VISIBLE_DEVICES)", CudaBackendProvider.deviceCountReason(100, 12040));
    }

    /** The no-driver path for real: this machine's cudart says 35, and the probe turns that into the message users see. */
    @Test
    @Tag("no-driver")
    void probeWithoutADriverSaysSoAndEngineFallsBackToCpu() {
        int status = deviceCountStatus();
        assumeTrue(status == 35, () -> "this machine has an NVIDIA driver (cudaGetDeviceCount returned " + status + ")");
        int[] driver = {-1};
        JCuda.cudaDriverGetVersion(driver);
        assertEquals(0, driver[0]);
        Availability a = new CudaBackendProvider().probe();
        assertFalse(a.isAvailable());
        assertEquals("no NVIDIA driver: cudaGetDeviceCount returned 35 (cudaErrorInsufficientDriver) — install the NVIDIA driver for CUDA 12 (R525+)",
                a.reason());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new CudaBackendProvider().create());
        assertTrue(e.getMessage().endsWith(a.reason()));
        // Engine reports it and picks the CPU.
        Engine.ProviderReport cuda = Engine.providers().stream().filter(r -> r.name().equals("cuda")).findFirst().orElseThrow();
        assertEquals(a.reason(), cuda.availability().reason());
        IllegalStateException byName = assertThrows(IllegalStateException.class, () -> Engine.backend("cuda"));
        assertEquals("backend 'cuda' is unavailable: " + a.reason(), byName.getMessage());
    }

    /** Without a driver the library handles cannot be created: cudnnCreate and cublasCreate return NOT_INITIALIZED (1). */
    @Test
    @Tag("cuda-libs")
    void handleCreationFailsCleanlyWithoutADriver() {
        assumeTrue(deviceCountStatus() == 35, "this machine has an NVIDIA driver");
        CudaLibraries.Status libs = CudaLibraries.load();
        assumeTrue(libs.get(CudaLibraries.Group.CUDNN).isLoaded(), () -> "cuDNN not loaded: " + libs.get(CudaLibraries.Group.CUDNN).error());
        cudnnHandle h = new cudnnHandle();
        assertEquals(1, JCudnn.cudnnCreate(h), "CUDNN_STATUS_NOT_INITIALIZED");
        // The cuDNN handle stays NULL; nothing to destroy.
        CudaLibraries.GroupStatus cublas = libs.get(CudaLibraries.Group.CUBLAS);
        assumeTrue(cublas.isLoaded(), () -> "cuBLAS not loaded (the test build unpacks only NVRTC and inference cuDNN): " + cublas.error());
        cublasHandle ch = new cublasHandle();
        assertEquals(1, JCublas2.cublasCreate(ch), "CUBLAS_STATUS_NOT_INITIALIZED; the handle holds garbage and is never destroyed");
    }

    @Test
    void selfTestReferencesAgreeWithTheCpuBackend() {
        Backend cpu = Engine.backend("cpu");
        float[] a = CudaSelfTest.values(15, 1), b = CudaSelfTest.values(20, 2);
        View va = cpuView(cpu, a, 3, 5), vb = cpuView(cpu, b, 5, 4), vc = cpuView(cpu, new float[12], 3, 4);
        cpu.matmul(va, false, vb, false, vc);
        float[] c = new float[12];
        cpu.readToHost(vc.storage(), 0, c, 0, 12);
        assertNull(CudaSelfTest.compare("gemm", CudaSelfTest.gemm(a, b, 3, 5, 4), c, 1e-6, 1e-6));

        int[] xs = {2, 3, 6, 5}, ws = {4, 3, 3, 3};
        float[] x = CudaSelfTest.values(180, 3), w = CudaSelfTest.values(108, 4);
        View vx = cpuView(cpu, x, xs), vw = cpuView(cpu, w, ws), vy = cpuView(cpu, new float[240], 2, 4, 6, 5);
        cpu.conv2dForward(vx, vw, Conv2dParams.of(1, 1), vy);
        float[] y = new float[240];
        cpu.readToHost(vy.storage(), 0, y, 0, 240);
        assertNull(CudaSelfTest.compare("conv", CudaSelfTest.conv(x, xs, w, ws, 1), y, 1e-6, 1e-5));

        // compare() reports the worst element.
        assertEquals("t mismatch: max |ref-cuda| = 0.500 at 1 (ref=1.00000, cuda=1.50000), atol=1e-05 rtol=1e-05",
                CudaSelfTest.compare("t", new float[]{0, 1}, new float[]{0, 1.5f}, 1e-5, 1e-5));
        assertNotNull(CudaSelfTest.compare("nan", new float[]{1}, new float[]{Float.NaN}, 1, 1), "NaN never matches");
    }

    private static View cpuView(Backend cpu, float[] data, int... shape) {
        var s = cpu.allocate(DType.FLOAT32, data.length);
        cpu.writeFromHost(data, 0, s, 0, data.length);
        return new View(s, shape, dev.dendrite.Shape.of(shape).contiguousStrides(), 0);
    }
}
