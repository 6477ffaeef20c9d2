package dev.dendrite.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * activation.cu's derivative functions, run on the host, against the CPU backend's ActivationKernels
 * (compiled from engine-cpu's source at test time) in float and double. relu, leaky_relu, sigmoid and
 * tanh must match bit for bit (products in double, never fused); elu reads exp (the host's libm here) and
 * gelu's Φ is computed differently (erfc here, a series/continued fraction on the CPU), so those get a
 * small ulp tolerance.
 */
class ActivationHostTest {
    private static final List<String> OPS = List.of("relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh");
    private static final double[] ALPHAS = {0.01, 1.7};

    @Test
    void derivativesMatchActivationKernels(@TempDir Path work) throws Exception {
        ClassLoader cl = HostHarness.cpuReference();
        Class<?> ak = Class.forName("dev.dendrite.cpu.nn.ActivationKernels", true, cl);
        Class<?> opType = Class.forName("dev.dendrite.ops.ActivationOp", true, cl);
        Method bwdF = ak.getMethod("backward", opType, float[].class, int.class, float[].class, int.class, float[].class, int.class,
                double.class, float[].class, int.class, int.class);
        Method bwdD = ak.getMethod("backward", opType, double[].class, int.class, double[].class, int.class, double[].class, int.class,
                double.class, double[].class, int.class, int.class);

        double[] fixed = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 10.0, -10.0, 40.0, -40.0, 1e-300, -1e-300,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0.999, -0.999, 1e-5, 7.25, -1.6};
        Random rnd = new Random(13);
        int n = fixed.length + 30;
        double[] in = new double[n], dy = new double[n];
        for (int i = 0; i < n; i++) {
            in[i] = i < fixed.length ? fixed[i] : rnd.nextGaussian() * 4;
            dy[i] = i % 5 == 0 ? -0.0 : rnd.nextGaussian();
        }
        float[] inF = new float[n], dyF = new float[n];
        for (int i = 0; i < n; i++) {
            inF[i] = (float) in[i];
            dyF[i] = (float) dy[i];
        }

        StringBuilder s = new StringBuilder("#include <cstdio>\n#include <cstring>\n#include \"activation.cu\"\n");
        s.append("static unsigned int fbits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }\n");
        s.append("static unsigned long long dbits(double x) { unsigned long long u; memcpy(&u, &x, 8); return u; }\n");
        s.append("static const double IN[] = {").append(cArray(in, false)).append("};\n");
        s.append("static const double DY[] = {").append(cArray(dy, false)).append("};\n");
        s.append("static const float INF_[] = {").append(cArray(in, true)).append("};\n");
        s.append("static const float DYF[] = {").append(cArray(dy, true)).append("};\n");
        s.append("template <typename Op> static void run(const char* name, int a, double alpha) {\n");
        s.append("    for (int i = 0; i < ").append(n).append("; ++i) {\n");
        s.append("        printf(\"D %s %d %d %016llx\\n\", name, a, i, dbits(Op::f(IN[i], DY[i], alpha)));\n");
        s.append("        printf(\"F %s %d %d %08x\\n\", name, a, i, fbits((float)Op::f((double)INF_[i], (double)DYF[i], alpha)));\n");
        s.append("    }\n}\nint main() {\n");
        for (String op : OPS)
            for (int a = 0; a < ALPHAS.length; a++)
                s.append(String.format(Locale.ROOT, "    run<%s>(\"%s\", %d, %s);%n", functor(op), op, a, Double.toHexString(ALPHAS[a])));
        s.append("    return 0;\n}\n");

        Map<String, String> got = new HashMap<>();
        for (String line : HostHarness.runHostProgram(work, List.of("activation.cu"), s.toString())) {
            if (line.isBlank()) continue;
            int last = line.lastIndexOf(' ');
            got.put(line.substring(0, last), line.substring(last + 1).trim());
        }

        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (String op : OPS) {
            Object e = HostHarness.enumConstant(opType, op.toUpperCase(Locale.ROOT));
            boolean readsY = op.equals("sigmoid") || op.equals("tanh");
            for (int a = 0; a < ALPHAS.length; a++) {
                double[] dxD = new double[n];
                float[] dxF = new float[n];
                bwdD.invoke(null, e, readsY ? null : in, 0, readsY ? in : null, 0, dy, 0, ALPHAS[a], dxD, 0, n);
                bwdF.invoke(null, e, readsY ? null : inF, 0, readsY ? inF : null, 0, dyF, 0, ALPHAS[a], dxF, 0, n);
                int ulps64 = op.equals("gelu") ? 64 : op.equals("elu") ? 4 : 0, ulps32 = op.equals("gelu") || op.equals("elu") ? 1 : 0;
                for (int i = 0; i < n; i++) {
                    String k = op + " " + a + " " + i;
                    double gd = Double.longBitsToDouble(Long.parseUnsignedLong(got.get("D " + k), 16));
                    float gf = Float.intBitsToFloat((int) Long.parseLong(got.get("F " + k), 16));
                    if (!close(gd, dxD[i], ulps64 * Math.ulp(dxD[i])))
                        problems.add("f64 " + k + " in=" + in[i] + " dy=" + dy[i] + ": kernel " + gd + ", CPU " + dxD[i]);
                    if (!close(gf, dxF[i], ulps32 * Math.ulp(dxF[i])))
                        problems.add("f32 " + k + " in=" + inF[i] + " dy=" + dyF[i] + ": kernel " + gf + ", CPU " + dxF[i]);
                    checked += 2;
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " of " + checked + " differ, first ones:\n"
                + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        assertEquals(got.size(), checked, "every line the harness printed was checked");
    }

    /** Bitwise equal (signed zeros included), both NaN, or within tol for finite non-zero values. */
    private static boolean close(double got, double want, double tol) {
        if (Double.isNaN(want) || Double.isNaN(got)) return Double.isNaN(want) && Double.isNaN(got);
        if (Double.doubleToRawLongBits(got) == Double.doubleToRawLongBits(want)) return true;
        return tol > 0 && want != 0 && !Double.isInfinite(want) && Math.abs(got - want) <= tol;
    }

    private static String functor(String op) {
        StringBuilder sb = new StringBuilder("A");
        for (String part : op.split("_")) sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        return sb.toString();
    }

    private static String cArray(double[] v, boolean asFloat) {
        StringBuilder s = new StringBuilder();
        for (double d : v) {
            if (Double.isNaN(d)) s.append(asFloat ? "__builtin_nanf(\"\")" : "__builtin_nan(\"\")");
            else if (Double.isInfinite(d)) s.append(d > 0 ? "" : "-").append(asFloat ? "__builtin_huge_valf()" : "__builtin_huge_val()");
            else s.append(asFloat ? Double.toHexString((float) d) + "f" : Double.toHexString(d));
            s.append(", ");
        }
        return s.toString();
    }
}
