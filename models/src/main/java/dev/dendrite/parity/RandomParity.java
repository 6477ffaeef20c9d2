package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.parity.ParityReport.Row;
import dev.dendrite.parity.ParityReport.Runner;
import dev.dendrite.parity.ParityReport.Status;
import dev.dendrite.random.Philox;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runner 5: random numbers. The Java Philox4x32-10 must reproduce Random123's published known-answer
 * vectors; then on every backend, {@code rand} (both dtypes) and dropout masks must equal, bit for
 * bit, what the host computes from {@link Philox} for the same (seed, stream, element index) — so
 * they are bit-identical across backends, thread counts and dtypes (the keep decision reads the
 * float uniform for every dtype). {@code randn} goes through log/cos/sin, whose last-ulp rounding is
 * the library's: bit-exact on the CPU (the host reference is the same Java code), within a few ulps
 * elsewhere.
 */
final class RandomParity {
    /** Random123's philox4x32_10 known answers (kat_vectors): counter c0..c3, key k0 k1, expected words. */
    static final int[][] KAT = {
            {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
            {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
            {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    private static final long SEED = 0x299f31d0_a4093822L, STREAM = 0x0370_7344_1319_8a2eL;
    private static final int LENGTH = 1001; // not a multiple of Philox's 4-word block

    private final ParitySuite suite;

    RandomParity(ParitySuite suite) {
        this.suite = suite;
    }

    /** One check: what the device produced and what the host says it must be. */
    private record Check(String op, String name, DType dtype, Function<Device, double[]> device, double[] expected, Tolerance otherBackends) {
    }

    List<Row> run() {
        List<Row> rows = new ArrayList<>();
        for (int[] k : KAT) {
            String name = String.format("Random123 known answer, counter %08x.., key %08x %08x", k[0], k[4], k[5]);
            if (!suite.options().accepts("philox/" + name)) continue;
            long t0 = System.nanoTime();
            int[] got = new int[4];
            Philox.block(k[0], k[1], k[2], k[3], k[4], k[5], got);
            int[] want = Arrays.copyOfRange(k, 6, 10);
            boolean ok = Arrays.equals(got, want);
            rows.add(new Row(Runner.RANDOM, "host", "philox", name, "", ok ? Status.PASS : Status.FAIL, null, null, "bit-identical",
                    "a counter-based generator is a pure function: any difference is a bug", null, hex(got),
                    ok ? "" : "philox/" + name + ": got " + hex(got) + ", Random123 publishes " + hex(want), Map.of(), ParitySuite.ms(t0)));
        }

        List<Check> checks = checks();
        for (Check c : checks) {
            String id = c.op() + "/" + c.name();
            if (!suite.options().accepts(id)) continue;
            rows.add(run(c, ParitySuite.REFERENCE, Tolerance.exact("the host reference is the CPU's own Philox code: bit-identical")));
            for (ParitySuite.Leg l : suite.legs()) {
                if (!l.available()) rows.add(Row.skipped(Runner.RANDOM, l.name(), c.op(), c.name(), c.dtype().shortName(), l.reason()));
                else rows.add(run(c, l.name(), c.otherBackends()));
            }
        }
        return rows;
    }

    @SuppressWarnings("try") // the scopes free what the body allocates
    private Row run(Check c, String backend, Tolerance tol) {
        long t0 = System.nanoTime();
        try (MemoryScope scope = MemoryScope.open()) {
            double[] got = c.device().apply(new Device(backend, 0));
            Shape s = Shape.of(c.expected().length);
            Diff d = Diff.of("values", s, c.expected(), Shape.of(got.length), got, tol);
            boolean ok = d.passes();
            String what = d.describe("host", backend);
            return new Row(Runner.RANDOM, backend, c.op(), c.name(), c.dtype().shortName(), ok ? Status.PASS : Status.FAIL,
                    d.problem() == null ? d.maxAbs() : null, d.problem() == null ? d.maxRel() : null,
                    tol.atol() == 0 && tol.rtol() == 0 ? "bit-identical" : tol.describe(), tol.why(),
                    Double.isFinite(d.worstRatio()) ? d.worstRatio() : null, what,
                    ok ? "" : c.op() + "/" + c.name() + " " + c.dtype().shortName() + " on " + backend + ": " + what, ParitySuite.diagnostics(backend),
                    ParitySuite.ms(t0));
        } catch (RuntimeException e) {
            return new Row(Runner.RANDOM, backend, c.op(), c.name(), c.dtype().shortName(), Status.FAIL, null, null, "", "", null, "",
                    c.op() + "/" + c.name() + " on " + backend + " threw " + e, Map.of(), ParitySuite.ms(t0));
        }
    }

    private static List<Check> checks() {
        List<Check> out = new ArrayList<>();
        Tolerance bits = Tolerance.exact("Philox bits through an exact map (and one fma): bit-identical on every backend");

        // Seed 0, stream 0, elements 0..3 are the first published block (counter 0, key 0); 4..7 the next counter.
        double[] kat32 = new double[8], kat64 = new double[8];
        for (int i = 0; i < 8; i++) {
            kat32[i] = Philox.uniformFloat(i < 4 ? KAT[0][6 + i] : Philox.bits(0, 0, i));
            kat64[i] = Philox.uniformDouble(i < 4 ? KAT[0][6 + i] : Philox.bits(0, 0, i));
        }
        out.add(new Check("rand", "seed 0 stream 0 reproduces the published block", DType.FLOAT32,
                d -> Tensor.rand(Shape.of(8), 0, 0, 0, 1, DType.FLOAT32, d).toDoubleArray(), kat32, bits));
        out.add(new Check("rand", "seed 0 stream 0 reproduces the published block", DType.FLOAT64,
                d -> Tensor.rand(Shape.of(8), 0, 0, 0, 1, DType.FLOAT64, d).toDoubleArray(), kat64, bits));

        float[] u32 = new float[LENGTH];
        Philox.fillUniform(SEED, STREAM, 0, u32, 0, LENGTH, -2f, 3f);
        double[] u64 = new double[LENGTH];
        Philox.fillUniform(SEED, STREAM, 0, u64, 0, LENGTH, -2, 3);
        out.add(new Check("rand", "[1001] in [-2,3), 64-bit seed and stream", DType.FLOAT32,
                d -> Tensor.rand(Shape.of(LENGTH), SEED, STREAM, -2, 3, DType.FLOAT32, d).toDoubleArray(), widen(u32), bits));
        out.add(new Check("rand", "[1001] in [-2,3), 64-bit seed and stream", DType.FLOAT64,
                d -> Tensor.rand(Shape.of(LENGTH), SEED, STREAM, -2, 3, DType.FLOAT64, d).toDoubleArray(), u64, bits));

        float[] n32 = new float[LENGTH];
        Philox.fillNormal(SEED, STREAM + 1, 0, n32, 0, LENGTH, 1, 2);
        double[] n64 = new double[LENGTH];
        Philox.fillNormal(SEED, STREAM + 1, 0, n64, 0, LENGTH, 1, 2);
        out.add(new Check("randn", "[1001] mean 1 std 2", DType.FLOAT32,
                d -> Tensor.randn(Shape.of(LENGTH), SEED, STREAM + 1, 1, 2, DType.FLOAT32, d).toDoubleArray(), widen(n32),
                new Tolerance(4e-6, 2e-6, "Box–Muller through logf/cosf/sinf: the device's float32 libm is within 2 ulp, the value up to ~8 (4σ)")));
        out.add(new Check("randn", "[1001] mean 1 std 2", DType.FLOAT64,
                d -> Tensor.randn(Shape.of(LENGTH), SEED, STREAM + 1, 1, 2, DType.FLOAT64, d).toDoubleArray(), n64,
                new Tolerance(1e-14, 1e-14, "Box–Muller through log/cos/sin: the device's float64 libm is within 2 ulp")));

        for (double p : new double[]{0.3, 0.9}) {
            for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                double[] mask = new double[LENGTH];
                double scale = dt == DType.FLOAT32 ? (float) (1 / (1 - p)) : 1 / (1 - p);
                for (int i = 0; i < LENGTH; i++) mask[i] = Philox.keep(SEED, STREAM, i, (float) p) ? scale : 0;
                out.add(new Check("dropout-mask", "p=" + p + " [1001], keep iff uniformFloat(bits) >= p", dt,
                        d -> NN.dropout(Tensor.full(Shape.of(LENGTH), 1, dt, d), p, SEED, STREAM).toDoubleArray(), mask, bits));
            }
        }
        // A non-contiguous input: x = 1..35 as [5,7], transposed to [7,5]. The mask is indexed by the view's logical
        // (row-major) order, not by memory, so y[r][c] = x[c][r] · mask[r·5 + c].
        double[] tview = new double[35];
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 5; c++) {
                int i = r * 5 + c;
                tview[i] = Philox.keep(11, 4, i, 0.5f) ? (1 + c * 7 + r) * 2.0 : 0;
            }
        out.add(new Check("dropout-mask", "p=0.5 on a transposed [5,7] view: indexed in the view's row-major order", DType.FLOAT32,
                d -> NN.dropout(Tensor.arange(1, 36, 1, DType.FLOAT32, d).reshape(5, 7).transpose(0, 1), 0.5, 11, 4).toDoubleArray(),
                tview, bits));
        return out;
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static String hex(int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int x : w) sb.append(sb.length() == 0 ? "" : " ").append(String.format("%08x", x));
        return sb.toString();
    }
}
