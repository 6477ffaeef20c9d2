package dev.dendrite.cuda.cudnn;

import dev.dendrite.DType;
import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import jcuda.jcudnn.cudnnActivationMode;
import jcuda.jcudnn.cudnnBatchNormMode;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnDirectionMode;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnPoolingMode;
import jcuda.jcudnn.cudnnRNNBiasMode;
import jcuda.jcudnn.cudnnRNNMode;
import jcuda.jcudnn.cudnnSoftmaxAlgorithm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CudnnParamsTest {

    @Test
    void lowRankTensorsArePaddedWithTrailingOnes() {
        assertEquals(new CudnnParams.TensorLayout(new int[]{8, 5, 1, 1}, new int[]{5, 1, 1, 1}), CudnnParams.packed(8, 5));
        assertEquals(new CudnnParams.TensorLayout(new int[]{7, 1, 1, 1}, new int[]{1, 1, 1, 1}), CudnnParams.packed(7));
        assertEquals(new CudnnParams.TensorLayout(new int[]{1, 1, 1, 1}, new int[]{1, 1, 1, 1}), CudnnParams.packed());
        assertEquals(new CudnnParams.TensorLayout(new int[]{2, 3, 4, 5, 6}, new int[]{360, 120, 30, 6, 1}), CudnnParams.packed(2, 3, 4, 5, 6));
        // A transposed [3, 4] view (strides 1, 3) keeps its strides.
        assertEquals(new CudnnParams.TensorLayout(new int[]{3, 4, 1, 1}, new int[]{1, 3, 1, 1}), CudnnParams.tensor(new int[]{3, 4}, new int[]{1, 3}));
    }

    @Test
    void sizeOneDimensionsGetPackedStridesAndBroadcastIsRejected() {
        // [2, 1, 3, 4] where dim 1 has a meaningless stride 0 (an unsqueeze of a broadcast): packed stride 12.
        assertEquals(new CudnnParams.TensorLayout(new int[]{2, 1, 3, 4}, new int[]{12, 12, 4, 1}),
                CudnnParams.tensor(new int[]{2, 1, 3, 4}, new int[]{12, 0, 4, 1}));
        assertTrue(CudnnParams.isRepresentable(new int[]{2, 1, 3, 4}, new int[]{12, 0, 4, 1}));
        assertFalse(CudnnParams.isRepresentable(new int[]{2, 3}, new int[]{0, 1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudnnParams.tensor(new int[]{2, 3}, new int[]{0, 1}));
        assertEquals("cuDNN tensor: dimension 0 of [2, 3] has stride 0 (broadcast views must be copied densely first)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudnnParams.packed(2, 0, 3));
        assertFalse(CudnnParams.isRepresentable(new int[]{2, 0}, new int[]{1, 1}));
        assertThrows(IllegalArgumentException.class, () -> CudnnParams.packed(1, 1, 1, 1, 1, 1, 1, 1, 1));
    }

    @Test
    void convolutionAndPoolingArguments() {
        CudnnParams.ConvParams c = CudnnParams.conv2d(new Conv2dParams(2, 3, 1, 0, 1, 2, 4), DType.FLOAT32, false);
        assertArrayEquals(new int[]{1, 0}, c.pad());
        assertArrayEquals(new int[]{2, 3}, c.stride());
        assertArrayEquals(new int[]{1, 2}, c.dilation());
        assertEquals(4, c.groups());
        assertEquals(cudnnDataType.CUDNN_DATA_FLOAT, c.computeType());
        assertEquals(cudnnMathType.CUDNN_FMA_MATH, c.mathType(), "no TF32 unless asked");
        assertEquals(cudnnMathType.CUDNN_DEFAULT_MATH, CudnnParams.conv2d(Conv2dParams.defaults(), DType.FLOAT32, true).mathType());
        assertEquals(cudnnMathType.CUDNN_DEFAULT_MATH, CudnnParams.conv2d(Conv2dParams.defaults(), DType.FLOAT64, false).mathType());
        assertEquals(cudnnDataType.CUDNN_DATA_DOUBLE, CudnnParams.conv2d(Conv2dParams.defaults(), DType.FLOAT64, false).computeType());
        assertArrayEquals(new int[]{16, 3, 5, 5}, CudnnParams.filter(new int[]{16, 3, 5, 5}));
        assertThrows(IllegalArgumentException.class, () -> CudnnParams.dataType(DType.INT64));

        CudnnParams.PoolParams p = CudnnParams.pool2d(new Pool2dParams(PoolMode.AVG_EXCLUDE_PAD, 3, 2, 2, 1, 1, 0));
        assertEquals(cudnnPoolingMode.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING, p.mode());
        assertArrayEquals(new int[]{3, 2}, p.window());
        assertArrayEquals(new int[]{1, 0}, p.padding());
        assertArrayEquals(new int[]{2, 1}, p.stride());
        assertEquals(cudnnPoolingMode.CUDNN_POOLING_MAX_DETERMINISTIC, CudnnParams.poolingMode(PoolMode.MAX));
        assertEquals(cudnnPoolingMode.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING, CudnnParams.poolingMode(PoolMode.AVG_INCLUDE_PAD));
    }

    @Test
    void batchNormSoftmaxAndActivationModes() {
        assertEquals(cudnnBatchNormMode.CUDNN_BATCHNORM_PER_ACTIVATION, CudnnParams.batchNormMode(2));
        assertEquals(cudnnBatchNormMode.CUDNN_BATCHNORM_SPATIAL, CudnnParams.batchNormMode(4));
        assertThrows(IllegalArgumentException.class, () -> CudnnParams.batchNormMode(3));
        assertArrayEquals(new int[]{32, 10, 1, 1}, CudnnParams.batchNormShape(new int[]{32, 10}));
        assertArrayEquals(new int[]{1, 10, 1, 1}, CudnnParams.batchNormParamShape(new int[]{32, 10, 7, 7}));

        assertArrayEquals(new int[]{6, 5, 7, 1}, CudnnParams.softmaxShape(new int[]{2, 3, 5, 7}, 2));
        assertArrayEquals(new int[]{1, 4, 1, 1}, CudnnParams.softmaxShape(new int[]{4}, 0));
        assertArrayEquals(new int[]{8, 10, 1, 1}, CudnnParams.softmaxShape(new int[]{8, 10}, 1));
        assertArrayEquals(new int[]{1, 8, 10, 1}, CudnnParams.softmaxShape(new int[]{8, 10}, 0));
        assertEquals(cudnnSoftmaxAlgorithm.CUDNN_SOFTMAX_LOG, CudnnParams.softmaxAlgorithm(true));
        assertEquals(cudnnSoftmaxAlgorithm.CUDNN_SOFTMAX_ACCURATE, CudnnParams.softmaxAlgorithm(false));

        assertEquals(cudnnActivationMode.CUDNN_ACTIVATION_RELU, CudnnParams.activationMode(ActivationOp.RELU));
        assertEquals(cudnnActivationMode.CUDNN_ACTIVATION_ELU, CudnnParams.activationMode(ActivationOp.ELU));
        assertEquals(-1, CudnnParams.activationMode(ActivationOp.GELU));
        assertEquals(-1, CudnnParams.activationMode(ActivationOp.LEAKY_RELU));
        assertEquals(0.7, CudnnParams.activationCoef(ActivationOp.ELU, 0.7));
        assertEquals(0, CudnnParams.activationCoef(ActivationOp.RELU, 0.7));
    }

    @Test
    void rnnDescriptorParameters() {
        RnnParams p = new RnnParams(RnnMode.LSTM, 32, 64, 2, true, 0.25, 9);
        CudnnParams.RnnDescriptorParams d = CudnnParams.rnn(p, DType.FLOAT32, cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS, false);
        assertEquals(cudnnRNNMode.CUDNN_LSTM, d.cellMode());
        assertEquals(cudnnDirectionMode.CUDNN_BIDIRECTIONAL, d.dirMode());
        assertEquals(32, d.inputSize());
        assertEquals(64, d.hiddenSize());
        assertEquals(64, d.projSize(), "no projection");
        assertEquals(2, d.numLayers());
        assertEquals(CudnnParams.RNN_PADDED_IO_ENABLED, d.auxFlags());
        assertEquals(cudnnMathType.CUDNN_FMA_MATH, d.mathType());
        CudnnParams.RnnDescriptorParams l1 = CudnnParams.rnnLayer(p, 1, DType.FLOAT64, cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS, false);
        assertEquals(128, l1.inputSize(), "layer 1 reads both directions of layer 0");
        assertEquals(1, l1.numLayers());
        assertEquals(cudnnDataType.CUDNN_DATA_DOUBLE, l1.dataType());
        assertEquals(cudnnRNNMode.CUDNN_GRU, CudnnParams.rnnMode(RnnMode.GRU));
        assertEquals(cudnnRNNMode.CUDNN_RNN_RELU, CudnnParams.rnnMode(RnnMode.RNN_RELU));

        boolean[] t = {true, true}, f = {false, false}, mixed = {true, false};
        assertEquals(cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS, CudnnParams.rnnBiasMode(t, t));
        assertEquals(cudnnRNNBiasMode.CUDNN_RNN_SINGLE_INP_BIAS, CudnnParams.rnnBiasMode(t, f));
        assertEquals(cudnnRNNBiasMode.CUDNN_RNN_SINGLE_REC_BIAS, CudnnParams.rnnBiasMode(f, t));
        assertEquals(cudnnRNNBiasMode.CUDNN_RNN_NO_BIAS, CudnnParams.rnnBiasMode(f, f));
        assertEquals(cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS, CudnnParams.rnnBiasMode(mixed, f), "mixture: zeros fill the gaps");
        assertArrayEquals(new boolean[]{true, false}, CudnnParams.rnnBiasesPresent(cudnnRNNBiasMode.CUDNN_RNN_SINGLE_INP_BIAS));

        CudnnParams.RnnDataParams data = CudnnParams.rnnData(DType.FLOAT32, 10, 3, 32, new int[]{10, 7, 3});
        assertArrayEquals(new int[]{10, 7, 3}, data.seqLengths());
        assertArrayEquals(new int[]{5, 5}, CudnnParams.rnnData(DType.FLOAT32, 5, 2, 4, null).seqLengths());
        assertThrows(IllegalArgumentException.class, () -> CudnnParams.rnnData(DType.FLOAT32, 5, 2, 4, new int[]{5, 6}));
        assertThrows(IllegalArgumentException.class, () -> CudnnParams.rnnData(DType.FLOAT32, 5, 2, 4, new int[]{5}));
    }
}
