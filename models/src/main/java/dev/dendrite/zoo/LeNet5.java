package dev.dendrite.zoo;

import dev.dendrite.nn.Activation;
import dev.dendrite.nn.Conv2d;
import dev.dendrite.nn.Dropout;
import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Pool2d;
import dev.dendrite.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * LeNet-5 in its common modern form: conv 6@5×5 → ReLU → max-pool 2 → conv 16@5×5 → ReLU → max-pool 2
 * → dense 120 → ReLU → dense 84 → ReLU → dense classes. On 32×32 input the first convolution is unpadded;
 * on 28×28 (MNIST-style) it pads by 2, the classic way to feed 28×28 images, so the parameter count is
 * the same: 61,706 for one input channel and 10 classes.
 */
public final class LeNet5 {
    private LeNet5() {
    }

    /**
     * @param dropout probability applied after each hidden dense layer (0 for none)
     */
    public static Sequential build(int channels, int height, int width, int classes, double dropout) {
        if (height != width || (height != 32 && height != 28))
            throw new IllegalArgumentException("lenet: input must be 32×32 or 28×28, got " + height + "×" + width);
        int pad = (32 - height) / 2;
        List<Module> layers = new ArrayList<>(List.of(
                new Conv2d(channels, 6, 5, 1, pad), Activation.relu(), Pool2d.max(2),
                new Conv2d(6, 16, 5), Activation.relu(), Pool2d.max(2),
                new Flatten(),
                new Linear(16 * 5 * 5, 120), Activation.relu()));
        if (dropout > 0) layers.add(new Dropout(dropout));
        layers.add(new Linear(120, 84));
        layers.add(Activation.relu());
        if (dropout > 0) layers.add(new Dropout(dropout));
        layers.add(new Linear(84, classes));
        return new Sequential(layers);
    }
}
