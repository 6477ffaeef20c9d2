package dev.dendrite.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalog of Dendrite's CUDA C kernels: which {@code .cu} files exist, their source text (ready for
 * NVRTC), and the {@code extern "C"} kernel names each file defines. The files live as resources under
 * {@code dev/dendrite/kernels/}; every file starts with a header comment giving its kernels' parameters,
 * launch geometry and layout, and the shared contract is summarised in that directory's {@code dd_common.cuh}.
 *
 * <p>Usage from a runtime compiler: for each of {@link #files()}, compile {@link #source(String)} with
 * {@link #COMPILE_OPTIONS} plus the architecture option, then look up the names of {@link #kernels(String)}.
 * Kernel names are {@code <family>_<what>_<dtype>} with the dtype suffix of {@link #suffix(String)}.
 *
 * <p>This class has no dependencies (no JCuda, no engine-api) so that build tools and tests can read the
 * sources without native libraries.
 */
public final class KernelSources {
    /** Resource directory of the sources, with leading and trailing slash. */
    public static final String RESOURCE_DIR = "/dev/dendrite/kernels/";

    /** The header every {@code .cu} file includes; {@link #source(String)} inlines it. */
    public static final String HEADER = "dd_common.cuh";

    /**
     * Options every compile must use (NVRTC spelling; nvcc spells it {@code -fmad=false}).
     * See Note [No FMA contraction] in {@code dd_common.cuh}: Java never fuses {@code a·b + c}, so for
     * parity with the CPU backend neither may the CUDA compiler.
     */
    public static final List<String> COMPILE_OPTIONS = List.of("--fmad=false");

    private static final String INCLUDE_LINE = "#include \"" + HEADER + "\"";

    private static final List<String> FLOAT = List.of("f32", "f64");
    private static final List<String> INTEGER = List.of("i32", "i64");
    private static final List<String> ALL_TYPES = List.of("f32", "f64", "i32", "i64");

    /** UnaryOp names (lower case) with a floating kernel, and the subset with an integer kernel. */
    private static final List<String> UNARY_FLOAT_OPS = List.of("neg", "abs", "exp", "log", "sqrt", "rsqrt", "square",
            "reciprocal", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu", "softplus", "sign", "clamp");
    private static final List<String> UNARY_INT_OPS = List.of("neg", "abs", "square", "relu", "sign", "clamp");
    /** BinaryOp names (lower case); every one has floating kernels, all but pow integer ones. */
    private static final List<String> BINARY_OPS = List.of("add", "sub", "mul", "div", "pow", "max", "min",
            "eq", "ne", "lt", "le", "gt", "ge");
    private static final List<String> ACTIVATIONS = List.of("relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh");
    private static final List<String> OPTIMIZERS = List.of("sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax");

    /** File → kernel names, in file order; built once from the naming rules documented in each file. */
    private static final Map<String, List<String>> CATALOG = buildCatalog();
    private static final Map<String, String> RAW = new ConcurrentHashMap<>();

    private KernelSources() {
    }

    private static Map<String, List<String>> buildCatalog() {
        Map<String, List<String>> m = new LinkedHashMap<>();

        List<String> copy = new ArrayList<>();
        for (String s : ALL_TYPES) for (String d : ALL_TYPES) copy.add("copy_" + s + "_" + d);
        for (String t : ALL_TYPES) copy.add("fill_" + t);
        for (String t : ALL_TYPES) copy.add("arange_" + t);
        m.put("copy.cu", copy);

        List<String> unary = new ArrayList<>();
        for (String op : UNARY_FLOAT_OPS) for (String t : FLOAT) unary.add("ew_" + op + "_" + t);
        for (String op : UNARY_INT_OPS) for (String t : INTEGER) unary.add("ew_" + op + "_" + t);
        m.put("unary.cu", unary);

        List<String> binary = new ArrayList<>();
        for (String op : BINARY_OPS) {
            for (String t : ALL_TYPES) {
                if (op.equals("pow") && INTEGER.contains(t)) continue;
                binary.add("ew_" + op + "_" + t);
                binary.add("ew_" + op + "_scalar_" + t);
            }
        }
        m.put("binary.cu", binary);

        List<String> reduce = new ArrayList<>();
        for (String t : ALL_TYPES) {
            for (String op : List.of("sum", "max", "min")) {
                reduce.add("reduce_" + op + "_" + t);
                reduce.add("reduce_" + op + "_serial_" + t);
            }
            for (String op : List.of("argmax", "argmin")) {
                reduce.add(op + "_" + t);
                reduce.add(op + "_serial_" + t);
            }
        }
        for (String t : FLOAT) {
            reduce.add("reduce_mean_" + t);
            reduce.add("reduce_mean_serial_" + t);
        }
        for (String t : FLOAT) reduce.add("sumsq_partial_" + t);
        reduce.add("sum_partials_f64");
        m.put("reduce.cu", reduce);

        List<String> random = new ArrayList<>();
        random.add("philox_bits");
        for (String t : FLOAT) random.add("rand_uniform_" + t);
        for (String t : FLOAT) random.add("rand_normal_" + t);
        for (String t : FLOAT) random.add("dropout_" + t);
        m.put("random.cu", random);

        List<String> embedding = new ArrayList<>();
        for (String i : INTEGER) embedding.add("index_check_" + i);
        for (String i : INTEGER) embedding.add("embedding_bwd_buckets_" + i);
        for (String t : FLOAT) for (String i : INTEGER) embedding.add("embedding_fwd_" + t + "_" + i);
        for (String t : FLOAT) embedding.add("embedding_bwd_" + t);
        m.put("embedding.cu", embedding);

        List<String> loss = new ArrayList<>();
        for (String i : INTEGER) loss.add("ce_labels_" + i);
        for (String t : FLOAT) loss.add("ce_fwd_" + t);
        for (String t : FLOAT) loss.add("ce_reduce_" + t);
        m.put("loss.cu", loss);

        List<String> upsample = new ArrayList<>();
        for (String mode : List.of("nearest", "bilinear"))
            for (String dir : List.of("fwd", "bwd"))
                for (String t : FLOAT) upsample.add("upsample2x_" + mode + "_" + dir + "_" + t);
        m.put("upsample.cu", upsample);

        List<String> softmax = new ArrayList<>();
        for (String dir : List.of("fwd", "bwd"))
            for (String layout : List.of("rows", "cols"))
                for (String t : FLOAT) softmax.add("softmax_" + dir + "_" + layout + "_" + t);
        m.put("softmax.cu", softmax);

        List<String> activation = new ArrayList<>();
        for (String op : ACTIVATIONS) for (String t : FLOAT) activation.add("act_bwd_" + op + "_" + t);
        m.put("activation.cu", activation);

        List<String> optim = new ArrayList<>();
        for (String op : OPTIMIZERS) for (String t : FLOAT) optim.add(op + "_" + t);
        m.put("optim.cu", optim);

        Map<String, List<String>> frozen = new LinkedHashMap<>();
        m.forEach((file, names) -> frozen.put(file, List.copyOf(names)));
        return Collections.unmodifiableMap(frozen);
    }

    /** The kernel source files, each compiled as its own program, in a fixed order. */
    public static List<String> files() {
        return List.copyOf(CATALOG.keySet());
    }

    /** Every kernel name of every file. */
    public static List<String> allKernels() {
        List<String> all = new ArrayList<>();
        CATALOG.values().forEach(all::addAll);
        return Collections.unmodifiableList(all);
    }

    /**
     * The {@code extern "C" __global__} kernel names defined in {@code file}.
     *
     * @throws IllegalArgumentException for a file that is not in {@link #files()}
     */
    public static List<String> kernels(String file) {
        List<String> names = CATALOG.get(file);
        if (names == null) throw unknownFile(file);
        return names;
    }

    /**
     * The file that defines {@code kernel}.
     *
     * @throws IllegalArgumentException when no file defines it
     */
    public static String fileOf(String kernel) {
        for (Map.Entry<String, List<String>> e : CATALOG.entrySet())
            if (e.getValue().contains(kernel)) return e.getKey();
        throw new IllegalArgumentException("kernels: no kernel named '" + kernel + "' in " + files());
    }

    /**
     * The compilable text of {@code file}: the stored source with {@code #include "dd_common.cuh"} replaced
     * by the header itself, so the result needs no include path (NVRTC gets one string). {@code #line}
     * directives keep compiler messages pointing at the original file and line.
     *
     * @throws IllegalArgumentException for a file that is not in {@link #files()}
     */
    public static String source(String file) {
        String raw = rawSource(file);
        String[] lines = raw.split("\n", -1);
        StringBuilder sb = new StringBuilder(raw.length() + 16_384);
        boolean inlined = false;
        for (int i = 0; i < lines.length; i++) {
            if (!inlined && lines[i].trim().equals(INCLUDE_LINE)) {
                sb.append("#line 1 \"").append(HEADER).append("\"\n");
                sb.append(resource(HEADER));
                if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != '\n') sb.append('\n');
                // The line after the include is line i + 2 of the original file (lines count from 1).
                sb.append("#line ").append(i + 2).append(" \"").append(file).append("\"\n");
                inlined = true;
            } else {
                sb.append(lines[i]);
                if (i < lines.length - 1) sb.append('\n');
            }
        }
        if (!inlined)
            throw new IllegalStateException("kernels: " + file + " does not include " + HEADER + " (every kernel file must)");
        return sb.toString();
    }

    /**
     * The file exactly as stored (it includes {@link #HEADER}, found next to it in {@link #RESOURCE_DIR}).
     *
     * @throws IllegalArgumentException for a file that is not in {@link #files()}
     */
    public static String rawSource(String file) {
        if (!CATALOG.containsKey(file)) throw unknownFile(file);
        return resource(file);
    }

    /** The shared header's text. */
    public static String headerSource() {
        return resource(HEADER);
    }

    /**
     * The kernel-name suffix of a dtype: {@code FLOAT32 → f32}, {@code FLOAT64 → f64}, {@code INT32 → i32},
     * {@code INT64 → i64} (takes the enum constant's name, so this module needs no engine-api).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static String suffix(String dtypeName) {
        return switch (dtypeName.toUpperCase(Locale.ROOT)) {
            case "FLOAT32" -> "f32";
            case "FLOAT64" -> "f64";
            case "INT32" -> "i32";
            case "INT64" -> "i64";
            default -> throw new IllegalArgumentException("kernels: no kernel suffix for dtype '" + dtypeName
                    + "' (expected FLOAT32, FLOAT64, INT32 or INT64)");
        };
    }

    private static String resource(String name) {
        return RAW.computeIfAbsent(name, n -> {
            try (InputStream in = KernelSources.class.getResourceAsStream(RESOURCE_DIR + n)) {
                if (in == null)
                    throw new IllegalStateException("kernels: resource " + RESOURCE_DIR + n + " is missing from the classpath");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("kernels: cannot read resource " + RESOURCE_DIR + n, e);
            }
        });
    }

    private static IllegalArgumentException unknownFile(String file) {
        return new IllegalArgumentException("kernels: unknown kernel file '" + file + "', expected one of " + List.copyOf(CATALOG.keySet()));
    }
}
