package dev.dendrite.cuda;

import jcuda.Pointer;

import java.util.ArrayList;
import java.util.List;

/**
 * The argument list of one kernel launch, in the kernel's parameter order. {@code cuLaunchKernel}
 * takes an array of pointers, one to each argument's bytes; each method here adds one argument of
 * the C type it is named after. Device pointers are passed as their 64-bit addresses (already
 * including the view's offset, as the kernels expect), which is exactly what a pointer parameter
 * holds.
 */
final class KernelArgs {
    private final List<Pointer> args = new ArrayList<>();

    KernelArgs i32(int v) {
        args.add(Pointer.to(new int[]{v}));
        return this;
    }

    KernelArgs i64(long v) {
        args.add(Pointer.to(new long[]{v}));
        return this;
    }

    KernelArgs f32(float v) {
        args.add(Pointer.to(new float[]{v}));
        return this;
    }

    KernelArgs f64(double v) {
        args.add(Pointer.to(new double[]{v}));
        return this;
    }

    /** A {@code dd_dims} struct passed by value: 8 ints. */
    KernelArgs dims(int[] v) {
        args.add(Pointer.to(StridedLayout.dims8(v)));
        return this;
    }

    /** A device pointer, as its address; 0 is NULL. */
    KernelArgs ptr(long address) {
        args.add(Pointer.to(new long[]{address}));
        return this;
    }

    /** A scalar of the element type named by the kernel suffix (f32, f64, i32, i64), from a double. */
    KernelArgs scalar(String suffix, double v) {
        return switch (suffix) {
            case "f32" -> f32((float) v);
            case "f64" -> f64(v);
            case "i32" -> i32((int) v);
            case "i64" -> i64((long) v);
            default -> throw new IllegalArgumentException("cuda: unknown dtype suffix " + suffix);
        };
    }

    int size() {
        return args.size();
    }

    Pointer pointer() {
        return Pointer.to(args.toArray(new Pointer[0]));
    }
}
