package dev.dendrite.ops;

/**
 * Batch normalisation settings, cuDNN's convention. In training, with batch mean μ and biased
 * batch variance σ² over all axes but the channel axis (1):
 * {@code y = γ·(x − μ)/√(σ² + ε) + β}, and the running statistics update as
 * {@code running = (1 − momentum)·running + momentum·batchStat}, where the running variance uses the
 * unbiased batch variance {@code σ²·m/(m − 1)} (m = elements per channel). PyTorch's momentum 0.1 is
 * the same convention (cuDNN's exponentialAverageFactor).
 */
public record BatchNormParams(double epsilon, double momentum) {
    public BatchNormParams {
        if (!(epsilon > 0)) throw new IllegalArgumentException("batchNorm: epsilon must be > 0, got " + epsilon);
        if (!(momentum >= 0 && momentum <= 1))
            throw new IllegalArgumentException("batchNorm: momentum must be in [0, 1], got " + momentum);
    }

    public static BatchNormParams defaults() {
        return new BatchNormParams(1e-5, 0.1);
    }
}
