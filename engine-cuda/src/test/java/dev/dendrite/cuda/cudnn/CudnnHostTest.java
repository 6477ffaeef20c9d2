package dev.dendrite.cuda.cudnn;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.ShapeRules;
import dev.dendrite.cuda.CudaException;
import dev.dendrite.cuda.CudaLibraries;
import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import jcuda.jcudnn.cudnnRNNBiasMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every descriptor the backend builds, created and set through the real cuDNN (host-side calls need
 * no GPU), and cuDNN used as the oracle for the engine's conv/pool shape rules. Runs when the test
 * build's cuDNN libraries load; skipped with the loader's reason otherwise.
 */
@Tag("cuda-libs")
class CudnnHostTest {

    @BeforeAll
    static void cudnnLoads() {
        CudaLibraries.GroupStatus s = CudaLibraries.load().get(CudaLibraries.Group.CUDNN);
        assumeTrue(s.isLoaded(), () -> "cuDNN is not loaded: " + s.error());
    }

    private static int[] nchw(Shape s) {
        return s.toArray();
    }

    @Test
    void tensorDescriptorsOfEveryRankAndLayout() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            for (int[] shape : new int[][]{{}, {7}, {3, 5}, {2, 3, 4}, {2, 3, 4, 5}, {1, 2, 3, 4, 5}, {2, 1, 2, 1, 2, 1, 2, 1}}) {
                try (TensorDescriptor d = TensorDescriptor.packed(dt, shape)) {
                    assertTrue(d.layout().rank() >= 4);
                }
            }
            // A transposed matrix and a sliced (strided) NCHW view.
            try (TensorDescriptor t = new TensorDescriptor(dt, CudnnParams.tensor(new int[]{3, 4}, new int[]{1, 3}));
                 TensorDescriptor s = new TensorDescriptor(dt, CudnnParams.tensor(new int[]{2, 3, 4, 5}, new int[]{120, 40, 10, 2}))) {
                assertNotNull(t.handle());
                assertNotNull(s.handle());
            }
        }
    }

    @Test
    void failedSetNamesTheCallAndItsArguments() {
        // Bypass Conv2dParams' own validation to see cuDNN's answer and our message.
        CudnnParams.ConvParams bad = new CudnnParams.ConvParams(new int[]{0, 0}, new int[]{0, 1}, new int[]{1, 1},
                jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION, jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT, 1,
                jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH);
        CudaException e = assertThrows(CudaException.class, () -> new ConvolutionDescriptor(bad));
        assertEquals("cudnnSetConvolutionNdDescriptor(pad [0, 0], stride [0, 1], dilation [1, 1], mode 1, compute type 0) failed: "
                + "CUDNN_STATUS_BAD_PARAM (3)", e.getMessage());
        assertEquals(3, e.status());
        CudaException g = assertThrows(CudaException.class, () -> new ConvolutionDescriptor(
                new CudnnParams.ConvParams(new int[]{0, 0}, new int[]{1, 1}, new int[]{1, 1}, 1, 0, 0, 3)));
        assertEquals("cudnnSetConvolutionGroupCount", g.call());
        CudaException t = assertThrows(CudaException.class,
                () -> new TensorDescriptor(DType.FLOAT32, new CudnnParams.TensorLayout(new int[]{2, 0, 1, 1}, new int[]{1, 1, 1, 1})));
        assertTrue(t.getMessage().startsWith("cudnnSetTensorNdDescriptor(float32, dims [2, 0, 1, 1] strides [1, 1, 1, 1]) failed: CUDNN_STATUS_BAD_PARAM"),
                t.getMessage());
    }

    /**
     * ShapeRules.conv2d against cudnnGetConvolutionNdForwardOutputDim on 3000 random geometries,
     * valid and invalid. They must agree on every output size and on every rejection, except where
     * cuDNN is known not to check (K not divisible by groups: the engine must reject it itself).
     */
    @Test
    void conv2dShapeRulesAgreeWithCudnn() {
        Random rnd = new Random(42);
        int valid = 0, bothRejected = 0, engineOnly = 0;
        for (int i = 0; i < 3000; i++) {
            int g = 1 + rnd.nextInt(3);
            int cPerG = 1 + rnd.nextInt(3), kPerG = 1 + rnd.nextInt(3);
            int c = cPerG * g + (rnd.nextInt(10) == 0 ? 1 : 0);           // sometimes a channel mismatch
            int k = kPerG * g + (rnd.nextInt(10) == 0 ? 1 : 0);           // sometimes K % groups != 0
            int h = 1 + rnd.nextInt(18), w = 1 + rnd.nextInt(18);
            int r = 1 + rnd.nextInt(5), s = 1 + rnd.nextInt(5);
            Conv2dParams p = new Conv2dParams(1 + rnd.nextInt(3), 1 + rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3),
                    1 + rnd.nextInt(3), 1 + rnd.nextInt(2), g);
            Shape x = Shape.of(1 + rnd.nextInt(3), c, h, w), wt = Shape.of(k, cPerG, r, s);
            Shape engine = null;
            String engineError = null;
            try {
                engine = ShapeRules.conv2d(x, wt, p);
            } catch (IllegalArgumentException e) {
                engineError = e.getMessage();
            }
            int[] cudnn = null;
            try (TensorDescriptor xd = TensorDescriptor.packed(DType.FLOAT32, nchw(x));
                 FilterDescriptor fd = new FilterDescriptor(DType.FLOAT32, nchw(wt));
                 ConvolutionDescriptor cd = new ConvolutionDescriptor(CudnnParams.conv2d(p, DType.FLOAT32, false))) {
                cudnn = cd.forwardOutputDim(xd, fd);
            } catch (CudaException e) {
                assertEquals("CUDNN_STATUS_BAD_PARAM", e.statusName(), e::getMessage);
            }
            String what = "x" + x + " w" + wt + " " + p;
            if (engine != null) {
                assertNotNull(cudnn, () -> "cuDNN rejects what the engine accepts: " + what);
                assertArrayEquals(engine.toArray(), cudnn, what);
                valid++;
            } else if (cudnn == null) {
                bothRejected++;
            } else {
                String err = engineError;
                assertTrue(k % g != 0 && err.contains("not divisible by groups"),
                        () -> "the engine rejects what cuDNN accepts, for a reason cuDNN should check: " + what + ": " + err);
                engineOnly++;
            }
        }
        assertTrue(valid > 500 && bothRejected > 200 && engineOnly > 20,
                "grid must cover all outcomes: valid " + valid + ", both rejected " + bothRejected + ", engine only " + engineOnly);
    }

    @Test
    void pool2dShapeRulesAgreeWithCudnn() {
        Random rnd = new Random(7);
        int valid = 0, rejected = 0;
        for (int i = 0; i < 2000; i++) {
            int kh = 1 + rnd.nextInt(5), kw = 1 + rnd.nextInt(5);
            Pool2dParams p = new Pool2dParams(PoolMode.values()[rnd.nextInt(3)], kh, kw, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3),
                    rnd.nextInt(kh), rnd.nextInt(kw));
            Shape x = Shape.of(1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 1 + rnd.nextInt(9), 1 + rnd.nextInt(9));
            Shape engine = null;
            try {
                engine = ShapeRules.pool2d(x, p);
            } catch (IllegalArgumentException e) {
                // kernel larger than the padded input
            }
            int[] cudnn = null;
            try (TensorDescriptor xd = TensorDescriptor.packed(DType.FLOAT64, nchw(x));
                 PoolingDescriptor pd = new PoolingDescriptor(CudnnParams.pool2d(p))) {
                cudnn = pd.forwardOutputDim(xd);
            } catch (CudaException e) {
                assertEquals("CUDNN_STATUS_BAD_PARAM", e.statusName(), e::getMessage);
            }
            String what = "x" + x + " " + p;
            if (engine == null) {
                int[] got = cudnn;
                assertNull(got, () -> "cuDNN accepts what the engine rejects: " + what + " -> " + Arrays.toString(got));
                rejected++;
            } else {
                assertNotNull(cudnn, () -> "cuDNN rejects what the engine accepts: " + what);
                assertArrayEquals(engine.toArray(), cudnn, what);
                valid++;
            }
        }
        assertTrue(valid > 500 && rejected > 50, "valid " + valid + ", rejected " + rejected);
    }

    @Test
    void activationAndDropoutDescriptors() {
        for (ActivationOp op : new ActivationOp[]{ActivationOp.RELU, ActivationOp.SIGMOID, ActivationOp.TANH, ActivationOp.ELU})
            try (ActivationDescriptor d = new ActivationDescriptor(op, 0.5)) {
                assertNotNull(d.handle());
            }
        assertThrows(IllegalArgumentException.class, () -> new ActivationDescriptor(ActivationOp.GELU, 0));
        try (DropoutDescriptor d = new DropoutDescriptor()) {
            assertNotNull(d.handle());
        }
    }

    /** Every RNN descriptor the backend can build: cells × directions × layers × bias modes × dtypes, whole and per layer. */
    @Test
    void rnnDescriptorsForEveryNetworkShape() {
        int[] biasModes = {cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS, cudnnRNNBiasMode.CUDNN_RNN_SINGLE_INP_BIAS,
                cudnnRNNBiasMode.CUDNN_RNN_SINGLE_REC_BIAS, cudnnRNNBiasMode.CUDNN_RNN_NO_BIAS};
        int count = 0;
        try (DropoutDescriptor unset = new DropoutDescriptor()) {
            for (RnnMode mode : RnnMode.values())
                for (boolean bi : new boolean[]{false, true})
                    for (int layers = 1; layers <= 3; layers++)
                        for (int bias : biasModes)
                            for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                                RnnParams p = new RnnParams(mode, 5 + layers, 7, layers, bi, layers > 1 ? 0.3 : 0, 1);
                                try (RnnDescriptor d = new RnnDescriptor(CudnnParams.rnn(p, dt, bias, false), count % 2 == 0 ? null : unset)) {
                                    assertNotNull(d.handle());
                                }
                                for (int l = 0; l < layers; l++)
                                    try (RnnDescriptor d = new RnnDescriptor(CudnnParams.rnnLayer(p, l, dt, bias, true), unset)) {
                                        assertNotNull(d.handle());
                                    }
                                count++;
                            }
        }
        assertEquals(4 * 2 * 3 * 4 * 2, count);
        // cuDNN itself rejects a zero hidden size; RnnParams never lets one through.
        CudnnParams.RnnDescriptorParams ok = CudnnParams.rnn(RnnParams.of(RnnMode.GRU, 3, 4), DType.FLOAT32,
                cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS, false);
        CudnnParams.RnnDescriptorParams zero = new CudnnParams.RnnDescriptorParams(ok.algo(), ok.cellMode(), ok.biasMode(), ok.dirMode(),
                ok.inputMode(), ok.dataType(), ok.mathPrec(), ok.mathType(), 3, 0, 0, 1, ok.auxFlags());
        CudaException e = assertThrows(CudaException.class, () -> new RnnDescriptor(zero, null));
        assertEquals("cudnnSetRNNDescriptor_v8", e.call());
    }

    @Test
    void rnnDataDescriptorsWithAndWithoutLengths() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            for (int[] lens : new int[][]{null, {10, 7, 3}, {1, 1, 1}, {3, 10, 5}}) {
                try (RnnDataDescriptor d = new RnnDataDescriptor(CudnnParams.rnnData(dt, 10, 3, 32, lens))) {
                    assertNotNull(d.handle());
                }
            }
        }
        // A length beyond maxSeqLength slips past our validation only by hand: cuDNN rejects it.
        CudnnParams.RnnDataParams ok = CudnnParams.rnnData(DType.FLOAT32, 10, 2, 4, null);
        CudnnParams.RnnDataParams tooLong = new CudnnParams.RnnDataParams(ok.dataType(), ok.layout(), 10, 2, 4, new int[]{11, 3}, 0);
        CudaException e = assertThrows(CudaException.class, () -> new RnnDataDescriptor(tooLong));
        assertEquals("CUDNN_STATUS_BAD_PARAM", e.statusName());
    }

    /** The backend's other descriptor forms: 3-D RNN state tensors and math-type changes on a convolution. */
    @Test
    void rnnStateTensorsAndConvolutionMathTypes() {
        for (DType dt : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (int[] d : new int[][]{{1, 1, 1}, {2, 3, 4}, {6, 32, 128}})
                try (TensorDescriptor h = TensorDescriptor.exact(dt, d, new int[]{d[1] * d[2], d[2], 1})) {
                    assertEquals(3, h.layout().rank());
                }
        try (ConvolutionDescriptor c = new ConvolutionDescriptor(CudnnParams.conv2d(Conv2dParams.of(1, 1), DType.FLOAT32, false))) {
            for (int m : new int[]{jcuda.jcudnn.cudnnMathType.CUDNN_DEFAULT_MATH, jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH,
                    jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH})
                c.setMathType(m);
        }
    }

    @Test
    void descriptorsRejectUseAfterClose() {
        TensorDescriptor d = TensorDescriptor.packed(DType.FLOAT32, 2, 3);
        d.close();
        d.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, d::handle);
        assertEquals("Tensor descriptor used after close", e.getMessage());
    }
}
