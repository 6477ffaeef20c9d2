package dev.dendrite.cpu;

/**
 * Moves one strided segment of a storage array into a dense scratch buffer and back, converting
 * to {@code double} (floating types) or {@code long} (integer types). Elementwise math then runs on
 * dense buffers in one place for every dtype. Float math done in double and rounded once is what
 * Java's float arithmetic gives for + − × ÷ √ anyway, and Java has no float transcendental functions.
 */
final class Segments {
    private Segments() {
    }

    static void load(Object array, int off, int stride, double[] buf, int len) {
        if (array instanceof float[] a) {
            if (stride == 1) for (int i = 0; i < len; i++) buf[i] = a[off + i];
            else for (int i = 0; i < len; i++) buf[i] = a[off + i * stride];
        } else if (array instanceof double[] a) {
            if (stride == 1) System.arraycopy(a, off, buf, 0, len);
            else for (int i = 0; i < len; i++) buf[i] = a[off + i * stride];
        } else if (array instanceof int[] a) {
            for (int i = 0; i < len; i++) buf[i] = a[off + i * stride];
        } else {
            long[] a = (long[]) array;
            for (int i = 0; i < len; i++) buf[i] = a[off + i * stride];
        }
    }

    static void store(double[] buf, Object array, int off, int stride, int len) {
        if (array instanceof float[] a) {
            if (stride == 1) for (int i = 0; i < len; i++) a[off + i] = (float) buf[i];
            else for (int i = 0; i < len; i++) a[off + i * stride] = (float) buf[i];
        } else if (array instanceof double[] a) {
            if (stride == 1) System.arraycopy(buf, 0, a, off, len);
            else for (int i = 0; i < len; i++) a[off + i * stride] = buf[i];
        } else if (array instanceof int[] a) {
            for (int i = 0; i < len; i++) a[off + i * stride] = saturatingInt(buf[i]);
        } else {
            long[] a = (long[]) array;
            for (int i = 0; i < len; i++) a[off + i * stride] = (long) buf[i];
        }
    }

    static void loadLong(Object array, int off, int stride, long[] buf, int len) {
        if (array instanceof int[] a) {
            for (int i = 0; i < len; i++) buf[i] = a[off + i * stride];
        } else if (array instanceof long[] a) {
            if (stride == 1) System.arraycopy(a, off, buf, 0, len);
            else for (int i = 0; i < len; i++) buf[i] = a[off + i * stride];
        } else {
            throw new IllegalStateException("loadLong on a floating-point storage");
        }
    }

    static void storeLong(long[] buf, Object array, int off, int stride, int len) {
        if (array instanceof int[] a) {
            for (int i = 0; i < len; i++) a[off + i * stride] = (int) buf[i];
        } else if (array instanceof long[] a) {
            if (stride == 1) System.arraycopy(buf, 0, a, off, len);
            else for (int i = 0; i < len; i++) a[off + i * stride] = buf[i];
        } else if (array instanceof float[] a) {
            for (int i = 0; i < len; i++) a[off + i * stride] = buf[i];
        } else {
            double[] a = (double[]) array;
            for (int i = 0; i < len; i++) a[off + i * stride] = buf[i];
        }
    }

    /** Float → int conversion truncates toward zero like a C cast, saturating instead of wrapping. */
    private static int saturatingInt(double v) {
        return (int) v;
    }

    /** Per-thread scratch buffers, grown on demand and reused. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        double[] d0 = new double[StridedRows.SEGMENT], d1 = new double[StridedRows.SEGMENT], d2 = new double[StridedRows.SEGMENT];
        long[] l0 = new long[StridedRows.SEGMENT], l1 = new long[StridedRows.SEGMENT], l2 = new long[StridedRows.SEGMENT];

        static Scratch get() {
            return LOCAL.get();
        }
    }
}
