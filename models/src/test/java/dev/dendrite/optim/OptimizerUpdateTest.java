package dev.dendrite.optim;

import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.dendrite.optim.OptimTestSupport.assertValues;
import static dev.dendrite.optim.OptimTestSupport.param;
import static dev.dendrite.optim.OptimTestSupport.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Every optimizer against values worked out by hand from its formula: three steps on
 * θ = [1, −2] (FLOAT64) with fixed gradients. The arithmetic is in the comments, element 0 | element 1.
 * Unless stated, the gradients are g1 = [0.5, −1], g2 = [−0.5, 2], g3 = [1, 0.25].
 */
class OptimizerUpdateTest {
    private static final double[] G1 = {0.5, -1}, G2 = {-0.5, 2}, G3 = {1, 0.25};

    @Test
    void sgdPlain() {
        Tensor p = param(1, -2);
        SGD opt = new SGD(List.of(p), 0.1);
        // θ ← θ − 0.1·g
        step(opt, p, 0.5, 1);     // 1 − 0.05 = 0.95            | −2 − 0.1 = −2.1
        assertValues("step 1", new double[]{0.95, -2.1}, p);
        step(opt, p, 1, -1);      // 0.95 − 0.1 = 0.85          | −2.1 + 0.1 = −2.0
        assertValues("step 2", new double[]{0.85, -2.0}, p);
        step(opt, p, -2, 0.5);    // 0.85 + 0.2 = 1.05          | −2.0 − 0.05 = −2.05
        assertValues("step 3", new double[]{1.05, -2.05}, p);
        assertEquals(3, opt.stepCount());
    }

    @Test
    void sgdWeightDecayAddsL2TermToTheGradient() {
        Tensor p = param(1, -2);
        SGD opt = SGD.builder(List.of(p)).lr(0.1).weightDecay(0.1).build();
        // d = g + 0.1·θ with g = [0.5, 1] every step; θ ← θ − 0.1·d
        step(opt, p, 0.5, 1);   // d = [0.6, 0.8];          θ = [1 − 0.06, −2 − 0.08] = [0.94, −2.08]
        assertValues("step 1", new double[]{0.94, -2.08}, p);
        step(opt, p, 0.5, 1);   // d = [0.594, 0.792];      θ = [0.94 − 0.0594, −2.08 − 0.0792] = [0.8806, −2.1592]
        assertValues("step 2", new double[]{0.8806, -2.1592}, p);
        step(opt, p, 0.5, 1);   // d = [0.58806, 0.78408];  θ = [0.8806 − 0.058806, −2.1592 − 0.078408]
        assertValues("step 3", new double[]{0.821794, -2.237608}, p);
        // The stored gradient is not modified by the decay term.
        assertValues("grad", new double[]{0.5, 1}, p.grad());
    }

    @Test
    void sgdMomentum() {
        Tensor p = param(1, -2);
        SGD opt = new SGD(List.of(p), 0.1, 0.9);
        // g = [1, −0.5] every step; b ← 0.9·b + g; θ ← θ − 0.1·b
        step(opt, p, 1, -0.5);   // b = [1, −0.5];       θ = [0.9, −1.95]
        assertValues("step 1", new double[]{0.9, -1.95}, p);
        step(opt, p, 1, -0.5);   // b = [1.9, −0.95];    θ = [0.9 − 0.19, −1.95 + 0.095] = [0.71, −1.855]
        assertValues("step 2", new double[]{0.71, -1.855}, p);
        step(opt, p, 1, -0.5);   // b = [2.71, −1.355];  θ = [0.71 − 0.271, −1.855 + 0.1355] = [0.439, −1.7195]
        assertValues("step 3", new double[]{0.439, -1.7195}, p);
        assertValues("momentum buffer", new double[]{2.71, -1.355}, opt.stateDict().get("0.momentum_buffer"));
    }

    @Test
    void sgdNesterovLooksAheadAndDiffersFromClassicalMomentum() {
        Tensor p = param(1, -2);
        SGD opt = SGD.builder(List.of(p)).lr(0.1).momentum(0.9).nesterov(true).build();
        // g = [1, −0.5]; b ← 0.9·b + g; θ ← θ − 0.1·(g + 0.9·b)
        step(opt, p, 1, -0.5);   // b = [1, −0.5];      g + 0.9b = [1.9, −0.95];    θ = [0.81, −1.905]
        assertValues("step 1", new double[]{0.81, -1.905}, p);
        step(opt, p, 1, -0.5);   // b = [1.9, −0.95];   g + 0.9b = [2.71, −1.355];  θ = [0.539, −1.7695]
        assertValues("step 2", new double[]{0.539, -1.7695}, p);
        step(opt, p, 1, -0.5);   // b = [2.71, −1.355]; g + 0.9b = [3.439, −1.7195]; θ = [0.1951, −1.59755]
        assertValues("step 3", new double[]{0.1951, -1.59755}, p);
        // Same buffer as classical momentum, different parameter trajectory (0.1951 vs 0.439 after 3 steps).
        assertValues("momentum buffer", new double[]{2.71, -1.355}, opt.stateDict().get("0.momentum_buffer"));
        assertNotEquals(0.439, p.toDoubleArray()[0], 0.1);
    }

