package dev.dendrite.optim;

import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.MemoryStats;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.dendrite.optim.OptimTestSupport.param;
import static dev.dendrite.optim.OptimTestSupport.setGrad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The factory, argument checks, memory behaviour and a convergence sanity check. */
class OptimizersTest {
    @Test
    void factoryBuildsEachNamedOptimizerWithItsDefaults() {
        List<Tensor> ps = List.of(param(1, 2));
        SGD sgd = assertInstanceOf(SGD.class, Optimizers.create("sgd", ps, 0.3));
        assertEquals(0.3, sgd.learningRate());
        assertEquals(0, sgd.momentum());
        SGD momentum = assertInstanceOf(SGD.class, Optimizers.create("momentum", ps, 0.1));
        assertEquals(0.9, momentum.momentum());
        assertEquals(false, momentum.isNesterov());
        SGD nesterov = assertInstanceOf(SGD.class, Optimizers.create("Nesterov", ps, 0.1));   // case-insensitive
        assertEquals(0.9, nesterov.momentum());
        assertEquals(true, nesterov.isNesterov());
        assertEquals(1e-10, assertInstanceOf(Adagrad.class, Optimizers.create("adagrad", ps, 0.1)).eps());
        Adadelta adadelta = assertInstanceOf(Adadelta.class, Optimizers.create("adadelta", ps, 1));
        assertEquals(0.9, adadelta.rho());
        assertEquals(1e-6, adadelta.eps());
        RMSprop rmsprop = assertInstanceOf(RMSprop.class, Optimizers.create("rmsprop", ps, 0.01));
        assertEquals(0.99, rmsprop.alpha());
        assertEquals(1e-8, rmsprop.eps());
        Adam adam = assertInstanceOf(Adam.class, Optimizers.create("adam", ps, 1e-3));
        assertEquals(0.9, adam.beta1());
        assertEquals(0.999, adam.beta2());
        assertEquals(1e-8, adam.eps());
        assertEquals(0, adam.weightDecay());
        assertInstanceOf(AdaMax.class, Optimizers.create("adamax", ps, 2e-3));
        assertEquals(1e-2, assertInstanceOf(AdamW.class, Optimizers.create("adamw", ps, 1e-3)).weightDecay());
        assertEquals("Adam(lr=0.001, betas=(0.9, 0.999), eps=1.0E-8, weightDecay=0.0)", adam.toString());
    }

