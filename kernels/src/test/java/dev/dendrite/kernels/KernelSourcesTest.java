package dev.dendrite.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog agrees with the sources, and the sources carry the documented contract. */
class KernelSourcesTest {

    @Test
    void catalogNamesEveryFileAndEveryKernelOnce() {
        assertEquals(List.of("copy.cu", "unary.cu", "binary.cu", "reduce.cu", "random.cu", "embedding.cu", "loss.cu",
                "upsample.cu", "softmax.cu", "activation.cu", "optim.cu"), KernelSources.files());
        List<String> all = KernelSources.allKernels();
        assertEquals(all.size(), new HashSet<>(all).size(), "kernel names must be unique across files");
        // 24 copy/fill/arange + 46 unary + 100 binary + 47 reduce + 7 random + 10 embedding + 6 loss
        // + 8 upsample + 8 softmax + 12 activation + 14 optimizer kernels
        assertEquals(24 + 46 + 100 + 47 + 7 + 10 + 6 + 8 + 8 + 12 + 14, all.size());
        assertEquals("binary.cu", KernelSources.fileOf("ew_add_f32"));
        assertEquals("optim.cu", KernelSources.fileOf("adamw_f64"));
    }

    /**
     * Every catalog name is an {@code extern "C" __global__} function of its file, and every such function is
     * in the catalog: the file's own macros are expanded (no CUDA compiler needed) and the definitions listed.
     */
    @Test
    void everyCatalogKernelIsAnExternCGlobalOfItsFileAndNothingElseIs() {
        List<String> problems = new ArrayList<>();
        for (String file : KernelSources.files()) {
            Set<String> defined = MiniPreprocessor.kernels(KernelSources.rawSource(file)).keySet();
            Set<String> listed = new TreeSet<>(KernelSources.kernels(file));
            Set<String> missing = new TreeSet<>(listed);
            missing.removeAll(defined);
            Set<String> extra = new TreeSet<>(defined);
            extra.removeAll(listed);
            if (!missing.isEmpty()) problems.add(file + ": in the catalog but not defined: " + missing);
            if (!extra.isEmpty()) problems.add(file + ": defined but not in the catalog: " + extra);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /**
     * Parameter lists of one kernel per family, as engine-cuda launches them (the contract in
     * /tmp/brief/kernels.md and in each file's header). All kernels of a family share the list up to the
     * element type, which the second half of the test checks.
     */
    @Test
    void parameterListsMatchTheDocumentedContract() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("copy_f32_i64", "int n, int rank, dd_dims shape, dd_dims srcStrides, dd_dims dstStrides, const float* src, long long* dst");
        expected.put("fill_i32", "int n, int value, int* dst");
        expected.put("arange_f64", "int n, double start, double step, double* dst");
        expected.put("ew_gelu_f32", "int n, int rank, dd_dims shape, dd_dims xStrides, dd_dims yStrides, const float* x, float* y, double alpha, double beta");
        expected.put("ew_clamp_i64", "int n, int rank, dd_dims shape, dd_dims xStrides, dd_dims yStrides, const long long* x, long long* y, double alpha, double beta");
        expected.put("ew_add_f32", "int n, int rank, dd_dims shape, dd_dims aStrides, dd_dims bStrides, dd_dims yStrides, const float* a, const float* b, float* y, int* status");
        expected.put("ew_div_scalar_i32", "int n, int rank, dd_dims shape, dd_dims aStrides, dd_dims yStrides, const int* a, long long scalar, int scalarFirst, int* y, int* status");
        expected.put("ew_pow_scalar_f64", "int n, int rank, dd_dims shape, dd_dims aStrides, dd_dims yStrides, const double* a, double scalar, int scalarFirst, double* y, int* status");
        expected.put("reduce_sum_f32", "int outputs, int redCount, int keptRank, dd_dims keptShape, dd_dims keptStrides, int redRank, dd_dims redShape, dd_dims redStrides, const float* x, float* y");
        expected.put("reduce_max_serial_i32", "int outputs, int redCount, int keptRank, dd_dims keptShape, dd_dims keptStrides, int redRank, dd_dims redShape, dd_dims redStrides, const int* x, int* y");
        expected.put("argmin_serial_f64", "int outputs, int len, int stride, int keptRank, dd_dims keptShape, dd_dims keptStrides, const double* x, long long* y");
        expected.put("sumsq_partial_f32", "int n, const float* x, double* partials");
        expected.put("sum_partials_f64", "int count, const double* partials, double* acc");
        expected.put("philox_bits", "int n, long long seed, long long stream, unsigned int* dst");
        expected.put("rand_uniform_f32", "int n, long long seed, long long stream, float low, float high, float* dst");
        expected.put("rand_uniform_f64", "int n, long long seed, long long stream, double low, double high, double* dst");
        expected.put("rand_normal_f32", "int n, long long seed, long long stream, double mean, double std, float* dst");
        expected.put("dropout_f64", "int n, long long seed, long long stream, float p, double scale, const double* x, double* y, double* mask");
        expected.put("index_check_i64", "int count, const long long* idx, int bound, int* status");
        expected.put("embedding_fwd_f32_i64", "int count, int D, int V, const long long* idx, const float* weight, float* rows");
        expected.put("embedding_bwd_buckets_i32", "int count, const int* idx, int V, int* start, int* order");
        expected.put("embedding_bwd_f64", "int V, int D, const int* start, const int* order, const double* drows, double* dweight");
        expected.put("ce_labels_i64", "int n, const long long* labels, int C, long long ignoreIndex, int* cls, int* status");
        expected.put("ce_fwd_f32", "int n, int C, const float* logits, const int* cls, const int* status, int reduction, double labelSmoothing, float* loss, double* perSample, float* dlogits");
        expected.put("ce_reduce_f64", "int n, const double* perSample, const int* status, int reduction, double* loss");
        expected.put("upsample2x_bilinear_bwd_f32", "int planes, int H, int W, const float* dy, float* dx");
        expected.put("softmax_fwd_rows_f32", "int outer, int axisLen, int log, const float* x, float* y");
        expected.put("softmax_bwd_cols_f64", "int outer, int axisLen, int inner, int log, const double* y, const double* dy, double* dx");
        expected.put("act_bwd_tanh_f32", "int n, const float* in, const float* dy, double alpha, float* dx");
        expected.put("sgd_f32", "int n, float* param, const float* grad, float* momentumBuf, double lr, double weightDecay, double momentum, int nesterov");
        expected.put("adagrad_f64", "int n, double* param, const double* grad, double* sum, double lr, double weightDecay, double eps");
        expected.put("adadelta_f32", "int n, float* param, const float* grad, float* squareAvg, float* accDelta, double lr, double weightDecay, double rho, double eps");
        expected.put("rmsprop_f32", "int n, float* param, const float* grad, float* squareAvg, float* momentumBuf, double lr, double weightDecay, double alpha, double eps, double momentum");
        expected.put("adam_f32", "int n, float* param, const float* grad, float* expAvg, float* expAvgSq, double lr, double weightDecay, double beta1, double beta2, double eps, double bc1, double bc2");
        expected.put("adamw_f64", "int n, double* param, const double* grad, double* expAvg, double* expAvgSq, double lr, double weightDecay, double beta1, double beta2, double eps, double bc1, double bc2");
        expected.put("adamax_f32", "int n, float* param, const float* grad, float* expAvg, float* expInf, double lr, double weightDecay, double beta1, double beta2, double eps, double bc1");

        Map<String, String> actual = new LinkedHashMap<>();
        Map<String, String> fileOf = new LinkedHashMap<>();
        for (String file : KernelSources.files()) {
            Map<String, String> defined = MiniPreprocessor.kernels(KernelSources.rawSource(file));
            actual.putAll(defined);
            defined.keySet().forEach(k -> fileOf.put(k, file));
        }
        List<String> problems = new ArrayList<>();
        expected.forEach((kernel, params) -> {
            if (!params.equals(actual.get(kernel))) problems.add(kernel + "\n  expected (" + params + ")\n  actual   (" + actual.get(kernel) + ")");
        });

        // Within a family (the name with its dtype suffixes and op replaced), parameter lists differ only in element types.
        Map<String, String> familyShape = new LinkedHashMap<>();
        Map<String, String> familyFirst = new LinkedHashMap<>();
        actual.forEach((kernel, params) -> {
            String family = fileOf.get(kernel) + ":" + family(kernel);
            String shape = params.replaceAll("\\b(float|double|int|long long|unsigned int)\\*", "T*")
                    .replaceAll("\\b(float|double)\\b(?= (low|high|value|scalar))", "S")
                    .replaceAll("\\b(int|long long)\\b(?= (value|scalar))", "S");
            String previous = familyShape.putIfAbsent(family, shape);
            familyFirst.putIfAbsent(family, kernel);
            if (previous != null && !previous.equals(shape))
                problems.add("family " + family + ": " + kernel + " (" + params + ") differs from " + familyFirst.get(family)
                        + " (" + actual.get(familyFirst.get(family)) + ")");
        });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** ew_add_f32 → ew_*, reduce_sum_serial_i32 → reduce_*_serial, copy_f32_i64 → copy, ... */
    private static String family(String kernel) {
        String base = kernel.replaceAll("(_(f32|f64|i32|i64))+$", "");
        if (base.startsWith("ew_")) return base.endsWith("_scalar") ? "ew_*_scalar" : "ew_*";
        if (base.startsWith("reduce_")) return base.endsWith("_serial") ? "reduce_*_serial" : "reduce_*";
        if (base.startsWith("act_bwd_")) return "act_bwd_*";
        if (base.startsWith("argm")) return base.endsWith("_serial") ? "arg*_serial" : "arg*";
        return base;
    }

    @Test
    void sourceInlinesTheHeaderAndKeepsLineNumbers() {
        for (String file : KernelSources.files()) {
            String raw = KernelSources.rawSource(file);
            String src = KernelSources.source(file);
            assertTrue(raw.contains("#include \"dd_common.cuh\""), file + " must include the common header");
            assertFalse(src.contains("#include"), file + ": source() must be self-contained for NVRTC");
            assertTrue(src.contains("struct dd_dims"), file + ": the header's definitions must be inlined");
            // The header comment documents the contract.
            String head = raw.substring(0, raw.indexOf("#include"));
            for (String section : List.of("Kernels", "Launch geometry", "Layout", "Semantics"))
                assertTrue(head.contains(section), file + ": header comment lacks '" + section + "'");

            // After "#line N \"file\"" the text continues with original line N.
            String marker = "#line ";
            int at = src.lastIndexOf(marker);
            String directive = src.substring(at, src.indexOf('\n', at));
            int lineNo = Integer.parseInt(directive.split(" ")[1]);
            assertEquals("#line " + lineNo + " \"" + file + "\"", directive);
            String next = src.substring(src.indexOf('\n', at) + 1).split("\n", -1)[0];
            assertEquals(raw.split("\n", -1)[lineNo - 1], next, file + ": #line must name the following original line");
        }
    }

    @Test
    void badLookupsNameTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelSources.source("conv.cu"));
        assertEquals("kernels: unknown kernel file 'conv.cu', expected one of " + KernelSources.files(), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelSources.kernels("dd_common.cuh"));
        assertTrue(e.getMessage().startsWith("kernels: unknown kernel file 'dd_common.cuh'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelSources.fileOf("ew_pow_i32"));
        assertTrue(e.getMessage().startsWith("kernels: no kernel named 'ew_pow_i32'"), e.getMessage());
        assertEquals("f32", KernelSources.suffix("FLOAT32"));
        assertEquals("f64", KernelSources.suffix("FLOAT64"));
        assertEquals("i32", KernelSources.suffix("INT32"));
        assertEquals("i64", KernelSources.suffix("int64"));
        e = assertThrows(IllegalArgumentException.class, () -> KernelSources.suffix("BOOL"));
        assertEquals("kernels: no kernel suffix for dtype 'BOOL' (expected FLOAT32, FLOAT64, INT32 or INT64)", e.getMessage());
        assertEquals(List.of("--fmad=false"), KernelSources.COMPILE_OPTIONS);
    }
}
