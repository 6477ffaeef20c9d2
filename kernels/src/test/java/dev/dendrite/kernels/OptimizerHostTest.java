package dev.dendrite.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * optim.cu's per-element steps, run on the host for several steps and hyper-parameter sets, against a Java
 * replay of the optimizers' tensor-op sequences in models/optim (SGD.update, Adam.adamUpdate, …) where every
 * op rounds to the dtype as a tensor op does ({@link Replay}). Note [Fused steps replay the composite] says
 * the fused step equals the composite bit for bit; this checks the C translation of each sequence, every
 * rounding included, in float and double.
 */
class OptimizerHostTest {
    private static final int N = 16, STEPS = 4;

    /** One optimizer configuration: kind and its hyper-parameters in the order the step function takes them. */
    private record Config(String kind, double lr, double wd, double a, double b, double eps, double init) {
    }

    private static final List<Config> CONFIGS = List.of(
            // sgd: a = momentum, b = nesterov (0/1)
            new Config("sgd", 0.1, 0, 0, 0, 0, 0), new Config("sgd", 0.05, 1e-2, 0.9, 0, 0, 0), new Config("sgd", 0.05, 1e-2, 0.9, 1, 0, 0),
            // adagrad: init = initialAccumulatorValue
            new Config("adagrad", 0.1, 0, 0, 0, 1e-10, 0.1), new Config("adagrad", 0.01, 0.01, 0, 0, 1e-10, 0),
            // adadelta: a = rho
            new Config("adadelta", 1.0, 0, 0.9, 0, 1e-6, 0), new Config("adadelta", 0.5, 0.01, 0.95, 0, 1e-6, 0),
            // rmsprop: a = alpha, b = momentum
            new Config("rmsprop", 0.01, 0, 0.99, 0, 1e-8, 0), new Config("rmsprop", 0.01, 0.01, 0.9, 0.9, 1e-8, 0),
            // adam / adamw / adamax: a = beta1, b = beta2
            new Config("adam", 1e-3, 0, 0.9, 0.999, 1e-8, 0), new Config("adam", 1e-2, 0.01, 0.8, 0.99, 1e-6, 0),
            new Config("adamw", 1e-3, 0.01, 0.9, 0.999, 1e-8, 0), new Config("adamw", 1e-2, 0, 0.9, 0.999, 1e-8, 0),
            new Config("adamax", 2e-3, 0, 0.9, 0.999, 1e-8, 0), new Config("adamax", 1e-2, 0.01, 0.8, 0.99, 1e-6, 0));

