package io.lopt.optimizees.tasks;

/**
 * A model's mean loss and accuracy over a split (or its first examples).
 *
 * @param loss     mean loss per example (for a language model: per predicted token, in nats)
 * @param accuracy fraction of examples (tokens) whose most likely class is the label
 */
public record Evaluation(double loss, double accuracy) {
}
