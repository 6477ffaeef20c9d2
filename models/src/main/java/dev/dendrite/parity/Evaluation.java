package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.MemoryScope;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A case run once on one device in one dtype, read back to the host: the output and, for a
 * differentiable case, the gradient of {@code ⟨output, r⟩} with respect to every differentiated
 * input, {@code r} a fixed pseudo-random projection made on the host (so every output element
 * contributes and every backend receives the same upstream gradient).
 *
 * @param outShape shape of the output
 * @param output output values (integers converted exactly to double)
 * @param gradNames names of the differentiated inputs, in order
 * @param gradShapes their shapes
 * @param grads their gradients (zeros where autograd produced none)
 */
public record Evaluation(Shape outShape, double[] output, List<String> gradNames, List<Shape> gradShapes, List<double[]> grads) {
    private static final long PROJECTION_SEED = 0x9E3779B97F4A7C15L;

    /** Host values of every input of {@code c}, drawn once; the same arrays feed every device and dtype. */
    public static double[][] hostInputs(OpCase c) {
        double[][] v = new double[c.inputs().size()][];
        for (int i = 0; i < v.length; i++) {
            OpCase.InputSpec s = c.inputs().get(i);
            v[i] = s.gen().values(s.shape().numel(), new SplittableRandom(c.seedOf(i)));
        }
        return v;
    }

    /** A tensor on {@code device} holding {@code values} in {@code dtype}. */
    public static Tensor upload(double[] values, Shape shape, DType dtype, Device device) {
        Object host = switch (dtype) {
            case FLOAT32 -> {
                float[] a = new float[values.length];
                for (int i = 0; i < a.length; i++) a[i] = (float) values[i];
                yield a;
            }
            case FLOAT64 -> values.clone();
            case INT32 -> {
                int[] a = new int[values.length];
                for (int i = 0; i < a.length; i++) a[i] = (int) values[i];
                yield a;
            }
            case INT64 -> {
                long[] a = new long[values.length];
                for (int i = 0; i < a.length; i++) a[i] = (long) values[i];
                yield a;
            }
        };
        return Tensor.fromArray(host, shape, device);
    }

    /** The inputs of {@code c} on {@code device} for a run in {@code dtype}; differentiated ones require grad when {@code grads}. */
    public static List<Tensor> materialize(OpCase c, double[][] host, Device device, DType dtype, boolean grads) {
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; i < host.length; i++) {
            OpCase.InputSpec s = c.inputs().get(i);
            Tensor t = upload(host[i], s.shape(), s.dtypeFor(dtype), device);
            if (grads && c.differentiable() && s.wantsGrad(dtype)) t.requiresGrad(true);
            ins.add(t);
        }
        return ins;
    }

    /** The projection {@code r} for an output of {@code n} elements (float32-representable values). */
    public static double[] projection(int n) {
        double[] r = Gen.normal(1).values(n, new SplittableRandom(PROJECTION_SEED));
        return r;
    }

    /**
     * Runs {@code c} on {@code device} in {@code dtype}; gradients too when the case is differentiable
     * and {@code withGrads}. Every tensor made here is freed before returning.
     */
    @SuppressWarnings("try") // the scope frees what the body allocates
    public static Evaluation run(OpCase c, double[][] host, Device device, DType dtype, boolean withGrads) {
        try (MemoryScope scope = MemoryScope.open()) {
            boolean grads = withGrads && c.differentiable();
            List<Tensor> ins = materialize(c, host, device, dtype, grads);
            Tensor y = c.fn().apply(new OpCase.Args(ins, device, dtype));
            Shape ys = y.shape();
            double[] out = y.numel() == 0 ? new double[0] : y.toDoubleArray();
            List<String> names = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            List<double[]> gs = new ArrayList<>();
            if (grads) {
                if (!y.dtype().isFloatingPoint())
                    throw new IllegalStateException("catalog " + c.id() + ": a differentiable case must return floating point, got " + y.dtype());
                if (y.requiresGrad()) y.backward(upload(projection(y.numel()), ys, y.dtype(), device));
                for (int i = 0; i < ins.size(); i++) {
                    OpCase.InputSpec s = c.inputs().get(i);
                    if (!s.wantsGrad(dtype)) continue;
                    Tensor g = ins.get(i).grad();
                    names.add(s.name());
                    shapes.add(s.shape());
                    gs.add(g == null || g.numel() == 0 ? new double[s.shape().numel()] : g.toDoubleArray());
                }
            }
            return new Evaluation(ys, out, names, shapes, gs);
        }
    }
}
