package dev.dendrite;

/**
 * One recorded op on the autograd tape: its inputs and the rule that maps the gradient of its
 * output to gradients of its inputs. Rules are written once, in terms of tensor ops, so every
 * backend gets autograd for free.
 */
final class GradNode {
    /** Maps the output's gradient to one gradient per input (null where an input needs none). */
    @FunctionalInterface
    interface Rule {
        Tensor[] apply(Tensor gradOutput);
    }

    final String op;
    Tensor[] inputs;
    Rule rule;

    GradNode(String op, Tensor[] inputs, Rule rule) {
        this.op = op;
        this.inputs = inputs;
        this.rule = rule;
    }

    void free() {
        inputs = null;
        rule = null;
    }
}