    @Test
    void adagrad() {
        Tensor p = param(1, -2);
        Adagrad opt = Adagrad.builder(List.of(p)).lr(0.1).eps(1).build();   // ε = 1 keeps the arithmetic exact
        // s ← s + g²; θ ← θ − 0.1·g/(√s + 1); gradients chosen so that √s is an integer
        step(opt, p, 3, 4);    // s = [9, 16];    θ = [1 − 0.1·3/4, −2 − 0.1·4/5] = [0.925, −2.08]
        assertValues("step 1", new double[]{0.925, -2.08}, p);
        step(opt, p, 4, 3);    // s = [25, 25];   θ = [0.925 − 0.1·4/6, −2.08 − 0.1·3/6] = [0.858333.., −2.13]
        assertValues("step 2", new double[]{0.925 - 0.4 / 6, -2.13}, p);
        step(opt, p, 12, 0);   // s = [169, 25];  θ = [0.858333.. − 0.1·12/14, −2.13 − 0] = [0.772619.., −2.13]
        assertValues("step 3", new double[]{0.925 - 0.4 / 6 - 1.2 / 14, -2.13}, p);
        assertValues("sum", new double[]{169, 25}, opt.stateDict().get("0.sum"));
    }

    @Test
    void adagradStartsFromInitialAccumulatorValue() {
        Tensor p = param(1, -2);
        Adagrad opt = Adagrad.builder(List.of(p)).lr(0.1).eps(0).initialAccumulatorValue(16).build();
        step(opt, p, 3, 0);   // s = [16 + 9, 16 + 0] = [25, 16];  θ = [1 − 0.1·3/5, −2] = [0.94, −2]
        assertValues("step 1", new double[]{0.94, -2}, p);
    }

