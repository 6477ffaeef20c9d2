package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;
import java.util.Locale;

/** Creates optimizers by name, for command lines and configuration files. */
public final class Optimizers {
    /** Momentum μ of the {@code momentum} and {@code nesterov} presets (the customary value). */
    public static final double PRESET_MOMENTUM = 0.9;

    /** Every name {@link #create} accepts. */
    public static final List<String> NAMES =
            List.of("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "adamw");

    private Optimizers() {
    }

    /**
     * An optimizer over {@code params} with learning rate {@code lr} and the defaults of its class:
     * <ul>
     *   <li>{@code sgd}: {@link SGD} without momentum;</li>
     *   <li>{@code momentum}: {@link SGD} with momentum 0.9; {@code nesterov}: the same with Nesterov momentum;</li>
     *   <li>{@code adagrad}, {@code adadelta}, {@code rmsprop}, {@code adam}, {@code adamax}: {@link Adagrad},
     *       {@link Adadelta}, {@link RMSprop}, {@link Adam}, {@link AdaMax};</li>
     *   <li>{@code adamw}: {@link AdamW} with its default weight decay 1e-2.</li>
     * </ul>
     * Names are case-insensitive.
     *
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static Optimizer create(String name, List<Tensor> params, double lr) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "sgd" -> new SGD(params, lr);
            case "momentum" -> new SGD(params, lr, PRESET_MOMENTUM);
            case "nesterov" -> SGD.builder(params).lr(lr).momentum(PRESET_MOMENTUM).nesterov(true).build();
            case "adagrad" -> new Adagrad(params, lr);
            case "adadelta" -> new Adadelta(params, lr);
            case "rmsprop" -> new RMSprop(params, lr);
            case "adam" -> new Adam(params, lr);
            case "adamax" -> new AdaMax(params, lr);
            case "adamw" -> new AdamW(params, lr);
            default -> throw new IllegalArgumentException("Optimizers.create: unknown optimizer '" + name + "'; valid names: "
                    + String.join(", ", NAMES));
        };
    }
}
