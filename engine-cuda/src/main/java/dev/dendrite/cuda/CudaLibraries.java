package dev.dendrite.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds and loads NVIDIA's libraries (NVRTC, cuBLAS, cuDNN) before any JCuda class that needs
 * them is touched. The one place that knows where they come from; the provider's probe, the
 * backend and the tests all go through it.
 *
 * <h2>Where libraries come from (per group, first hit wins)</h2>
 * <ol>
 *   <li>{@code -Ddendrite.cuda.libs=DIR} or the {@code DENDRITE_CUDA_LIBS} environment variable:
 *       a folder holding the .so files (e.g. an extracted redist jar).</li>
 *   <li>The artifact {@code org.bytedeco:cuda:12.3-8.9-1.5.10:linux-x86_64-redist} on the class
 *       path: the needed entries are extracted once to {@code ~/.cache/dendrite/cuda-12.3-8.9-1.5.10}
 *       ({@code -Ddendrite.cuda.cacheDir} overrides), written to a temporary file, size-checked
 *       against the jar entry and atomically renamed, so concurrent JVMs and interrupted runs
 *       never see a half-written library.</li>
 *   <li>A system install: {@code LD_LIBRARY_PATH}, {@code /usr/local/cuda*}, the distribution's
 *       library folders. NVRTC and cuBLAS that are in none of these are still tried through the
 *       dynamic loader's own search (a failure there is an ordinary {@code UnsatisfiedLinkError});
 *       cuDNN never is (see the next note).</li>
 * </ol>
 *
 * <p>Note [Preload order and the cuDNN abort trap]
 * The JNI libraries of JCuda name {@code libnvrtc.so.12}, {@code libcublas.so.12} and
 * {@code libcudnn.so.8} by soname; a library already loaded under that soname satisfies them, so
 * {@code System.load} of absolute paths in dependency order, before the JCuda class initialises,
 * binds JCuda to exactly the files we chose (and beats any other copy on the system).
 * {@code libnvrtc.so.12} opens {@code libnvrtc-builtins.so.12.X} lazily without looking next to
 * itself, so the builtins are preloaded first. cuDNN 8.9 opens its six sub-libraries lazily and
 * calls {@code abort()} — killing the JVM, no exception — when one fails to load; the sub-libraries
 * find each other only by soname. So cuDNN is all or nothing: every file is checked to exist
 * before the first is loaded, then ops → cnn → adv (infer before train) and libcudnn.so.8 last.
 *
 * <p>Note [Infer-only cuDNN]
 * The test build without a GPU unpacks only libcudnn.so.8 and the three {@code _infer}
 * sub-libraries (787 MB instead of 1.1 GB): enough for every host-side call the tests make
 * (descriptors, output sizes, versions). When a folder holds exactly that set, cuDNN loads as
 * {@link CudnnSet#INFER_ONLY}; the backend then refuses to start (a training call would make cuDNN
 * open a missing {@code _train} library and abort), and code that touches cuDNN must check
 * {@link GroupStatus#isFull()} before anything but host-side descriptor work.
 */
public final class CudaLibraries {
    private static final Logger log = LoggerFactory.getLogger(CudaLibraries.class);

    /** The version of the redist artifact whose layout and file names this loader knows. */
    public static final String REDIST_VERSION = "12.3-8.9-1.5.10";
    /** Maven coordinates of the redist artifact, for messages. */
    public static final String REDIST_ARTIFACT = "org.bytedeco:cuda:" + REDIST_VERSION + ":linux-x86_64-redist";
    /** The JCuda version whose natives we use (and under whose name JCudnn's native is repackaged). */
    static final String JCUDA_VERSION = "12.6.0";
    /** Folder of the libraries inside the redist jar. */
    static final String RESOURCE_DIR = "org/bytedeco/cuda/linux-x86_64/";
    /** NVRTC's builtins in the redist jar (the versioned name belongs to NVRTC 12.3). */
    static final String REDIST_NVRTC_BUILTINS = "libnvrtc-builtins.so.12.3";

    /** The three library groups, loaded and reported separately. */
    public enum Group {
        NVRTC("NVRTC", "libnvrtc.so.12"),
        CUBLAS("cuBLAS", "libcublas.so.12"),
        CUDNN("cuDNN", "libcudnn.so.8");

        private final String displayName;
        private final String mainLibrary;

        Group(String displayName, String mainLibrary) {
            this.displayName = displayName;
            this.mainLibrary = mainLibrary;
        }

        public String displayName() {
            return displayName;
        }

        /** The soname JCuda's JNI library needs. */
        public String mainLibrary() {
            return mainLibrary;
        }
    }

    /** Which cuDNN libraries are loaded (see Note [Infer-only cuDNN]). */
    public enum CudnnSet { FULL, INFER_ONLY }

    /** File names of cuDNN, in load order. */
    static final List<String> CUDNN_FULL = List.of("libcudnn_ops_infer.so.8", "libcudnn_ops_train.so.8", "libcudnn_cnn_infer.so.8",
            "libcudnn_cnn_train.so.8", "libcudnn_adv_infer.so.8", "libcudnn_adv_train.so.8", "libcudnn.so.8");
    static final List<String> CUDNN_INFER = List.of("libcudnn_ops_infer.so.8", "libcudnn_cnn_infer.so.8", "libcudnn_adv_infer.so.8",
            "libcudnn.so.8");
    static final List<String> CUBLAS = List.of("libcublasLt.so.12", "libcublas.so.12");
    static final String NVRTC = "libnvrtc.so.12";
    static final String NVRTC_BUILTINS_PREFIX = "libnvrtc-builtins.so.12.";

    /**
     * What happened to one group.
     *
     * @param group     the group
     * @param isLoaded  whether its libraries are loaded and the JCuda binding initialised
     * @param source    where the files came from ({@code "dendrite.cuda.libs=/x"}, {@code "redist jar, cached in /y"},
     *                  {@code "system /usr/local/cuda/lib64"}, {@code "system (dynamic loader)"}), or empty
     * @param files     the files loaded, in order
     * @param version   the library's own version ({@code 12.3}, {@code 12.3.4}, {@code 8.9.7}), or empty
     * @param cudnnSet  for cuDNN, which set loaded; null otherwise
     * @param error     why it did not load, with what to do about it; empty when loaded
     */
    public record GroupStatus(Group group, boolean isLoaded, String source, List<Path> files, String version, CudnnSet cudnnSet,
                              String error) {
        /** Loaded with every library (for cuDNN: the training sub-libraries too). */
        public boolean isFull() {
            return isLoaded && (group != Group.CUDNN || cudnnSet == CudnnSet.FULL);
        }

        @Override
        public String toString() {
            if (!isLoaded) return group.displayName() + ": not loaded — " + error;
            return group.displayName() + " " + version + (cudnnSet == CudnnSet.INFER_ONLY ? " (inference libraries only)" : "")
                    + " from " + source;
        }
    }

    /** The outcome of {@link #load()} for all groups. */
    public record Status(Map<Group, GroupStatus> groups) {
        public GroupStatus get(Group g) {
            return groups.get(g);
        }

        /** One line per group, for {@code dendrite devices} and the probe's details. */
        public String describe() {
            return groups.values().stream().map(GroupStatus::toString).collect(Collectors.joining("; "));
        }
    }

    private static Status status;

    private CudaLibraries() {
    }

    /**
     * Loads every group once per JVM (later calls return the same status). Never throws: each
     * group's failure is recorded in its {@link GroupStatus}.
     */
    public static synchronized Status load() {
        if (status != null) return status;
        Map<Group, GroupStatus> map = new EnumMap<>(Group.class);
        Locator locator = Locator.fromEnvironment();
        for (Group g : Group.values()) {
            GroupStatus s;
            try {
                s = loadGroup(g, locator);
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, I/O: this group is off, the others may work
                s = failed(g, "", List.of(), describeThrowable(t));
            }
            map.put(g, s);
            log.debug("{}", s);
        }
        status = new Status(Collections.unmodifiableMap(map));
        return status;
    }

    /** The status of an earlier {@link #load()}, or null if none ran. */
    public static synchronized Status current() {
        return status;
    }

    private static GroupStatus failed(Group g, String source, List<Path> files, String error) {
        return new GroupStatus(g, false, source, files, "", null, error);
    }

    // ---- locating ---------------------------------------------------------------------------------

    /** A folder to search and how to describe it. */
    record SearchDir(Path dir, String description) {
    }

    /**
     * Where a group's files are: the first search folder holding the complete set, else the redist
     * jar, else nothing (with every place searched, for the message).
     */
    record Located(List<Path> files, String source, CudnnSet cudnnSet, String missing) {
        boolean isFound() {
            return files != null;
        }
    }

    /** The places to look, from the environment; a plain value so the search is testable. */
    record Locator(SearchDir explicit, String explicitError, boolean redistOnClasspath, Path cacheDir, List<SearchDir> systemDirs) {
        static Locator fromEnvironment() {
            String prop = System.getProperty("dendrite.cuda.libs");
            String env = System.getenv("DENDRITE_CUDA_LIBS");
            SearchDir explicit = null;
            String error = "";
            String value = prop != null && !prop.isBlank() ? prop : env != null && !env.isBlank() ? env : null;
            if (value != null) {
                String origin = prop != null && !prop.isBlank() ? "dendrite.cuda.libs" : "DENDRITE_CUDA_LIBS";
                Path dir = Paths.get(value.trim()).toAbsolutePath();
                if (Files.isDirectory(dir)) explicit = new SearchDir(dir, origin + "=" + dir);
                else error = origin + "=" + dir + " is not a directory";
            }
            boolean redist = CudaLibraries.class.getClassLoader().getResource(RESOURCE_DIR + "libcudnn.so.8") != null;
            return new Locator(explicit, error, redist, CudaLibraries.cacheDir(), CudaLibraries.systemDirs());
        }
    }

    /** The extraction cache: {@code -Ddendrite.cuda.cacheDir}, else {@code $XDG_CACHE_HOME/dendrite} or {@code ~/.cache/dendrite}, plus the redist version. */
    static Path cacheDir() {
        String explicit = System.getProperty("dendrite.cuda.cacheDir");
        if (explicit != null && !explicit.isBlank()) return Paths.get(explicit.trim()).toAbsolutePath();
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("dendrite").resolve("cuda-" + REDIST_VERSION).toAbsolutePath();
    }

    /** System folders in search order: LD_LIBRARY_PATH, then the CUDA toolkit's, then the distribution's. */
    static List<SearchDir> systemDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) for (String p : ld.split(":")) if (!p.isBlank()) dirs.add(Paths.get(p));
        dirs.add(Paths.get("/usr/local/cuda/lib64"));
        dirs.add(Paths.get("/usr/local/cuda/targets/x86_64-linux/lib"));
        List<Path> versioned = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Paths.get("/usr/local"), "cuda-12*")) {
            for (Path p : s) versioned.add(p.resolve("lib64"));
        } catch (IOException | RuntimeException e) {
            // no /usr/local or no toolkit there: nothing to add
        }
        versioned.sort(Collections.reverseOrder());
        dirs.addAll(versioned);
        dirs.add(Paths.get("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Paths.get("/usr/lib64"));
        dirs.add(Paths.get("/usr/lib"));
        List<SearchDir> out = new ArrayList<>();
        for (Path d : dirs) out.add(new SearchDir(d.toAbsolutePath(), "system " + d));
        return out;
    }

    /**
     * The files of a group in one folder, in load order, or null when the set is incomplete. For
     * cuDNN the full set is preferred, the inference set accepted; the returned set says which.
     */
    static Located findInDir(Group g, SearchDir dir) {
        Path d = dir.dir();
        switch (g) {
            case NVRTC -> {
                Path builtins = newestBuiltins(d);
                Path nvrtc = d.resolve(NVRTC);
                if (builtins != null && Files.isRegularFile(nvrtc)) return new Located(List.of(builtins, nvrtc), dir.description(), null, "");
                return new Located(null, "", null, builtins == null ? NVRTC_BUILTINS_PREFIX + "*" + (Files.isRegularFile(nvrtc) ? "" : ", " + NVRTC) : NVRTC);
            }
            case CUBLAS -> {
                List<String> missing = missingIn(d, CUBLAS);
                if (missing.isEmpty()) return new Located(paths(d, CUBLAS), dir.description(), null, "");
                return new Located(null, "", null, String.join(", ", missing));
            }
            case CUDNN -> {
                List<String> missing = missingIn(d, CUDNN_FULL);
                if (missing.isEmpty()) return new Located(paths(d, CUDNN_FULL), dir.description(), CudnnSet.FULL, "");
                if (missingIn(d, CUDNN_INFER).isEmpty())
                    return new Located(paths(d, CUDNN_INFER), dir.description(), CudnnSet.INFER_ONLY, String.join(", ", missing));
                return new Located(null, "", null, String.join(", ", missing));
            }
        }
        throw new AssertionError(g);
    }

    private static Path newestBuiltins(Path dir) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, NVRTC_BUILTINS_PREFIX + "*")) {
            for (Path p : s) if (Files.isRegularFile(p)) found.add(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        // libnvrtc-builtins.so.12.3 before ...12.3.107: the soname is the shortest; any one of them serves.
        found.sort((a, b) -> versionCompare(b.getFileName().toString(), a.getFileName().toString()));
        return found.isEmpty() ? null : found.get(0);
    }

    /** Orders {@code libx.so.12.3} vs {@code libx.so.12.10} numerically by their dotted tails. */
    static int versionCompare(String a, String b) {
        String[] pa = a.substring(a.indexOf(".so.") + 4).split("\\."), pb = b.substring(b.indexOf(".so.") + 4).split("\\.");
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            int c;
            try {
                c = Long.compare(Long.parseLong(pa[i]), Long.parseLong(pb[i]));
            } catch (NumberFormatException e) {
                c = pa[i].compareTo(pb[i]);
            }
            if (c != 0) return c;
        }
        return Integer.compare(pb.length, pa.length); // shorter (the soname) first among equals
    }

    private static List<String> missingIn(Path dir, List<String> names) {
        List<String> missing = new ArrayList<>();
        for (String n : names) if (!Files.isRegularFile(dir.resolve(n))) missing.add(n);
        return missing;
    }

    private static List<Path> paths(Path dir, List<String> names) {
        List<Path> out = new ArrayList<>();
        for (String n : names) out.add(dir.resolve(n));
        return out;
    }

    /** The redist jar's file names of a group, in load order. */
    static List<String> redistNames(Group g) {
        return switch (g) {
            case NVRTC -> List.of(REDIST_NVRTC_BUILTINS, NVRTC);
            case CUBLAS -> CUBLAS;
            case CUDNN -> CUDNN_FULL;
        };
    }

    // ---- extracting -------------------------------------------------------------------------------

    /**
     * Copies a resource to {@code target} unless a file of the resource's size is already there:
     * through a temporary file in the same folder, size-checked, then an atomic rename.
     *
     * @return true if the file was written, false if the cached copy was reused
     */
    static boolean extract(URL source, Path target) throws IOException {
        URLConnection c = source.openConnection();
        c.setUseCaches(false); // a cached JarFile would stay open (and mapped) for the JVM's life
        long expected = c.getContentLengthLong();
        if (expected >= 0 && Files.isRegularFile(target) && Files.size(target) == expected) {
            closeQuietly(c);
            return false;
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString() + ".", ".part");
        try {
            long copied;
            try (InputStream in = c.getInputStream()) {
                copied = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (expected >= 0 && copied != expected)
                throw new IOException("extracting " + source + ": wrote " + copied + " bytes, the entry has " + expected);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void closeQuietly(URLConnection c) {
        try {
            c.getInputStream().close();
        } catch (IOException | RuntimeException e) {
            // nothing was read; nothing to release
        }
    }

    private static Located fromRedist(Group g, Locator locator) throws IOException {
        List<Path> files = new ArrayList<>();
        List<String> names = redistNames(g);
        long bytes = 0;
        List<URL> urls = new ArrayList<>();
        for (String n : names) {
            URL u = CudaLibraries.class.getClassLoader().getResource(RESOURCE_DIR + n);
            if (u == null) return new Located(null, "", null, n + " (not in the redist jar on the class path)");
            urls.add(u);
        }
        long start = System.nanoTime();
        boolean wrote = false;
        for (int i = 0; i < names.size(); i++) {
            Path target = locator.cacheDir().resolve(names.get(i));
            if (extract(urls.get(i), target)) {
                if (!wrote) log.info("Extracting {} from {} to {} (once; later runs reuse it)", g.displayName(), REDIST_ARTIFACT, locator.cacheDir());
                wrote = true;
                bytes += Files.size(target);
            }
            files.add(target);
        }
        if (wrote) log.info("Extracted {} MB of {} in {} ms", bytes >> 20, g.displayName(), (System.nanoTime() - start) / 1_000_000);
        return new Located(files, "redist jar " + REDIST_ARTIFACT + ", cached in " + locator.cacheDir(),
                g == Group.CUDNN ? CudnnSet.FULL : null, "");
    }

    /** Finds a group's files: explicit folder, then the redist jar, then system folders. */
    static Located locate(Group g, Locator locator) throws IOException {
        List<String> searched = new ArrayList<>();
        Located inferOnly = null;
        if (locator.explicit() != null) {
            Located l = findInDir(g, locator.explicit());
            if (l.isFound() && l.cudnnSet() != CudnnSet.INFER_ONLY) return l;
            if (l.isFound()) inferOnly = l;
            searched.add(locator.explicit().description() + " (missing " + l.missing() + ")");
        } else if (!locator.explicitError().isEmpty()) {
            searched.add(locator.explicitError());
        }
        if (locator.redistOnClasspath()) {
            Located l = fromRedist(g, locator);
            if (l.isFound()) return l;
            searched.add("the redist jar (missing " + l.missing() + ")");
        }
        for (SearchDir d : locator.systemDirs()) {
            if (!Files.isDirectory(d.dir())) continue;
            Located l = findInDir(g, d);
            if (l.isFound() && l.cudnnSet() != CudnnSet.INFER_ONLY) return l;
            if (l.isFound() && inferOnly == null) inferOnly = l;
        }
        if (inferOnly != null) return inferOnly;
        searched.add("system folders " + locator.systemDirs().stream().map(s -> s.dir().toString()).collect(Collectors.joining(", ")));
        return new Located(null, "", null, String.join("; ", searched));
    }

    // ---- loading ----------------------------------------------------------------------------------

    private static GroupStatus loadGroup(Group g, Locator locator) throws IOException {
        Located where = locate(g, locator);
        List<Path> loaded = new ArrayList<>();
        String source;
        CudnnSet set = where.cudnnSet();
        if (where.isFound()) {
            // cuDNN: the all-or-nothing check happened in findInDir (every file exists); load in order.
            for (Path p : where.files()) {
                System.load(p.toAbsolutePath().toString());
                loaded.add(p);
            }
            source = where.source();
        } else if (g == Group.CUDNN) {
            return failed(g, "", List.of(), g.mainLibrary() + " not found — " + remedy(g) + " (searched: " + where.missing() + ")");
        } else {
            // Not found in any folder we know: the dynamic loader may still know one (ld.so.cache).
            source = "system (dynamic loader)";
        }
        String version;
        try {
            version = bindAndVersion(g, set);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            String why = describeThrowable(e);
            if (!where.isFound())
                return failed(g, source, loaded, g.mainLibrary() + " not found — " + remedy(g) + " (searched: " + where.missing() + "; " + why + ")");
            String hint = why.contains("No resource found") && why.contains("JCudnn")
                    ? " (the engine-cuda jar lacks lib/libJCudnn-" + JCUDA_VERSION + "-linux-x86_64.so, which its Maven build repackages from "
                    + "org.jcuda:jcudnn-natives: see Note [JCudnn native under the JCuda version's name] in engine-cuda/pom.xml)" : "";
            return failed(g, source, loaded, "JCuda's " + g.displayName() + " binding failed to load with the libraries from " + source + ": "
                    + why + hint);
        }
        return new GroupStatus(g, true, source, List.copyOf(loaded), version, set, "");
    }

    /** What a user can do when a group is missing. */
    static String remedy(Group g) {
        String what = switch (g) {
            case NVRTC -> "install the CUDA 12 toolkit's NVRTC";
            case CUBLAS -> "install cuBLAS for CUDA 12";
            case CUDNN -> "install cuDNN 8.9 for CUDA 12";
        };
        return "add " + REDIST_ARTIFACT + " to the class path, set -Ddendrite.cuda.libs=DIR (or DENDRITE_CUDA_LIBS) to a folder with the "
                + "libraries, or " + what;
    }

    /** Initialises the JCuda binding of a group (its libraries are loaded by now) and reads the library's version. */
    private static String bindAndVersion(Group g, CudnnSet set) {
        switch (g) {
            case NVRTC -> {
                jcuda.nvrtc.JNvrtc.setExceptionsEnabled(false);
                int[] major = {0}, minor = {0};
                int r = jcuda.nvrtc.JNvrtc.nvrtcVersion(major, minor);
                if (r != 0) throw new IllegalStateException("nvrtcVersion returned " + r);
                return major[0] + "." + minor[0];
            }
            case CUBLAS -> {
                jcuda.jcublas.JCublas2.setExceptionsEnabled(false);
                int[] v = new int[3];
                for (int i = 0; i < 3; i++) {
                    int[] out = {0};
                    // libraryPropertyType: MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2.
                    int r = jcuda.jcublas.JCublas2.cublasGetProperty(i, out);
                    if (r != 0) throw new IllegalStateException("cublasGetProperty returned " + r);
                    v[i] = out[0];
                }
                return v[0] + "." + v[1] + "." + v[2];
            }
            case CUDNN -> {
                jcuda.jcudnn.JCudnn.setExceptionsEnabled(false);
                long v = jcuda.jcudnn.JCudnn.cudnnGetVersion();
                // Version checks make cuDNN open its sub-libraries now, while we know they are loaded;
                // the training ones only with the full set (Note [Infer-only cuDNN]).
                check("cudnnOpsInferVersionCheck", jcuda.jcudnn.JCudnn.cudnnOpsInferVersionCheck());
                check("cudnnCnnInferVersionCheck", jcuda.jcudnn.JCudnn.cudnnCnnInferVersionCheck());
                check("cudnnAdvInferVersionCheck", jcuda.jcudnn.JCudnn.cudnnAdvInferVersionCheck());
                if (set == CudnnSet.FULL) {
                    check("cudnnOpsTrainVersionCheck", jcuda.jcudnn.JCudnn.cudnnOpsTrainVersionCheck());
                    check("cudnnCnnTrainVersionCheck", jcuda.jcudnn.JCudnn.cudnnCnnTrainVersionCheck());
                    check("cudnnAdvTrainVersionCheck", jcuda.jcudnn.JCudnn.cudnnAdvTrainVersionCheck());
                }
                return (v / 1000) + "." + (v % 1000 / 100) + "." + (v % 100);
            }
        }
        throw new AssertionError(g);
    }

    private static void check(String call, int status) {
        if (status != 0)
            throw new IllegalStateException(call + " returned " + status + " (" + jcuda.jcudnn.cudnnStatus.stringFor(status)
                    + "): the cuDNN sub-libraries do not match libcudnn.so.8");
    }

    /** A one-line account of a loading failure, with the nested cause JCuda hides in its message. */
    static String describeThrowable(Throwable t) {
        StringBuilder sb = new StringBuilder(t.getClass().getSimpleName()).append(": ").append(firstLine(t.getMessage()));
        Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable c = t.getCause(); c != null && seen.add(c); c = c.getCause())
            sb.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(firstLine(c.getMessage()));
        for (Throwable s : t.getSuppressed()) sb.append(" (also: ").append(firstLine(s.getMessage())).append(')');
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        // JCuda's LibUtils message lists every attempt with nested stack traces; keep the first line and the
        // line that names the real reason (a missing file or resource), drop the rest.
        String[] lines = s.strip().split("\\R");
        String reason = null;
        for (String l : lines) {
            String t = l.strip();
            if (t.contains("cannot open shared object file") || t.contains("No resource found") || t.contains("undefined symbol")) {
                reason = t;
                break;
            }
        }
        return reason == null || lines[0].strip().equals(reason) ? lines[0].strip() : lines[0].strip() + " … " + reason;
    }

    /** For messages: {@code linux-x86_64} is the only platform the redist and JCudnn natives exist for. */
    static String platform() {
        return System.getProperty("os.name", "?").toLowerCase(Locale.ROOT) + "-" + System.getProperty("os.arch", "?");
    }
}