    @Test
    void adadelta() {
        Tensor p = param(1, -2);
        Adadelta opt = Adadelta.builder(List.of(p)).lr(1).rho(0.5).eps(0.25).build();
        // E[g²] ← 0.5E[g²] + 0.5g²;  Δ = √(E[Δ²] + 0.25)/√(E[g²] + 0.25)·g;  E[Δ²] ← 0.5E[Δ²] + 0.5Δ²;  θ ← θ − Δ
        // step 1: E[g²] = [0.125, 0.5]
        //         Δ = [0.5/√0.375·0.5, 0.5/√0.75·(−1)] = [0.4082483, −0.5773503];  E[Δ²] = [1/12, 1/6]
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.5917517095361369, -1.4226497308103743}, p);
        // step 2: E[g²] = [0.1875, 2.25]
        //         Δ = [√(1/3)/√0.4375·(−0.5), √(5/12)/√2.5·2] = [−0.4364358, 0.8164966]
        //         E[Δ²] = [0.1369048, 0.4166667];  θ = [0.5917517 + 0.4364358, −1.4226497 − 0.8164966]
        step(opt, p, G2);
        assertValues("step 2", new double[]{1.0281874900081216, -2.2391463117381005}, p);
        // step 3: E[g²] = [0.59375, 1.15625]
        //         Δ = [√0.3869048/√0.84375·1, √0.6666667/√1.40625·0.25] = [0.6771660, 0.1721326]
        //         θ = [1.0281875 − 0.6771660, −2.2391463 − 0.1721326]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.35102148976362824, -2.4112789049028747}, p);
        assertValues("square_avg", new double[]{0.59375, 1.15625}, opt.stateDict().get("0.square_avg"));
        assertValues("acc_delta", new double[]{0.29772927689594353, 0.2231481481481482}, opt.stateDict().get("0.acc_delta"));
    }

    @Test
    void rmsprop() {
        Tensor p = param(1, -2);
        RMSprop opt = RMSprop.builder(List.of(p)).lr(0.1).alpha(0.5).build();   // ε = 1e-8 (default)
        // v ← 0.5v + 0.5g²;  θ ← θ − 0.1·g/(√v + 1e-8)
        // step 1: v = [0.125, 0.5];   √v = [0.3535534, 0.7071068];  θ = [1 − 0.1414214, −2 + 0.1414214]
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.8585786477626904, -1.8585786457626905}, p);
        // step 2: v = [0.1875, 2.25]; √v = [0.4330127, 1.5];        θ = [0.8585786 + 0.1154701, −1.8585786 − 0.1333333]
        step(opt, p, G2);
        assertValues("step 2", new double[]{0.974048698933949, -1.9919119782071348}, p);
        // step 3: v = [0.59375, 1.15625]; √v = [0.7705518, 1.0752907]; θ = [0.9740487 − 0.1297771, −1.9919120 − 0.0232495]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.8442715637135494, -2.0151615057396826}, p);
    }

    @Test
    void rmspropWithMomentum() {
        Tensor p = param(1, -2);
        RMSprop opt = RMSprop.builder(List.of(p)).lr(0.1).alpha(0.5).momentum(0.9).build();
        // v as in rmsprop(); b ← 0.9b + g/(√v + 1e-8); θ ← θ − 0.1·b
        // step 1: b = [1.4142135, −1.4142135]                                θ = [0.8585786, −1.8585786]
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.8585786477626904, -1.8585786457626905}, p);
        // step 2: b = [0.9·1.4142135 − 1.1547005, 0.9·(−1.4142135) + 1.3333333] = [0.1180917, 0.0605411]
        step(opt, p, G2);
        assertValues("step 2", new double[]{0.8467694819203704, -1.8646327593935563}, p);
        // step 3: b = [0.9·0.1180917 + 1.2977713, 0.9·0.0605411 + 0.2324953] = [1.4040538, 0.2869823]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.7063640974418828, -1.8933309891938832}, p);
        assertValues("momentum_buffer", new double[]{1.4040538447848763, 0.2869822980032695}, opt.stateDict().get("0.momentum_buffer"));
    }

    @Test
    void adamWithBiasCorrection() {
        Tensor p = param(1, -2);
        Adam opt = new Adam(List.of(p), 0.1);   // β = (0.9, 0.999), ε = 1e-8
        // m ← 0.9m + 0.1g;  v ← 0.999v + 0.001g²;  m̂ = m/(1 − 0.9ᵗ);  v̂ = v/(1 − 0.999ᵗ);  θ ← θ − 0.1·m̂/(√v̂ + 1e-8)
        // step 1: m = [0.05, −0.1], v = [0.00025, 0.001]; bias 0.1 and 0.001 → m̂ = g = [0.5, −1], v̂ = g² = [0.25, 1]
        //         θ = [1 − 0.1·0.5/0.50000001, −2 + 0.1·1/1.00000001] = [0.900000002, −1.900000001]
        //         (without bias correction the step would be 0.1·0.05/√0.00025 = 0.316, not 0.1)
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.900000002, -1.900000001}, p);
        // step 2: m = [−0.005, 0.11], v = [0.00049975, 0.004999]; 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999
        //         m̂ = [−0.0263158, 0.5789474], v̂ = [0.25, 2.5007504], √v̂ = [0.5, 1.5813761]
        //         θ = [0.900000002 − 0.1·(−0.0263158)/0.50000001, −1.900000001 − 0.1·0.5789474/1.5813761]
        //           = [0.900000002 + 0.0052632, −1.900000001 − 0.0366104]
        step(opt, p, G2);
        assertValues("step 2", new double[]{0.9052631597894736, -1.9366103534720749}, p);
        // step 3: m = [0.0955, 0.124], v = [0.00149925, 0.0050565]; 1 − 0.9³ = 0.271, 1 − 0.999³ = 0.002997001
        //         m̂ = [0.3523985, 0.4575646], √v̂ = [0.7072837, 1.2989176]
        //         θ = [0.9052632 − 0.0498242, −1.9366104 − 0.0352266]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.8554389460989928, -1.9718369581894204}, p);
        assertValues("exp_avg", new double[]{0.0955, 0.124}, opt.stateDict().get("0.exp_avg"));
        assertValues("exp_avg_sq", new double[]{0.0014992502500000013, 0.005056501000000004}, opt.stateDict().get("0.exp_avg_sq"));
    }

    @Test
    void adamWithL2WeightDecay() {
        Tensor p = param(1, -2);
        Adam opt = Adam.builder(List.of(p)).lr(0.1).weightDecay(0.1).build();
        // d = g + 0.1θ feeds both moments. step 1: d = [0.6, −1.2] → m̂ = d, v̂ = d², θ = [1 − 0.1·0.6/0.60000001, …]
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.9000000016666666, -1.9000000008333333}, p);
        // step 2: d = [−0.5 + 0.09, 2 − 0.19] = [−0.41, 1.81]; m = [0.013, 0.073]; v = [0.00052774, 0.00471466]
        step(opt, p, G2);
        assertValues("step 2", new double[]{0.8866836230649792, -1.9250178784643248}, p);
        // step 3: d = [1 + 0.0886684, 0.25 − 0.1925018] = [1.0886684, 0.0574982]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.8278266396216202, -1.94604186133783}, p);
    }

    @Test
    void adamwDecouplesWeightDecay() {
        Tensor p = param(1, -2);
        AdamW opt = new AdamW(List.of(p), 0.1, 0.1);
        // θ ← θ − 0.1·0.1·θ = 0.99θ, then the Adam step of adamWithBiasCorrection() on the raw gradient
        // (m, v, m̂, v̂ identical to plain Adam: the decay never enters the moments).
        // step 1: 0.99·[1, −2] = [0.99, −1.98];  θ = [0.99 − 0.0999999980, −1.98 + 0.0999999990]
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.890000002, -1.880000001}, p);
        // step 2: 0.99·θ = [0.8811000, −1.8612000];  Adam step as in Adam's step 2: [+0.0052632, −0.0366104]
        step(opt, p, G2);
        assertValues("step 2", new double[]{0.8863631597694736, -1.897810353462075}, p);
        // step 3: 0.99·θ = [0.8774995, −1.8788323];  Adam step [−0.0498242, −0.0352266]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.827675314481298, -1.9140588546447996}, p);
        assertValues("exp_avg (same as Adam)", new double[]{0.0955, 0.124}, opt.stateDict().get("0.exp_avg"));
        assertEquals(1e-2, new AdamW(List.of(param(1)), 1e-3).weightDecay(), "PyTorch's default AdamW decay");
    }

    @Test
    void adamax() {
        Tensor p = param(1, -2);
        AdaMax opt = new AdaMax(List.of(p), 0.1);   // β = (0.9, 0.999), ε = 1e-8
        // m ← 0.9m + 0.1g;  u ← max(0.999u, |g|);  θ ← θ − 0.1/(1 − 0.9ᵗ)·m/(u + 1e-8)
        // step 1: m = [0.05, −0.1], u = [0.5, 1];  θ = [1 − 1·0.05/0.50000001, −2 + 1·0.1/1.00000001]
        step(opt, p, G1);
        assertValues("step 1", new double[]{0.900000002, -1.900000001}, p);
        // step 2: m = [−0.005, 0.11], u = [max(0.4995, 0.5), max(0.999, 2)] = [0.5, 2]; lr/(1 − 0.81) = 0.5263158
        //         θ = [0.900000002 + 0.5263158·0.01, −1.900000001 − 0.5263158·0.055]
        step(opt, p, G2);
        assertValues("step 2", new double[]{0.9052631597894737, -1.9289473692763157}, p);
        // step 3: m = [0.0955, 0.124], u = [max(0.4995, 1), max(1.998, 0.25)] = [1, 1.998]; lr/0.271 = 0.3690037
        //         θ = [0.9052632 − 0.3690037·0.0955, −1.9289474 − 0.3690037·0.124/1.998]
        step(opt, p, G3);
        assertValues("step 3", new double[]{0.8700233077433482, -1.9518484990738956}, p);
        assertValues("exp_inf", new double[]{1, 1.998}, opt.stateDict().get("0.exp_inf"));
    }

    @Test
    void biasCorrectionCountsEachParametersOwnUpdates() {
        Tensor a = param(1), b = param(1);
        Adam opt = new Adam(List.of(a, b), 0.1);
        OptimTestSupport.setGrad(a, 0.5);
        opt.step();                              // b has no gradient: skipped, no state
        assertValues("b untouched", new double[]{1}, b);
        assertEquals(false, opt.stateDict().containsKey("1.exp_avg"));
        OptimTestSupport.setGrad(a, 0.5);
        OptimTestSupport.setGrad(b, 0.5);
        opt.step();
        // b's first update uses t = 1 (m̂ = g, v̂ = g²): θ = 1 − 0.1·0.5/0.50000001 = 0.900000002, exactly like a
        // first Adam step; a global t = 2 would give 1 − 0.1·(0.1·0.5/0.19)/(√(0.00025/0.001999) + 1e-8) = 0.9256.
        assertValues("b after its first update", new double[]{0.900000002}, b);
        assertEquals(2, opt.stepCount());
        assertEquals(2.0, opt.stateDict().get("0.step").item());
        assertEquals(1.0, opt.stateDict().get("1.step").item());
    }

    @Test
    void learningRateChangesApplyToTheNextStep() {
        Tensor p = param(1, -2);
        SGD opt = new SGD(List.of(p), 0.1);
        opt.setLearningRate(0.5);
        assertEquals(0.5, opt.learningRate());
        step(opt, p, 1, 1);   // θ = [1 − 0.5, −2 − 0.5]
        assertValues("step", new double[]{0.5, -2.5}, p);
    }
}