    @Test
    void factoryRejectsUnknownNamesListingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("lamb", List.of(param(1)), 0.1));
        assertEquals("Optimizers.create: unknown optimizer 'lamb'; valid names: sgd, momentum, nesterov, adagrad, adadelta, "
                + "rmsprop, adam, adamax, adamw", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Optimizers.create(null, List.of(param(1)), 0.1));
    }

    @Test
    void invalidHyperparametersAreNamed() {
        List<Tensor> ps = List.of(param(1));
        assertEquals("Adam: beta1 must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> Adam.builder(ps).betas(1.0, 0.999).build()).getMessage());
        assertEquals("AdamW: beta2 must be in [0, 1), got -0.1", assertThrows(IllegalArgumentException.class,
                () -> AdamW.builder(ps).betas(0.9, -0.1).build()).getMessage());
        assertEquals("SGD: Nesterov momentum needs momentum > 0, got momentum = 0", assertThrows(IllegalArgumentException.class,
                () -> SGD.builder(ps).nesterov(true).build()).getMessage());
        assertEquals("SGD: lr must be finite and >= 0, got -0.1", assertThrows(IllegalArgumentException.class,
                () -> new SGD(ps, -0.1)).getMessage());
        assertEquals("RMSprop: weightDecay must be finite and >= 0, got NaN", assertThrows(IllegalArgumentException.class,
                () -> RMSprop.builder(ps).weightDecay(Double.NaN).build()).getMessage());
        assertEquals("Adadelta: rho must be in [0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
                () -> Adadelta.builder(ps).rho(1.5).build()).getMessage());
        assertEquals("Adam.setLearningRate: lr must be finite and >= 0, got Infinity", assertThrows(IllegalArgumentException.class,
                () -> new Adam(ps, 0.1).setLearningRate(Double.POSITIVE_INFINITY)).getMessage());
    }

    @Test
    void invalidParameterListsAreNamed() {
        Tensor p = param(1, 2);
        assertEquals("Adam: needs at least one parameter, got an empty list",
                assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(), 0.1)).getMessage());
        assertEquals("SGD: parameters 0 and 1 are the same tensor [2]; it would be updated twice per step",
                assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, p), 0.1)).getMessage());
        Tensor ints = Tensor.fromArray(new int[]{1, 2}, 2);
        assertEquals("SGD: parameter 1 [2] is INT32; only FLOAT32 and FLOAT64 tensors can be optimized",
                assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, ints), 0.1)).getMessage());
        Tensor nonContiguous = Tensor.zeros(Shape.of(2, 3), DType.FLOAT64).transpose(0, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(nonContiguous), 0.1))
                .getMessage().contains("parameter 0 [3, 2] is not contiguous"));
    }

    @Test
    void zeroGradDropsGradientsAndNullGradientsAreSkipped() {
        Tensor a = param(1, 2), b = param(3);
        SGD opt = new SGD(List.of(a, b), 0.5, 0.9);
        setGrad(a, 1, 1);
        opt.step();
        assertEquals(List.of("step", "0.step", "0.momentum_buffer"), List.copyOf(opt.stateDict().keySet()));
        opt.zeroGrad();
        assertNull(a.grad());
        opt.step();   // nothing has a gradient: nothing moves, but the step is counted
        assertEquals(0.5, a.toDoubleArray()[0]);
        assertEquals(3.0, b.toDoubleArray()[0]);
        assertEquals(2, opt.stepCount());
    }

    @Test
    void memoryStaysFlatAndStateSurvivesTheCallersScope() {
        Tensor a = Tensor.zeros(Shape.of(64, 32), DType.FLOAT32).requiresGrad(true);
        Tensor b = Tensor.zeros(Shape.of(32), DType.FLOAT32).requiresGrad(true);
        Adam opt = Adam.builder(List.of(a, b)).lr(0.01).weightDecay(0.1).build();
        MemoryStats stats = Tensor.memoryStats(a.backend());
        long after1 = 0;
        for (int i = 0; i < 6; i++) {
            if (i < 3) {
                // A strict scope, as the trainer's per-step scope may be: it throws if step() leaks anything.
                try (MemoryScope scope = MemoryScope.openStrict()) {
                    stepWithConstantGrads(opt, a, b);
                }
            } else {
                // No scope at all: temporaries would pile up here unless step() frees them itself.
                stepWithConstantGrads(opt, a, b);
            }
            if (i == 0) after1 = stats.liveStorages();
            assertEquals(after1, stats.liveStorages(), "live storages after step " + (i + 1) + " vs step 1: " + stats);
        }
        // The state created inside the first scope is still usable.
        assertEquals(Shape.of(64, 32), opt.stateDict().get("0.exp_avg_sq").shape());
        assertTrue(opt.stateDict().get("1.exp_avg").toFloatArray()[0] < 0);
        long before = stats.liveStorages();
        opt.close();
        assertEquals(before - 7, stats.liveStorages(), "close() frees 2 slots + 1 counter per parameter (2 × 3) and the global counter");
        assertThrows(IllegalStateException.class, opt::step);
    }

    private static void stepWithConstantGrads(Optimizer opt, Tensor a, Tensor b) {
        a.setGrad(Tensor.full(a.shape(), 0.5, DType.FLOAT32));
        b.setGrad(Tensor.full(b.shape(), -0.5, DType.FLOAT32));
        opt.step();
    }

    @Test
    void adamConvergesOnAQuadratic() {
        // minimise ‖θ − c‖² from θ = 0 with autograd: the minimum is θ = c
        double[] c = {3, -1, 0.5};
        Tensor theta = Tensor.zeros(Shape.of(3), DType.FLOAT64).requiresGrad(true);
        Tensor target = Tensor.fromArray(c.clone(), 3);
        Adam opt = new Adam(List.of(theta), 0.1);
        LrSchedule schedule = new CosineAnnealingLR(1500, 1e-4);
        for (int step = 0; step < 1500; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                opt.setLearningRate(schedule.learningRate(step, 0.1));
                opt.zeroGrad();
                theta.sub(target).square().sum().backward();
                opt.step();
            }
        }
        double[] t = theta.toDoubleArray();
        for (int i = 0; i < 3; i++)
            assertEquals(c[i], t[i], 1e-3, "θ[" + i + "] after 1500 Adam steps");
    }
}
