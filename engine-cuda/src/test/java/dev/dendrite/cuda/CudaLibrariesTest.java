package dev.dendrite.cuda;

import dev.dendrite.cuda.CudaLibraries.CudnnSet;
import dev.dendrite.cuda.CudaLibraries.Group;
import dev.dendrite.cuda.CudaLibraries.Located;
import dev.dendrite.cuda.CudaLibraries.SearchDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CudaLibrariesTest {

    private static void touch(Path dir, String... names) throws IOException {
        for (String n : names) Files.write(dir.resolve(n), new byte[]{1});
    }

    @Test
    void nvrtcNeedsItsBuiltinsAndPrefersTheNewest(@TempDir Path dir) throws IOException {
        SearchDir d = new SearchDir(dir, "test");
        touch(dir, "libnvrtc.so.12");
        Located l = CudaLibraries.findInDir(Group.NVRTC, d);
        assertFalse(l.isFound());
        assertEquals("libnvrtc-builtins.so.12.*", l.missing());
        touch(dir, "libnvrtc-builtins.so.12.3", "libnvrtc-builtins.so.12.10");
        l = CudaLibraries.findInDir(Group.NVRTC, d);
        assertEquals(List.of(dir.resolve("libnvrtc-builtins.so.12.10"), dir.resolve("libnvrtc.so.12")), l.files(),
                "builtins first (libnvrtc opens them lazily), 12.10 > 12.3 numerically");
        assertTrue(CudaLibraries.versionCompare("libx.so.12.3", "libx.so.12.3.107") > 0, "the soname sorts first among equals");
    }

    @Test
    void cudnnIsAllOrNothingWithAnInferOnlySet(@TempDir Path dir) throws IOException {
        SearchDir d = new SearchDir(dir, "test");
        touch(dir, "libcudnn.so.8", "libcudnn_cnn_infer.so.8", "libcudnn_adv_infer.so.8");
        Located none = CudaLibraries.findInDir(Group.CUDNN, d);
        assertFalse(none.isFound(), "ops_infer missing: nothing may be loaded (cuDNN would abort the JVM)");
        assertTrue(none.missing().startsWith("libcudnn_ops_infer.so.8, libcudnn_ops_train.so.8"), none.missing());

        touch(dir, "libcudnn_ops_infer.so.8");
        Located infer = CudaLibraries.findInDir(Group.CUDNN, d);
        assertEquals(CudnnSet.INFER_ONLY, infer.cudnnSet());
        assertEquals(Stream.of("libcudnn_ops_infer.so.8", "libcudnn_cnn_infer.so.8", "libcudnn_adv_infer.so.8", "libcudnn.so.8")
                .map(dir::resolve).toList(), infer.files(), "dependency order, libcudnn.so.8 last");

        touch(dir, "libcudnn_ops_train.so.8", "libcudnn_cnn_train.so.8", "libcudnn_adv_train.so.8");
        Located full = CudaLibraries.findInDir(Group.CUDNN, d);
        assertEquals(CudnnSet.FULL, full.cudnnSet());
        assertEquals(CudaLibraries.CUDNN_FULL.stream().map(dir::resolve).toList(), full.files());
    }

    @Test
    void explicitFolderWinsAndMissingGroupsSayWhereTheyWereSought(@TempDir Path dir, @TempDir Path cache) throws IOException {
        touch(dir, "libcublasLt.so.12", "libcublas.so.12");
        var locator = new CudaLibraries.Locator(new SearchDir(dir, "dendrite.cuda.libs=" + dir), "", false, cache, List.of());
        Located cublas = CudaLibraries.locate(Group.CUBLAS, locator);
        assertEquals("dendrite.cuda.libs=" + dir, cublas.source());
        Located cudnn = CudaLibraries.locate(Group.CUDNN, locator);
        assertFalse(cudnn.isFound());
        assertTrue(cudnn.missing().contains("dendrite.cuda.libs=" + dir + " (missing libcudnn_ops_infer.so.8"), cudnn.missing());
        assertTrue(CudaLibraries.remedy(Group.CUDNN).contains("org.bytedeco:cuda:12.3-8.9-1.5.10:linux-x86_64-redist"));
    }

    @Test
    void extractionIsSizeCheckedReusedAndAtomic(@TempDir Path dir) throws IOException {
        Path src = dir.resolve("src.so");
        Files.write(src, new byte[1000]);
        Path target = dir.resolve("cache/lib.so");
        assertTrue(CudaLibraries.extract(src.toUri().toURL(), target), "first run writes");
        assertEquals(1000, Files.size(target));
        assertFalse(CudaLibraries.extract(src.toUri().toURL(), target), "same size: reused");
        Files.write(target, new byte[10]); // a truncated copy from an interrupted run that bypassed the rename
        assertTrue(CudaLibraries.extract(src.toUri().toURL(), target), "wrong size: rewritten");
        assertEquals(1000, Files.size(target));
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertEquals(List.of(target), s.toList(), "no temporary files left behind");
        }
    }

    /** The real libraries of the test build (target/cuda-redist: NVRTC + inference cuDNN), through the loader users get. */
    @Test
    @Tag("cuda-libs")
    void realRedistLibrariesLoad() {
        assumeTrue(System.getProperty("dendrite.cuda.libs") != null,
                "-Ddendrite.cuda.libs is not set (build with the cuda-redist profile, i.e. without -Ddendrite.skipCudaRedist=true)");
        CudaLibraries.Status s = CudaLibraries.load();
        CudaLibraries.GroupStatus nvrtc = s.get(Group.NVRTC), cudnn = s.get(Group.CUDNN), cublas = s.get(Group.CUBLAS);
        assertTrue(nvrtc.isLoaded(), nvrtc::toString);
        assertEquals("12.3", nvrtc.version());
        assertTrue(nvrtc.source().startsWith("dendrite.cuda.libs="), nvrtc.source());
        assertTrue(cudnn.isLoaded(), cudnn::toString);
        assertEquals("8.9.7", cudnn.version());
        if (cudnn.cudnnSet() == CudnnSet.INFER_ONLY) assertFalse(cudnn.isFull());
        if (!cublas.isLoaded()) assertTrue(cublas.error().startsWith("libcublas.so.12 not found — add org.bytedeco:cuda"), cublas.error());
        assertSame(s, CudaLibraries.load(), "loaded once per JVM");
        System.out.println("[CudaLibrariesTest] " + s.describe());
    }
}
