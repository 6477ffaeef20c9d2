package dev.dendrite.cuda;

import dev.dendrite.kernels.KernelSources;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Our kernels for one device: each {@code .cu} file compiled by NVRTC on first use (see Note
 * [Kernels compiled to cubin for the device in hand]), loaded as a module, its functions looked
 * up once. Compiled cubins are also kept on disk, keyed by a hash of the source, the options, the
 * target and the NVRTC version, so a later JVM skips the compiler (seconds for the larger files);
 * {@code -Ddendrite.cuda.kernelCache=false} turns the disk cache off.
 */
final class CudaModuleCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CudaModuleCache.class);

    private final CudaDevice device;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private NvrtcCompiler.Target target;

    CudaModuleCache(CudaDevice device) {
        this.device = device;
    }

    synchronized NvrtcCompiler.Target target() {
        if (target == null) target = NvrtcCompiler.target(device.ccMajor, device.ccMinor, NvrtcCompiler.supportedArchs());
        return target;
    }

    /** The function of a kernel, compiling and loading its file first if needed. */
    synchronized CUfunction function(String kernel) {
        CUfunction f = functions.get(kernel);
        if (f != null) return f;
        String file;
        try {
            file = KernelSources.fileOf(kernel);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cuda: no kernel named " + kernel + " in the kernels catalog (" + e.getMessage() + ")", e);
        }
        CUmodule module = modules.get(file);
        if (module == null) {
            module = load(file);
            modules.put(file, module);
        }
        f = new CUfunction();
        CUmodule m = module;
        device.checkDriver(JCudaDriver.cuModuleGetFunction(f, m, kernel), "cuModuleGetFunction", () -> kernel + " in " + file);
        functions.put(kernel, f);
        return f;
    }

    private CUmodule load(String file) {
        NvrtcCompiler.Target t = target();
        String source = KernelSources.source(file);
        byte[] image = cached(file, source, t);
        if (image == null) {
            NvrtcCompiler.Result r = NvrtcCompiler.compile(file, source, t, KernelSources.COMPILE_OPTIONS);
            log.debug("Compiled {} for {} in {} ms{}", file, t.arch(), r.millis(), r.log().isEmpty() ? "" : ": " + r.log());
            image = t.isCubin() ? r.cubin() : (r.ptx() + "\0").getBytes(StandardCharsets.UTF_8);
            store(file, source, t, image);
        }
        CUmodule module = new CUmodule();
        int status = JCudaDriver.cuModuleLoadData(module, image);
        if (status == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION || status == CUresult.CUDA_ERROR_INVALID_PTX
                || status == CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU)
            device.checkDriver(status, "cuModuleLoadData", () -> file + " compiled for " + t.arch() + " by NVRTC "
                    + nvrtcVersion() + (t.isCubin() ? "" : " as PTX: the driver is too old to compile it for " + device.describe()
                    + " — update the NVIDIA driver"));
        device.checkDriver(status, "cuModuleLoadData", () -> file + " compiled for " + t.arch());
        return module;
    }

    // ---- disk cache ---------------------------------------------------------------------------------

    private static boolean diskCacheEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty("dendrite.cuda.kernelCache", "true"));
    }

    private static Path cacheFile(String file, String source, NvrtcCompiler.Target t) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(source.getBytes(StandardCharsets.UTF_8));
            md.update(String.join(" ", KernelSources.COMPILE_OPTIONS).getBytes(StandardCharsets.UTF_8));
            md.update((t.arch() + " " + nvrtcVersion()).getBytes(StandardCharsets.UTF_8));
            String hash = HexFormat.of().formatHex(md.digest()).substring(0, 32);
            return CudaLibraries.cacheDir().getParent().resolve("kernels")
                    .resolve(file.replace(".cu", "") + "-" + t.arch() + "-" + hash + (t.isCubin() ? ".cubin" : ".ptx"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] cached(String file, String source, NvrtcCompiler.Target t) {
        if (!diskCacheEnabled()) return null;
        Path p = cacheFile(file, source, t);
        try {
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void store(String file, String source, NvrtcCompiler.Target t, byte[] image) {
        if (!diskCacheEnabled()) return;
        Path p = cacheFile(file, source, t);
        try {
            Files.createDirectories(p.getParent());
            Path tmp = Files.createTempFile(p.getParent(), p.getFileName().toString(), ".part");
            Files.write(tmp, image);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            log.debug("Kernel cache not written ({}): {}", p, e.toString());
        }
    }

    private static String nvrtcVersion() {
        CudaLibraries.Status s = CudaLibraries.current();
        return s == null ? "?" : s.get(CudaLibraries.Group.NVRTC).version();
    }

    @Override
    public synchronized void close() {
        for (CUmodule m : modules.values()) JCudaDriver.cuModuleUnload(m);
        modules.clear();
        functions.clear();
    }
}