    @Test
    void fusedStepsReplayTheCompositeOptimizers(@TempDir Path work) throws Exception {
        Random rnd = new Random(11);
        double[] p0 = new double[N];
        double[][] grads = new double[STEPS][N];
        for (int i = 0; i < N; i++) p0[i] = rnd.nextGaussian();
        for (int t = 0; t < STEPS; t++)
            for (int i = 0; i < N; i++) grads[t][i] = i == 0 ? 0 : i == 1 ? 1e-9 : i == 2 ? 300.0 : rnd.nextGaussian();

        Map<String, String> got = new HashMap<>();
        for (String line : HostHarness.runHostProgram(work, List.of("optim.cu"), harness(p0, grads))) {
            if (line.isBlank()) continue;
            int last = line.lastIndexOf(' ');
            got.put(line.substring(0, last), line.substring(last + 1).trim());
        }

        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (int c = 0; c < CONFIGS.size(); c++) {
            for (boolean f32 : new boolean[]{true, false}) {
                Replay r = new Replay(f32 ? v -> (float) v : v -> v);
                double[][] state = r.run(CONFIGS.get(c), p0, grads);
                String tag = f32 ? "32" : "64";
                for (int k = 0; k < 3; k++)
                    for (int i = 0; i < N; i++) {
                        String key = "R" + tag + " " + c + " " + k + " " + i;
                        String want = f32 ? String.format(Locale.ROOT, "%08x", Float.floatToRawIntBits((float) state[k][i]))
                                : String.format(Locale.ROOT, "%016x", Double.doubleToRawLongBits(state[k][i]));
                        if (!want.equals(got.get(key)))
                            problems.add(CONFIGS.get(c) + " f" + tag + " " + (k == 0 ? "param" : "state" + k) + "[" + i + "]: kernel "
                                    + got.get(key) + ", composite " + want);
                        checked++;
                    }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " of " + checked + " differ, first ones:\n"
                + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        assertEquals(got.size(), checked, "every line the harness printed was checked");
    }

    /**
     * The optimizers of models/optim as tensor-op sequences over one element, each op rounded to the dtype
     * (a float tensor op computes in double and stores a float; CpuBackend/ElementMath).
     */
    private static final class Replay {
        private final DoubleUnaryOperator r;

        Replay(DoubleUnaryOperator round) {
            this.r = round;
        }

        double mulS(double a, double s) { return r.applyAsDouble(a * s); }
        double addS(double a, double s) { return r.applyAsDouble(a + s); }
        double divS(double a, double s) { return r.applyAsDouble(a / s); }
        double add(double a, double b) { return r.applyAsDouble(a + b); }
        double mul(double a, double b) { return r.applyAsDouble(a * b); }
        double div(double a, double b) { return r.applyAsDouble(a / b); }
        double square(double a) { return r.applyAsDouble(a * a); }
        double sqrt(double a) { return r.applyAsDouble(Math.sqrt(a)); }

        /** Tensor.addInPlace(other, alpha): other.mul(alpha) then addInPlace, or a plain add when alpha == 1. */
        double addInPlace(double x, double y, double alpha) {
            return alpha == 1 ? add(x, y) : add(x, mulS(y, alpha));
        }

        /** Optimizer.withL2. */
        double withL2(double p, double g, double wd) {
            return wd == 0 ? g : add(mulS(p, wd), g);
        }

        /** Runs STEPS updates; returns {param, state1, state2}. */
        double[][] run(Config c, double[] p0, double[][] grads) {
            double[] p = new double[N], s1 = new double[N], s2 = new double[N];
            for (int i = 0; i < N; i++) {
                p[i] = r.applyAsDouble(p0[i]);
                s1[i] = r.applyAsDouble(c.init());
            }
            for (int t = 0; t < STEPS; t++) {
                long step = t + 1;
                for (int i = 0; i < N; i++) {
                    double g = r.applyAsDouble(grads[t][i]);
                    switch (c.kind()) {
                        case "sgd" -> {
                            double d = withL2(p[i], g, c.wd());
                            if (c.a() == 0) p[i] = addInPlace(p[i], d, -c.lr());
                            else {
                                s1[i] = addInPlace(mulS(s1[i], c.a()), d, 1);
                                if (c.b() != 0) p[i] = addInPlace(p[i], add(mulS(s1[i], c.a()), d), -c.lr());
                                else p[i] = addInPlace(p[i], s1[i], -c.lr());
                            }
                        }
                        case "adagrad" -> {
                            double d = withL2(p[i], g, c.wd());
                            s1[i] = add(s1[i], square(d));
                            p[i] = addInPlace(p[i], div(d, addS(sqrt(s1[i]), c.eps())), -c.lr());
                        }
                        case "adadelta" -> {
                            double d = withL2(p[i], g, c.wd()), rho = c.a();
                            s1[i] = addInPlace(mulS(s1[i], rho), square(d), 1 - rho);
                            double std = sqrt(addS(s1[i], c.eps()));
                            double delta = mul(div(sqrt(addS(s2[i], c.eps())), std), d);
                            s2[i] = addInPlace(mulS(s2[i], rho), square(delta), 1 - rho);
                            p[i] = addInPlace(p[i], delta, -c.lr());
                        }
                        case "rmsprop" -> {
                            double d = withL2(p[i], g, c.wd());
                            s1[i] = addInPlace(mulS(s1[i], c.a()), square(d), 1 - c.a());
                            double scaled = div(d, addS(sqrt(s1[i]), c.eps()));
                            if (c.b() == 0) p[i] = addInPlace(p[i], scaled, -c.lr());
                            else {
                                s2[i] = addInPlace(mulS(s2[i], c.b()), scaled, 1);
                                p[i] = addInPlace(p[i], s2[i], -c.lr());
                            }
                        }
                        case "adam", "adamw" -> {
                            double d;
                            if (c.kind().equals("adamw")) {
                                if (c.wd() != 0) p[i] = mulS(p[i], 1 - c.lr() * c.wd());
                                d = g;
                            } else {
                                d = withL2(p[i], g, c.wd());
                            }
                            s1[i] = addInPlace(mulS(s1[i], c.a()), d, 1 - c.a());
                            s2[i] = addInPlace(mulS(s2[i], c.b()), square(d), 1 - c.b());
                            double bc1 = 1 - Math.pow(c.a(), step), bc2 = 1 - Math.pow(c.b(), step);
                            double denom = addS(divS(sqrt(s2[i]), Math.sqrt(bc2)), c.eps());
                            p[i] = addInPlace(p[i], div(s1[i], denom), -c.lr() / bc1);
                        }
                        case "adamax" -> {
                            double d = withL2(p[i], g, c.wd());
                            s1[i] = addInPlace(mulS(s1[i], c.a()), d, 1 - c.a());
                            s2[i] = Math.max(mulS(s2[i], c.b()), Math.abs(d));
                            double bc1 = 1 - Math.pow(c.a(), step);
                            p[i] = addInPlace(p[i], div(s1[i], addS(s2[i], c.eps())), -c.lr() / bc1);
                        }
                        default -> throw new IllegalStateException(c.kind());
                    }
                }
            }
            return new double[][]{p, s1, s2};
        }
    }

    private static String harness(double[] p0, double[][] grads) {
        StringBuilder s = new StringBuilder("#include <cstdio>\n#include <cstring>\n#include \"optim.cu\"\n\n");
        s.append("static unsigned int fbits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }\n");
        s.append("static unsigned long long dbits(double d) { unsigned long long u; memcpy(&u, &d, 8); return u; }\n");
        s.append("static void out(const char* tag, int c, int k, const float* v) { for (int i = 0; i < ").append(N)
                .append("; ++i) printf(\"R%s %d %d %d %08x\\n\", tag, c, k, i, fbits(v[i])); }\n");
        s.append("static void out(const char* tag, int c, int k, const double* v) { for (int i = 0; i < ").append(N)
                .append("; ++i) printf(\"R%s %d %d %d %016llx\\n\", tag, c, k, i, dbits(v[i])); }\n");
        s.append("static const double P0[] = {");
        for (double v : p0) s.append(Double.toHexString(v)).append(", ");
        s.append("};\nstatic const double G[").append(STEPS).append("][").append(N).append("] = {");
        for (double[] g : grads) {
            s.append("{");
            for (double v : g) s.append(Double.toHexString(v)).append(", ");
            s.append("}, ");
        }
        s.append("};\n");
        s.append("""
                template <typename T> static void run(const char* tag, int c, int kind, double lr, double wd, double a,
                                                      double b, double eps, double init, const double* BC1, const double* BC2) {
                    T p[%N%], s1[%N%], s2[%N%];
                    for (int i = 0; i < %N%; ++i) { p[i] = (T)P0[i]; s1[i] = (T)init; s2[i] = (T)0; }
                    for (int t = 0; t < %STEPS%; ++t) {
                        const double bc1 = BC1[t], bc2 = BC2[t];   // Java's Math.pow, as the host passes them
                        for (int i = 0; i < %N%; ++i) {
                            const T g = (T)G[t][i];
                            switch (kind) {
                                case 0: dd_sgd_step<T>(p[i], g, a == 0 ? (T*)0 : &s1[i], lr, wd, a, b != 0); break;
                                case 1: dd_adagrad_step<T>(p[i], g, s1[i], lr, wd, eps); break;
                                case 2: dd_adadelta_step<T>(p[i], g, s1[i], s2[i], lr, wd, a, eps); break;
                                case 3: dd_rmsprop_step<T>(p[i], g, s1[i], b == 0 ? (T*)0 : &s2[i], lr, wd, a, eps, b); break;
                                case 4: dd_adam_step<T>(p[i], g, s1[i], s2[i], lr, wd, a, b, eps, bc1, bc2, false); break;
                                case 5: dd_adam_step<T>(p[i], g, s1[i], s2[i], lr, wd, a, b, eps, bc1, bc2, true); break;
                                default: dd_adamax_step<T>(p[i], g, s1[i], s2[i], lr, wd, a, b, eps, bc1); break;
                            }
                        }
                    }
                    out(tag, c, 0, p);
                    out(tag, c, 1, s1);
                    out(tag, c, 2, s2);
                }
                int main() {
                """.replace("%N%", Integer.toString(N)).replace("%STEPS%", Integer.toString(STEPS)));
        List<String> kinds = List.of("sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "adamax");
        for (int c = 0; c < CONFIGS.size(); c++) {
            Config k = CONFIGS.get(c);
            StringBuilder bc1 = new StringBuilder(), bc2 = new StringBuilder();
            for (int t = 1; t <= STEPS; t++) {
                bc1.append(Double.toHexString(1 - Math.pow(k.a(), t))).append(", ");
                bc2.append(Double.toHexString(1 - Math.pow(k.b(), t))).append(", ");
            }
            s.append("    static const double BC1_").append(c).append("[] = {").append(bc1).append("};\n");
            s.append("    static const double BC2_").append(c).append("[] = {").append(bc2).append("};\n");
            String args = String.format(Locale.ROOT, "%d, %d, %s, %s, %s, %s, %s, %s", c, kinds.indexOf(k.kind()),
                    Double.toHexString(k.lr()), Double.toHexString(k.wd()), Double.toHexString(k.a()), Double.toHexString(k.b()),
                    Double.toHexString(k.eps()), Double.toHexString(k.init())) + ", BC1_" + c + ", BC2_" + c;
            s.append("    run<float>(\"32\", ").append(args).append(");\n");
            s.append("    run<double>(\"64\", ").append(args).append(");\n");
        }
        return s.append("    return 0;\n}\n").toString();
    }
}
