package dev.dendrite.train;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.data.DataLoader;
import dev.dendrite.data.Dataset;
import dev.dendrite.io.SafeTensors;
import dev.dendrite.nn.Activation;
import dev.dendrite.nn.Dropout;
import dev.dendrite.nn.Init;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Sequential;
import dev.dendrite.ops.Reduction;
import dev.dendrite.optim.Adam;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.Optimizers;
import dev.dendrite.optim.SGD;
import dev.dendrite.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class TrainingTest {
    @Test
    void twoLayerMlpLearnsXor() {
        Init.seed(1);
        Sequential mlp = new Sequential(new Linear(2, 8), Activation.tanh(), new Linear(8, 2));
        Optimizer opt = Optimizers.create("adam", mlp.parameters(), 0.05);
        Tensor x = Tensor.fromArray(new float[]{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor y = Tensor.fromArray(new long[]{0, 1, 1, 0}, 4);
        for (int step = 0; step < 300; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                opt.zeroGrad();
                NN.crossEntropy(mlp.forward(x), y).backward();
                opt.step();
            }
        }
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            assertArrayEquals(new long[]{0, 1, 1, 0}, mlp.forward(x).argmax(1, false).toLongArray(), "XOR truth table");
        }
    }

    @Test
    void linearModelFitsANoisyLineWithinOnePercentOfTheSlope() {
        Init.seed(2);
        SplittableRandom r = new SplittableRandom(3);
        int n = 256;
        float[] xs = new float[n], ys = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = (float) (r.nextDouble() * 4 - 2);
            ys[i] = (float) (2.5 * xs[i] - 1 + 0.1 * r.nextGaussian());
        }
        Tensor x = Tensor.fromArray(xs, n, 1), y = Tensor.fromArray(ys, n, 1);
        Linear lin = new Linear(1, 1);
        Optimizer opt = new SGD(lin.parameters(), 0.1);
        for (int step = 0; step < 300; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                opt.zeroGrad();
                NN.mseLoss(lin.forward(x), y, Reduction.MEAN).backward();
                opt.step();
            }
        }
        double slope = lin.namedParameters().get("weight").item();
        assertEquals(2.5, slope, 0.025, "slope within 1% of the true 2.5");
        assertEquals(-1, lin.namedParameters().get("bias").item(), 0.05);
    }

    private static Dataset randomImages(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
            // Class-dependent brightness makes the task learnable.
            for (int p = 0; p < 784; p++) f[i * 784 + p] = (float) (r.nextGaussian() * 0.5 + (labels[i] - 4.5) / 5 * ((p % 10) == labels[i] ? 3 : 0.2));
        }
        return new Dataset(f, labels, new int[]{1, 28, 28});
    }

    private static Module lenetWithDropout() {
        return LeNet5.build(1, 28, 28, 10, 0.25);
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeightsAsNotStopping(@TempDir Path dir) throws IOException {
        Dataset data = randomImages(96, 11);
        // Run A: two epochs straight.
        Init.seed(5);
        Module a = lenetWithDropout();
        Optimizer optA = new Adam(a.parameters(), 1e-3);
        new Trainer(a, optA).fit(DataLoader.builder(data, 32).seed(9).build(), null, 2);

        // Run B: one epoch, checkpoint, then a fresh model and optimizer resume for the second.
        Init.seed(5);
        Module b1 = lenetWithDropout();
        Optimizer optB1 = new Adam(b1.parameters(), 1e-3);
        Trainer t1 = new Trainer(b1, optB1);
        t1.fit(DataLoader.builder(data, 32).seed(9).build(), null, 1);
        Path ckpt = dir.resolve("ckpt.safetensors");
        Checkpoint.save(ckpt, b1, optB1, Map.of("model", "lenet", "epoch", "1", "step", Long.toString(t1.step())));

        Init.seed(99); // different initial weights: everything must come from the checkpoint
        Module b2 = lenetWithDropout();
        Optimizer optB2 = new Adam(b2.parameters(), 1e-3);
        Checkpoint.Info info = Checkpoint.load(ckpt, b2, optB2);
        assertEquals(1, info.epoch());
        new Trainer(b2, optB2).resumeFrom(info.epoch(), info.step()).fit(DataLoader.builder(data, 32).seed(9).build(), null, 2);

        Map<String, Tensor> pa = a.stateDict(), pb = b2.stateDict();
        assertEquals(pa.keySet(), pb.keySet());
        for (String k : pa.keySet())
            assertArrayEquals(pa.get(k).toDoubleArray(), pb.get(k).toDoubleArray(), 0.0, "parameter " + k + " after resume");
    }

    @Test
    void checkpointFileHasTheDocumentedSafetensorsLayout(@TempDir Path dir) throws IOException {
        Init.seed(1);
        Linear lin = new Linear(2, 3);
        Path f = dir.resolve("lin.safetensors");
        Checkpoint.save(f, lin, null, Map.of("model", "test"));
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = bb.getLong(0);
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}"), header);
        assertTrue(header.contains("\"bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}"), header);
        assertTrue(header.contains("\"__metadata__\":{\"model\":\"test\"}"), header);
        float[] w = lin.namedParameters().get("weight").toFloatArray();
        int data = 8 + (int) headerLen;
        for (int i = 0; i < 6; i++) assertEquals(w[i], bb.getFloat(data + 4 * i), "weight element " + i + " little-endian at its offset");
        assertEquals(data + 36, bytes.length, "no bytes after the last tensor");
    }

    @Test
    void loadingAMismatchedCheckpointNamesEveryProblemAndChangesNothing(@TempDir Path dir) throws IOException {
        Init.seed(1);
        Linear small = new Linear(2, 3);
        Path f = dir.resolve("small.safetensors");
        Checkpoint.save(f, small, null, Map.of());
        Linear other = new Linear(4, 3);
        float[] before = other.namedParameters().get("weight").toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(f, other, null));
        assertTrue(e.getMessage().contains("'weight' has shape [3, 2], model expects [3, 4]"), e.getMessage());
        assertArrayEquals(before, other.namedParameters().get("weight").toFloatArray(), "no partial load");
    }

    @Test
    void aNanLossStopsTrainingNamingTheStep() {
        Init.seed(1);
        Dataset data = randomImages(64, 1);
        float[] f = data.features().clone();
        f[40 * 784] = Float.NaN; // sample 40 lands in the second batch of the unshuffled order
        Dataset poisoned = new Dataset(f, data.labels(), data.sampleShape());
        Module m = LeNet5.build(1, 28, 28, 10, 0);
        Trainer t = new Trainer(m, new Adam(m.parameters(), 1e-3));
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> t.fit(DataLoader.builder(poisoned, 32).shuffle(false).build(), null, 1));
        assertTrue(e.getMessage().contains("epoch 1, batch 1 (global step 2)"), e.getMessage());
    }

    @Test
    void dataLoaderShufflesReproduciblyAndKeepsTheLastPartialBatch() {
        Dataset d = randomImages(10, 2);
        DataLoader l = DataLoader.builder(d, 4).seed(7).build();
        assertEquals(3, l.batches());
        assertArrayEquals(l.order(1), DataLoader.builder(d, 4).seed(7).build().order(1), "same seed, same order");
        assertFalse(java.util.Arrays.equals(l.order(1), l.order(2)), "epochs differ");
        int[] sorted = l.order(1).clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted, "a permutation");
        List<Integer> sizes = new ArrayList<>();
        l.setEpoch(1);
        for (DataLoader.Batch b : l) {
            sizes.add(b.size());
            assertEquals(Shape.of(b.size(), 1, 28, 28), b.features().shape());
            assertEquals(d.labels()[l.order(1)[sizes.size() == 1 ? 0 : 4 * (sizes.size() - 1)]], b.labels().toLongArray()[0]);
        }
        assertEquals(List.of(4, 4, 2), sizes);
        assertEquals(2, DataLoader.builder(d, 4).dropLast(true).build().batches());
    }

    @Test
    void horizontalFlipMirrorsTheImage() {
        float[] img = new float[9];
        for (int i = 0; i < 9; i++) img[i] = i;
        Dataset d = new Dataset(img, new int[]{0}, new int[]{1, 3, 3});
        boolean sawFlip = false, sawPlain = false;
        for (int e = 0; e < 20; e++) {
            DataLoader l = DataLoader.builder(d, 1).horizontalFlip(true).seed(3).build();
            l.setEpoch(e);
            float[] got = l.iterator().next().features().toFloatArray();
            if (got[0] == 2) {
                assertArrayEquals(new float[]{2, 1, 0, 5, 4, 3, 8, 7, 6}, got);
                sawFlip = true;
            } else {
                assertArrayEquals(img, got);
                sawPlain = true;
            }
        }
        assertTrue(sawFlip && sawPlain, "both outcomes occur over 20 epochs");
    }

    @Test
    void lenetLearnsTheEmbeddedFashionSubset() throws IOException {
        // The real pipeline on the shipped subset: 2 epochs must beat chance (10%) by far.
        var fm = dev.dendrite.data.FashionMnist.load(null);
        Dataset train = Dataset.fromImages(fm.trainImages(), fm.trainLabels(), fm.rows(), fm.cols(), 0.2860, 0.3530).head(3000);
        Dataset test = Dataset.fromImages(fm.testImages(), fm.testLabels(), fm.rows(), fm.cols(), 0.2860, 0.3530).head(1000);
        Init.seed(42);
        Module m = LeNet5.build(1, 28, 28, 10, 0);
        Trainer t = new Trainer(m, new Adam(m.parameters(), 3e-3));
        List<EpochMetrics> h = t.fit(DataLoader.builder(train, 64).seed(1).build(), DataLoader.builder(test, 256).shuffle(false).build(), 2);
        assertTrue(h.get(1).valAccuracy() > 0.70, "test accuracy " + h.get(1).valAccuracy());
        assertTrue(h.get(1).trainLoss() < h.get(0).trainLoss(), "loss falls");
    }

    @Test
    void dropoutCountsNoParametersButResumesItsMaskStream() {
        Dropout d = new Dropout(0.5);
        assertEquals(0, d.parameterCount());
        assertEquals(0, d.bufferCount());
        assertTrue(d.stateDict().containsKey("calls"));
        try (Tensor x = Tensor.ones(Shape.of(100), DType.FLOAT32)) {
            d.forward(x);
            assertEquals(1, d.stateDict().get("calls").item());
        }
    }
}
